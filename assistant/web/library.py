"""The library panel: every indexed report (shipped and uploaded) with its card, and the scope of a question.

A report's label is its title first and its file name second ("Telehealth
Market Outlook — 004_x.txt"); a report whose card found no title shows its
file name only.  Uploaded reports are marked as such wherever they are named.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from .i18n import text
from .render import esc
from .titles import bilingual_title, short_title

#: Library choices of the "Report language" scope.
SCOPE_LANGS = ("all", "en", "zh")


@dataclass
class LibraryEntry:
    """One indexed report as the page shows it."""

    doc_id: str
    title: str = ""
    publisher: str = ""
    market: str = ""
    market_zh: str = ""  # the market's Chinese name, where the report's title gives it
    years: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    chunks: int = 0
    uploaded: bool = False

    @property
    def label(self) -> str:
        title = bilingual_title(self.title)
        return f"{title} — {self.doc_id}" if title and title != self.doc_id else self.doc_id

    @property
    def short(self) -> str:
        """The market and publisher (else forecast period): how source lines name the report."""
        return short_title(self.title, self.market, self.publisher, self.years)

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label}


def is_upload(info: dict, uploads_dir: Path) -> bool:
    """Whether a manifest entry is a file of the uploads folder (``uploads_dir`` resolved)."""
    try:
        return Path(info.get("path", "")).resolve().parent == uploads_dir
    except OSError:
        return False


def library_entries(assistant, uploads_dir: Path) -> list[LibraryEntry]:
    """The reports of the live index, shipped ones first, then uploads, each by title
    (every report: the web chat narrows them to what an asker sees)."""
    if assistant is None:
        return []
    files = assistant.index.manifest.files
    uploads = Path(uploads_dir).resolve()
    entries = []
    for card in assistant.cards:
        info = files.get(card.doc_id, {})
        uploaded = is_upload(info, uploads)
        entries.append(LibraryEntry(
            doc_id=card.doc_id, title=card.title or "", publisher=card.publisher or "", market=card.market or "",
            market_zh=getattr(card, "market_zh", "") or "",
            years=list(card.years or []), languages=list(card.languages or []),
            chunks=int(info.get("n_chunks", 0) or 0), uploaded=uploaded,
        ))
    entries.sort(key=lambda entry: (entry.uploaded, (entry.title or entry.doc_id).lower(), entry.doc_id))
    return entries


def scope_doc_ids(entries: list[LibraryEntry], chosen, lang: str = "all") -> set[str] | None:
    """The reports a question searches: the chosen ones (all when none is
    chosen), narrowed to those written in ``lang``; None means no filter."""
    known = {entry.doc_id for entry in entries}
    picked = {doc_id for doc_id in (chosen or []) if doc_id in known} or set(known)
    if lang in ("en", "zh"):
        picked = {entry.doc_id for entry in entries if entry.doc_id in picked and lang in entry.languages}
    return None if picked == known else picked


def unknown_reports(entries: list[LibraryEntry], chosen) -> list[str]:
    known = {entry.doc_id for entry in entries}
    return [str(doc_id) for doc_id in (chosen or []) if doc_id not in known]


def render_library(entries: list[LibraryEntry], lang: str = "en") -> str:
    """The library as cards; "Open" shows the report in the viewer."""
    if not entries:
        return f'<p class="note">{esc(text("library_empty", lang))}</p>'
    cards = ['<div class="library">']
    for entry in entries:
        badge = (f' <span class="badge up">{esc(text("uploaded", lang))}</span>' if entry.uploaded
                 else f' <span class="badge">{esc(text("shipped", lang))}</span>')
        facts = []
        market = entry.market_zh if lang == "zh" and entry.market_zh else entry.market
        for key, value in (("publisher", entry.publisher), ("market", market),
                           ("years", ", ".join(entry.years)), ("languages", ", ".join(entry.languages))):
            if value:
                facts.append(f'<dt>{esc(text(key, lang))}</dt><dd>{esc(value)}</dd>')
        facts.append(f'<dt>{esc(text("file", lang))}</dt><dd class="file">{esc(entry.doc_id)}</dd>')
        cards.append(
            f'<article class="card" data-doc-card="{esc(entry.doc_id)}">'
            f'<h4>{esc(bilingual_title(entry.title) or entry.doc_id)}{badge}</h4><dl>{"".join(facts)}</dl>'
            f'<div class="foot"><span class="n">{esc(text("chunks", lang, n=entry.chunks))}</span>'
            f'<button type="button" class="open" data-open="{esc(entry.doc_id)}">{esc(text("open", lang))}</button></div>'
            "</article>")
    cards.append("</div>")
    return "".join(cards)


LIBRARY_CSS = """
.library { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 14px; background: var(--background-fill-secondary); }
.card h4 { margin: 0 0 6px; font-size: 15px; line-height: 1.35; overflow-wrap: anywhere; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; font-size: 13px; }
.card dt { color: var(--body-text-color-subdued); }
.card dd { margin: 0; overflow-wrap: anywhere; }
.card dd.file { font-family: var(--font-mono); font-size: 12px; }
.card .foot { display: flex; justify-content: space-between; align-items: center; margin-top: 8px; font-size: 13px; }
.badge { font-size: 11px; font-weight: 600; border-radius: 6px; padding: 1px 6px; background: var(--background-fill-primary); border: 1px solid var(--border-color-primary); }
.badge.up { background: #fff3bf; color: #5c3c00; border-color: #fcc419; }
button.open { font: inherit; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 2px 12px; cursor: pointer; background: var(--background-fill-primary); color: var(--body-text-color); }
button.open:hover { border-color: var(--color-accent); }
.note { color: var(--body-text-color-subdued); }
"""

LIBRARY_JS = """
element.addEventListener('click', function (event) {
  const target = event.target.closest('[data-open]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  trigger('click', {open: target.getAttribute('data-open')});
});
"""
