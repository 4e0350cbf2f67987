"""The page's panels, one module each: every panel builds its components
(``layout``, in page order) and wires its events (``wire``, once the whole
page exists, since events update other panels' components).

* :mod:`.page` -- what every panel shares (:class:`~.page.Page`: the chat
  service, the page's words, the browser's state, who the asker is);
* :mod:`.chat` -- the question box, the transcript, settings, scope, export;
* :mod:`.viewer` -- the sources list and the source viewer (citations,
  sources and library reports open here);
* :mod:`.library` -- the library tab (every report the asker sees, with its card);
* :mod:`.uploads` -- the "Your reports" tab (team passphrase, upload, remove);
* :mod:`.status` -- the indexing line at the top and what a page load fills in.

The API routes (``/ask``, ``/ask_within``, ``/library``, ``/team``,
``/upload``, ``/remove``) live in :mod:`assistant.web.api`.
"""
