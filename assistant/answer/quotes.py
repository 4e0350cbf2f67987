"""Choosing the sentences to quote: candidates from the top hits, the best (by the answer ranker) kept and cited.

Nothing here writes prose of its own: every quote is a span of a document's clean
text, cited by the exact raw characters it came from.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..config import AnswerConfig
from ..ingest import detect_lang
from ..ingest.candidates import passage_spans
from ..ingest.tables import tables_around
from ..lexical import LexicalIndex, tokenize
from ..retrieval import Hit
from ..store import DocumentMap
from .conflicts import figures_agree
from .model import Candidate, Citation, Quote

FIGURE_RE = re.compile(r"\d")


def strip_urls(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


def candidate_sentences(hits: list[Hit], documents: dict[str, DocumentMap], titles: dict[str, str] | None = None,
                        lists: bool = False, explanations: bool = False, captions: bool = False,
                        config: AnswerConfig = AnswerConfig()) -> list[Candidate]:
    """Quotable sentences and table rows of the top hits.  A report's title (``titles``:
    doc_id -> title, from its card), its headings, short lines that announce
    what follows ("By Region:") and sales lines around a link ("Get a Sample
    PDF: https://...") never answer a question, so they are not candidates.
    Each body row of a table is one candidate, quoted as written and ranked by
    the row read through its header (:func:`~assistant.ingest.tables.row_sentence`);
    a table's caption or lead-in line is one only when ``captions`` (the
    question asks what a table shows).
    With ``lists``, each run of list items is one more
    candidate, quoted whole (a list question wants the list, not one item).
    With ``explanations``, each two consecutive sentences of one paragraph are
    one more candidate: a claim and the sentence that explains it ("X cuts
    costs. Patients save on travel, ...") answer a why or how question together.
    Every hit given is read (the pipeline passes the first ``config.candidate_hits``
    and the passages of the sentence list)."""
    candidates: list[Candidate] = []
    titles = titles or {}
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        text = documents[chunk.doc_id].text
        names = [_squash(name) for name in [titles.get(chunk.doc_id, ""), *chunk.heading.split(" > ")] if name.strip()]
        lead_ins = {table.caption for table in tables_around(text, chunk.start, chunk.end)  # a table's title:
                    if table.caption}  # no answer, unless asked
        previous: Candidate | None = None
        for span in passage_spans(text, chunk.start, chunk.end, config):  # the spans the build embedded
            start, end = span.start, span.end
            if span.is_row:
                candidates.append(Candidate(hit, rank, start, end, text[start:end], is_row=True,
                                            scoring_text=span.scoring_text))
                continue
            if span.is_list:
                if lists:
                    candidates.append(Candidate(hit, rank, start, end, text[start:end], is_list=True))
                continue
            sentence = text[start:end]
            if (captions if (start, end) in lead_ins else _is_quotable(sentence, config)
                    and not _is_a_name(_squash(sentence), names, config) and not is_boilerplate(sentence, config)):
                single = Candidate(hit, rank, start, end, sentence,
                                   opens_paragraph=start == 0 or "\n" in text[max(0, start - 3):start])
                candidates.append(single)
                if explanations and previous is not None and "\n" not in text[previous.end:start]:
                    candidates.append(Candidate(hit, rank, previous.start, end, text[previous.start:end], is_pair=True,
                                                parts=((previous.start, previous.end), (start, end))))
                previous = single
            else:
                previous = None
    return candidates


_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_CALL_TO_ACTION_RE = re.compile(
    r"\b(?:request|get|download|buy|purchase|inquire|enquire|ask|order|contact|browse|click|speak|talk)\b"
    r".{0,40}\b(?:sample|report|analyst|discount|pdf|copy|brochure|quote|toc|customi[sz]ation|us)\b", re.I)
#: Words of a sales line; with a link in the same sentence, it is one ("Inquire ... Before Purchasing: https://...").
_SALES_RE = re.compile(r"\b(?:inquir|enquir|purchas|buy|request|download|order|subscrib|discount|sample|brochure|"
                       r"pre-order|contact us|click)\w*|购买|購買|咨询|諮詢|索取|下载|下載", re.I)


def is_boilerplate(sentence: str, config: AnswerConfig = AnswerConfig()) -> bool:
    """A sales or navigation line: a link with little else around it, a call
    to action ("Request a sample of this report"), or a line that only
    announces what follows ("By Region:", "... is segmented into:")."""
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", _URL_RE.sub("", sentence))
    if _URL_RE.search(sentence) and len(words) < config.boilerplate_link_words:
        return True
    if _CALL_TO_ACTION_RE.search(sentence) and len(words) < config.boilerplate_call_words \
            or _URL_RE.search(sentence) and _SALES_RE.search(sentence):
        return True
    return sentence.rstrip().endswith((":", "："))  # it announces what follows: the list is the answer


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _is_a_name(sentence: str, names: list[str], config: AnswerConfig) -> bool:
    """The sentence is a title or heading: one holds the other, and the two
    are of about one length (a heading tag left open in broken HTML can
    swallow a paragraph, which is still a sentence)."""
    def alike(a: str, b: str) -> bool:
        return a in b and len(a) >= config.name_alike_share * len(b)

    return any(sentence and (sentence == name or (len(sentence) >= config.name_alike_min_chars
                                                  and (alike(sentence, name) or alike(name, sentence))))
               for name in names)


def _is_quotable(sentence: str, config: AnswerConfig) -> bool:
    words = re.findall(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", sentence)
    return len(words) >= config.quotable_min_words and not re.fullmatch(r"[\s|:\-]*", sentence)


def lexical_coverage(question_tokens: list[str], text: str, lexical: LexicalIndex) -> float:
    """IDF-weighted share of the question's terms that occur in ``text``."""
    unique = set(question_tokens)
    if not unique:
        return 0.0
    present = set(tokenize(text))
    total = sum(lexical.idf(token) for token in unique)
    return sum(lexical.idf(token) for token in unique if token in present) / total


def select_quotes(candidates: list[Candidate], scores: list[float], max_quotes: int = AnswerConfig.max_quotes,
                  keep_ratio: float = AnswerConfig.keep_ratio, across_reports: bool = False) -> list[tuple[Candidate, float]]:
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
