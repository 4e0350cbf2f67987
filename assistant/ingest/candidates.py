"""What an answer can quote: whole sentences and runs of list items or table rows, as spans of a document's clean text.

Defined here, below the answer layer, because the build stores a vector for
every span an answer could quote (``store.sentences``) and the answer layer
chooses among the same spans at ask time: both must agree on what they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import sentence_spans


@dataclass(frozen=True)
class QuotableSpan:
    start: int
    end: int
    is_list: bool = False  # a run of list items or table rows (with its lead-in), quoted whole


#: How far past a passage's edges a sentence it cuts may be followed to its end.
_SENTENCE_REACH = 400


def whole_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]``, the ones the passage's edges cut
    taken whole (a long Chinese sentence often runs past a chunk's end): a
    quote is a whole sentence even where the chunk is not."""
    window_start, window_end = max(0, start - _SENTENCE_REACH), min(len(text), end + _SENTENCE_REACH)
    spans = sentence_spans(text, window_start, window_end)
    inside = [(s, e) for s, e in spans if s < end and e > start]
    return [(s, e) for s, e in inside
            if (s > window_start or window_start == 0) and (e < window_end or window_end == len(text))] or \
        sentence_spans(text, start, end)


_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_CALL_TO_ACTION_RE = re.compile(
    r"\b(?:request|get|download|buy|purchase|inquire|enquire|ask|order|contact|browse|click|speak|talk)\b"
    r".{0,40}\b(?:sample|report|analyst|discount|pdf|copy|brochure|quote|toc|customi[sz]ation|us)\b", re.I)
_MAX_LIST_ITEM_WORDS = 12


def is_boilerplate(sentence: str) -> bool:
    """A sales or navigation line: a link with little else around it, a call
    to action ("Request a sample of this report"), or a line that only
    announces what follows ("By Region:", "... is segmented into:")."""
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", _URL_RE.sub("", sentence))
    if _URL_RE.search(sentence) and len(words) < 8:
        return True
    if _CALL_TO_ACTION_RE.search(sentence) and len(words) < 16:
        return True
    return sentence.rstrip().endswith((":", "："))  # it announces what follows: the list is the answer


def list_runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of two or more consecutive short lines (list items, table rows)
    between ``start`` and ``end``, each with the line that introduces it when
    that line ends with a colon ("... is segmented into:"): the lead-in says
    what the list is.  Blank lines between items do not break a run."""
    runs: list[tuple[int, int]] = []
    run_start, run_end, count, lead_in = None, 0, 0, None
    position = start
    for line in text[start:end].split("\n"):
        line_start, line_end = position + len(line) - len(line.lstrip()), position + len(line.rstrip())
        position += len(line) + 1
        stripped = line.strip(" |-*\t")
        if not stripped:
            continue
        words = len(re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]{1,4}", stripped))
        if 0 < words <= _MAX_LIST_ITEM_WORDS and not stripped.endswith((".", "。", ":", "：")):
            if run_start is None:
                run_start, count = lead_in if lead_in is not None else line_start, 0
            run_end, count = line_end, count + 1
            continue
        if run_start is not None and count >= 2:
            runs.append((run_start, run_end))
        run_start, count = None, 0
        lead_in = line_start if stripped.endswith((":", "：")) else None
    if run_start is not None and count >= 2:
        runs.append((run_start, run_end))
    return runs


def squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def is_a_name(sentence: str, names: list[str]) -> bool:
    """The sentence is a title or heading: one holds the other, and the two
    are of about one length (a heading tag left open in broken HTML can
    swallow a paragraph, which is still a sentence).  Both squashed."""
    def alike(a: str, b: str) -> bool:
        return a in b and len(a) >= 0.85 * len(b)

    return any(sentence and (sentence == name or (len(sentence) >= 20 and (alike(sentence, name) or alike(name, sentence))))
               for name in names)


def is_quotable(sentence: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", sentence)
    return len(words) >= 3 and not re.fullmatch(r"[\s|:\-]*", sentence)


def passage_spans(text: str, start: int, end: int) -> list[QuotableSpan]:
    """Every span an answer may quote from the passage ``text[start:end]``:
    its whole sentences, then its list runs (the build embeds each of them)."""
    spans = [QuotableSpan(s, e) for s, e in whole_sentences(text, start, end)]
    return spans + [QuotableSpan(s, e, is_list=True) for s, e in list_runs(text, start, end)]
