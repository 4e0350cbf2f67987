"""Choosing the sentences to quote: candidates from the top hits, scored against the question, the best kept and cited.

Nothing here writes prose of its own: every quote is a span of a document's clean
text, cited by the exact raw characters it came from.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..config import QuoteWeights
from ..ingest import detect_lang, sentence_spans
from ..lexical import LexicalIndex, tokenize
from ..query import asks_for_quantity
from ..retrieval import Hit
from ..store import DocumentMap
from ..translation import translate_query
from .conflicts import figures_agree
from .model import Candidate, Citation, Quote

FIGURE_RE = re.compile(r"\d")
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


_SENTENCE_END_RE = re.compile(r"[.!?。！？；:：]\W{0,3}$")


def strip_urls(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


def candidate_sentences(hits: list[Hit], documents: dict[str, DocumentMap], max_hits: int = 8,
                        titles: dict[str, str] | None = None, lists: bool = False,
                        explanations: bool = False) -> list[Candidate]:
    """Quotable sentences of the top hits.  A report's title (``titles``:
    doc_id -> title, from its card), its headings, short lines that announce
    what follows ("By Region:") and sales lines around a link ("Get a Sample
    PDF: https://...") never answer a question, so they are not candidates.
    With ``lists``, each run of list items or table rows is one more
    candidate, quoted whole (a list question wants the list, not one item).
    With ``explanations``, each two consecutive sentences of one paragraph are
    one more candidate: a claim and the sentence that explains it ("X cuts
    costs. Patients save on travel, ...") answer a why or how question together."""
    candidates: list[Candidate] = []
    titles = titles or {}
    for rank, hit in enumerate(hits[:max_hits]):
        chunk = hit.chunk
        text = documents[chunk.doc_id].text
        names = [_squash(name) for name in [titles.get(chunk.doc_id, ""), *chunk.heading.split(" > ")] if name.strip()]
        previous: Candidate | None = None
        for start, end in whole_sentences(text, chunk.start, chunk.end):
            sentence = text[start:end]
            if _is_quotable(sentence) and not _is_a_name(_squash(sentence), names) and not is_boilerplate(sentence):
                single = Candidate(hit, rank, start, end, sentence)
                candidates.append(single)
                if explanations and previous is not None and "\n" not in text[previous.end:start]:
                    candidates.append(Candidate(hit, rank, previous.start, end, text[previous.start:end]))
                previous = single
            else:
                previous = None
        if lists:
            for start, end in list_runs(text, chunk.start, chunk.end):
                candidates.append(Candidate(hit, rank, start, end, text[start:end], is_list=True))
    return candidates


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
#: Words of a sales line; with a link in the same sentence, it is one ("Inquire ... Before Purchasing: https://...").
_SALES_RE = re.compile(r"\b(?:inquir|enquir|purchas|buy|request|download|order|subscrib|discount|sample|brochure|"
                       r"pre-order|contact us|click)\w*|购买|購買|咨询|諮詢|索取|下载|下載", re.I)


def is_boilerplate(sentence: str) -> bool:
    """A sales or navigation line: a link with little else around it, a call
    to action ("Request a sample of this report"), or a line that only
    announces what follows ("By Region:", "... is segmented into:")."""
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", _URL_RE.sub("", sentence))
    if _URL_RE.search(sentence) and len(words) < 8:
        return True
    if _CALL_TO_ACTION_RE.search(sentence) and len(words) < 16 or _URL_RE.search(sentence) and _SALES_RE.search(sentence):
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


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _is_a_name(sentence: str, names: list[str]) -> bool:
    """The sentence is a title or heading: one holds the other, and the two
    are of about one length (a heading tag left open in broken HTML can
    swallow a paragraph, which is still a sentence)."""
    def alike(a: str, b: str) -> bool:
        return a in b and len(a) >= 0.85 * len(b)

    return any(sentence and (sentence == name or (len(sentence) >= 20 and (alike(sentence, name) or alike(name, sentence))))
               for name in names)


def _is_quotable(sentence: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", sentence)
    return len(words) >= 3 and not re.fullmatch(r"[\s|:\-]*", sentence)


def lexical_coverage(question_tokens: list[str], text: str, lexical: LexicalIndex) -> float:
    """IDF-weighted share of the question's terms that occur in ``text``."""
    unique = set(question_tokens)
    if not unique:
        return 0.0
    present = set(tokenize(text))
    total = sum(lexical.idf(token) for token in unique)
    return sum(lexical.idf(token) for token in unique if token in present) / total


_ENUMERATION_RE = re.compile(r"[,、，;；]|\b(?:such as|including|includes|include|namely|ranging from)\b|包括|包含|例如")
#: Enumeration marks (commas, "such as", 、) past which a sentence is a full list.
_ENUMERATION_FULL = 4


def enumerates(candidate: Candidate) -> float:
    """How much a candidate reads as a list: 1 for a run of list items or a
    sentence with several commas or "such as"/"including"/"、", less for fewer."""
    if candidate.is_list:
        return 1.0
    return min(len(_ENUMERATION_RE.findall(candidate.text)), _ENUMERATION_FULL) / _ENUMERATION_FULL


def restates_title(text: str, title: str) -> bool:
    """A sentence that carries its report's title (the publisher's "has
    released a report titled ..." blurb): most of the title's words, in a
    sentence not much longer than the title."""
    title_tokens, tokens = set(tokenize(title)), set(tokenize(text))
    return (len(title_tokens) >= 3 and len(title_tokens & tokens) >= 0.6 * len(title_tokens)
            and len(tokens) < 3 * len(title_tokens) + 40)


def score_candidates(question: str, candidates: list[Candidate], lexical: LexicalIndex,
                     ignore: set[str] | frozenset[str] = frozenset(), intent: str = "",
                     titles: dict[str, str] | None = None, weights: QuoteWeights = QuoteWeights()) -> list[float]:
    """Term overlap with the question (through its dictionary translation for
    a sentence in the other language), the rank of the hit the sentence comes
    from, a bonus for figures when the question asks for a quantity, one for
    enumerating when it asks for a list (``intent``), and a penalty for a
    sentence that restates its report's title (``titles``: doc_id -> title).
    ``ignore``: question tokens that only named the report (its publisher, its
    market): retrieval has used them already, and a sentence holding them
    (the publisher's blurb) is not thereby an answer.

    No model runs here (a warm answer must stay within tens of milliseconds);
    the hit rank carries the dense channels' judgement of the passage.
    """
    question_tokens = [token for token in tokenize(question) if token not in ignore] or tokenize(question)
    translated_tokens = [token for token in tokenize(translate_query(question) or "") if token not in ignore]
    question_lang = detect_lang(question)
    wants_figure = asks_for_quantity(question)
    years = set(_YEAR_RE.findall(question))
    titles = titles or {}
    scores = []
    for candidate in candidates:
        coverage = lexical_coverage(question_tokens, candidate.text, lexical)
        if translated_tokens and detect_lang(candidate.text) != question_lang:
            coverage = max(coverage, lexical_coverage(translated_tokens, candidate.text, lexical))
        prior = 1.0 / (1 + candidate.rank / weights.rank_scale)
        figure = 0.15 if wants_figure and FIGURE_RE.search(candidate.text) else 0.0
        if wants_figure and years:  # the figure for the year asked, not another year's
            stated = set(_YEAR_RE.findall(candidate.text))
            figure += 0.1 if stated & years else (-0.1 if stated else 0.0)
        # Titles, headings and list fragments quote badly: prefer real sentences.
        fragment = 0.0 if (candidate.is_list or _SENTENCE_END_RE.search(candidate.text)
                           or candidate.text.startswith("|")) else 0.15
        listing = weights.enumeration * enumerates(candidate) if intent == "list" and coverage > 0 else 0.0
        blurb = weights.title_blurb if restates_title(candidate.text, titles.get(candidate.hit.chunk.doc_id, "")) else 0.0
        scores.append(weights.coverage * coverage + (1 - weights.coverage) * prior + figure - fragment + listing - blurb)
    return scores


def select_quotes(candidates: list[Candidate], scores: list[float], max_quotes: int = 4,
                  keep_ratio: float = 0.8, across_reports: bool = False) -> list[tuple[Candidate, float]]:
    """The best sentence, plus up to three more that score close to it and
    say something new (not the same span, not the same words).  When the
    question asks across reports, each report's best sentence comes first
    (down to ``keep_ratio`` squared of the best), so their figures can be set
    side by side."""
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    if not order:
        return []
    best = scores[order[0]]
    if across_reports:
        firsts, seen_docs = [], set()
        for i in order:
            doc_id = candidates[i].hit.chunk.doc_id
            if doc_id not in seen_docs and scores[i] >= keep_ratio * keep_ratio * best:
                seen_docs.add(doc_id)
                firsts.append(i)
        order = firsts + [i for i in order if i not in firsts]
    chosen: list[tuple[Candidate, float]] = []
    seen_texts: set[str] = set()
    for i in order:
        candidate, score = candidates[i], scores[i]
        floor = keep_ratio * keep_ratio if across_reports else keep_ratio
        if score < floor * best:
            continue
        key = re.sub(r"\W+", "", candidate.text.lower())
        if key in seen_texts or any(_overlaps(candidate, other) for other, _ in chosen):
            continue
        seen_texts.add(key)
        chosen.append((candidate, score))
        if len(chosen) == max_quotes:
            break
    return chosen


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.hit.chunk.doc_id == b.hit.chunk.doc_id and a.start < b.end and b.start < a.end


def order_and_cite(chosen: list[tuple[Candidate, float]], documents: dict[str, DocumentMap],
                   parallel_of=None) -> list[Quote]:
    """The best quote first (it answers the question); the others grouped by
    report (best report first), in reading order inside each; numbered [1], [2], ..."""
    doc_order: list[str] = []
    for candidate, _ in chosen:
        if candidate.hit.chunk.doc_id not in doc_order:
            doc_order.append(candidate.hit.chunk.doc_id)
    ordered = chosen[:1] + sorted(chosen[1:], key=lambda item: (doc_order.index(item[0].hit.chunk.doc_id), item[0].start))
    quotes = []
    for n, (candidate, score) in enumerate(ordered, start=1):
        document = documents[candidate.hit.chunk.doc_id]
        page, raw_start, raw_end = document.raw_span(candidate.start, candidate.end)
        quotes.append(Quote(
            text=candidate.text,
            citation=Citation(
                n=n,
                doc_id=candidate.hit.chunk.doc_id,
                raw_start=raw_start,
                raw_end=raw_end,
                page=page,
                chunk_id=candidate.hit.chunk.chunk_id,
                score=score,
                start=candidate.start,
                end=candidate.end,
                parallel=parallel_of(candidate) if parallel_of else None,
            ),
        ))
    return quotes


def in_asker_language(quotes: list[Quote], lang: str) -> list[Quote]:
    """Show each quote in the asker's language where the report has it.

    A quote in the other language whose parallel sentence (the same passage
    in the report's other language) is in ``lang`` swaps with it: the
    parallel becomes the quote, the original stands beside it.  A parallel
    whose figures disagree with its quote is no translation and is dropped,
    and no sentence is shown twice (as a quote and as another's parallel)."""
    shown: set[tuple[str, int]] = {(quote.citation.doc_id, quote.citation.start) for quote in quotes}
    result = []
    for quote in quotes:
        citation, parallel = quote.citation, quote.citation.parallel
        if parallel and not figures_agree(parallel["text"], quote.text):
            parallel = None
        if parallel and (citation.doc_id, parallel["start"]) in shown:
            parallel = None
        if parallel is None:
            result.append(Quote(quote.text, replace(citation, parallel=None)))
            continue
        if detect_lang(quote.text) != lang and parallel["lang"] == lang:
            original = {"lang": detect_lang(quote.text), "text": quote.text, "start": citation.start, "end": citation.end,
                        "raw_start": citation.raw_start, "raw_end": citation.raw_end, "page": citation.page,
                        "chunk_id": citation.chunk_id}
            swapped = replace(citation, raw_start=parallel["raw_start"], raw_end=parallel["raw_end"],
                              page=parallel["page"], chunk_id=parallel["chunk_id"], start=parallel["start"],
                              end=parallel["end"], parallel=original)
            result.append(Quote(parallel["text"], swapped))
        else:
            result.append(Quote(quote.text, replace(citation, parallel=parallel)))
        shown.add((citation.doc_id, parallel["start"]))
    return result
