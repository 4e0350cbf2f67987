"""Extractive answers: whole sentences quoted verbatim, each with a citation.

Nothing here writes prose of its own.  From the top hits we take candidate
sentences (as spans of the document's clean text), score them against the
question, keep the best one to four, attach the exact raw span of each, and
look for figures that disagree between reports.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from .documents import detect_lang
from .lexical import LexicalIndex, tokenize
from .retrieval import Hit
from .sentences import sentence_spans
from .store import DocumentMap


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    raw_start: int
    raw_end: int
    page: int | None
    chunk_id: str
    score: float
    start: int  # clean-text span, for the source viewer
    end: int
    parallel: dict | None = None  # the same passage in the report's other language


@dataclass(frozen=True)
class Quote:
    text: str
    citation: Citation

    def to_dict(self) -> dict:
        citation = asdict(self.citation)
        citation["score"] = round(citation["score"], 4)
        return {"text": self.text, "citation": citation}


@dataclass
class Answer:
    question: str
    abstained: bool
    quotes: list[Quote] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    message: str = ""
    relevance: float = 0.0

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "message": self.message,
            "answer": [quote.to_dict() for quote in self.quotes],
            "conflicts": self.conflicts,
            "hits": [hit.to_dict() for hit in self.hits],
            "relevance": round(self.relevance, 4),
        }


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    rank: int
    start: int
    end: int
    text: str


# ---------------------------------------------------------------- question words

_QUANTITY_RE = re.compile(
    r"\b(how (much|many|big|large|fast)|(market )?share|percentage|percent|proportion|size|value|rate|cagr|"
    r"growth rate|valued?|worth|revenue|sales|by when|which year|what year)\b"
    r"|多少|多大|规模|規模|增长率|成長率|增長率|复合|複合|占比|佔比|份额|份額|价值|價值|营收|營收|收入",
    re.I,
)
_FIGURE_RE = re.compile(r"\d")
_SENTENCE_END_RE = re.compile(r"[.!?。！？；:：]\W{0,3}$")


def asks_for_quantity(question: str) -> bool:
    return bool(_QUANTITY_RE.search(question))


def clean_question(question: str | None) -> str:
    """The question as shown back: lone surrogates (which cannot be encoded)
    become U+FFFD."""
    return "" if question is None else re.sub("[\ud800-\udfff]", "\ufffd", question)


def normalize_question(question: str | None) -> str:
    """The question as searched: cleaned, then NFKC (full-width and styled
    letters become plain ones)."""
    return unicodedata.normalize("NFKC", clean_question(question))


def validate_question(question: str, max_chars: int) -> str | None:
    """A plain sentence saying what is wrong with a question, or None."""
    if question is None or not question.strip():
        return "Please type a question; it is empty."
    if len(question) > max_chars:
        return f"The question is {len(question):,} characters long; please keep it under {max_chars:,}."
    if not any(char.isalnum() for char in question):
        return "The question has no words in it; please ask in words (English or Chinese)."
    return None


# ----------------------------------------------------------------- answerability

_NAME_RE = re.compile(r"(?<![\w.])(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]?|[A-Z][a-z]{2,})\b")
#: A name in at most this many chunks is "rarely named" (a company in a list).
RARE_NAME_MAX_CHUNKS = 3
_LATIN_RUN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_GENERIC_NAMES = frozenset(
    """what which who whom whose when where why how does did do is are was were can could should would will
    according based besides within under over the a an in on of for to from by and or with
    report reports market markets analysis forecast research company companies industry global""".split()
)


def question_names(question: str) -> list[str]:
    """Proper names the question asks about: capitalised words past the
    first word (and acronyms); in a Chinese question, its Latin-script words."""
    names: list[str] = []
    if detect_lang(question) == "zh":
        names = _LATIN_RUN_RE.findall(question)
    else:
        for match in _NAME_RE.finditer(question):
            if match.start() == 0 and not match.group(0).isupper():
                continue  # the sentence's first word is capitalised anyway
            names.append(match.group(0))
    return [name for name in names if name.lower() not in _GENERIC_NAMES]


def unanswerable_reason(question: str, index) -> str | None:
    """Why the reports cannot answer, when that is plain to see:

    * the question names something no report mentions at all, or
    * it asks for a figure about a rarely named thing (a company, a country),
      and no sentence of any report that names it holds a figure.
    """
    chunks, lexical = index.chunks, index.lexical
    names = question_names(question)
    for name in names:
        tokens = tokenize(name)
        if tokens and all(lexical.doc_freq.get(token, 0) == 0 for token in tokens):
            return f"The reports do not mention {name}."
    if not asks_for_quantity(question) or not names:
        return None

    def rarity(name: str) -> int:
        return max((lexical.doc_freq.get(token, 0) for token in tokenize(name)), default=0)

    rarest = min(names, key=rarity)
    tokens = tokenize(rarest)
    if not tokens or rarity(rarest) > RARE_NAME_MAX_CHUNKS:
        return None
    rows = set.intersection(*({row for row, _ in index.search_lexical(token, RARE_NAME_MAX_CHUNKS)} for token in tokens))
    for row in rows:
        text = chunks[row].text
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            if set(tokens) <= set(tokenize(sentence)) and _FIGURE_RE.search(_strip_urls(sentence)):
                return None
    return f"The reports name {rarest} but give no figure for it."


def _strip_urls(text: str) -> str:
    return re.sub(r"https?://\S+", "", text)


# ----------------------------------------------------------------- candidates

def candidate_sentences(hits: list[Hit], documents: dict[str, DocumentMap], max_hits: int = 8) -> list[Candidate]:
    candidates: list[Candidate] = []
    for rank, hit in enumerate(hits[:max_hits]):
        chunk = hit.chunk
        text = documents[chunk.doc_id].text
        for start, end in sentence_spans(text, chunk.start, chunk.end):
            sentence = text[start:end]
            if _is_quotable(sentence):
                candidates.append(Candidate(hit, rank, start, end, sentence))
    return candidates


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


def score_candidates(question: str, candidates: list[Candidate], lexical: LexicalIndex) -> list[float]:
    """Term overlap with the question, the rank of the hit the sentence comes
    from, and a bonus for figures when the question asks for a quantity.

    No model runs here (a warm answer must stay within tens of milliseconds);
    the hit rank carries the dense channels' judgement of the passage.
    """
    question_tokens = tokenize(question)
    wants_figure = asks_for_quantity(question)
    scores = []
    for candidate in candidates:
        coverage = lexical_coverage(question_tokens, candidate.text, lexical)
        prior = 1.0 / (1 + candidate.rank)
        figure = 0.15 if wants_figure and _FIGURE_RE.search(candidate.text) else 0.0
        # Titles, headings and list fragments quote badly: prefer real sentences.
        fragment = 0.0 if _SENTENCE_END_RE.search(candidate.text) or candidate.text.startswith("|") else 0.15
        scores.append(0.6 * coverage + 0.4 * prior + figure - fragment)
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
    """Group quotes by report (best report first), in reading order inside
    each, and number them [1], [2], ..."""
    doc_order: list[str] = []
    for candidate, _ in chosen:
        if candidate.hit.chunk.doc_id not in doc_order:
            doc_order.append(candidate.hit.chunk.doc_id)
    ordered = sorted(chosen, key=lambda item: (doc_order.index(item[0].hit.chunk.doc_id), item[0].start))
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


# ------------------------------------------------------------------- conflicts

_MONEY_RE = re.compile(
    r"(?:USD|US\$|\$)\s?(?P<en>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>billion|million|trillion|bn|mn)\b"
    r"|(?P<zh>\d[\d,]*(?:\.\d+)?)\s?(?P<zh_unit>億|亿|萬|万)\s?美元",
    re.I,
)
_RATE_RE = re.compile(
    r"(?:CAGR|compound annual growth rate|growth rate|复合年增长率|複合年成長率|年复合增长率)[^.。%]{0,60}?(?P<a>\d+(?:\.\d+)?)\s?%"
    r"|(?P<b>\d+(?:\.\d+)?)\s?%[^.。]{0,30}?(?:CAGR|compound annual growth)",
    re.I,
)
_YEAR_RE = re.compile(r"\b(20[2-4]\d)\b|(20[2-4]\d)\s?年")
_SCALE = {"billion": 1.0, "bn": 1.0, "million": 1e-3, "mn": 1e-3, "trillion": 1e3, "億": 0.1, "亿": 0.1, "萬": 1e-5, "万": 1e-5}


def extract_figures(text: str) -> list[dict]:
    """Market sizes (in USD billion, with the nearest year) and growth rates."""
    figures = []
    for match in _MONEY_RE.finditer(text):
        number = float((match.group("en") or match.group("zh")).replace(",", ""))
        unit = (match.group("unit") or match.group("zh_unit")).lower()
        figures.append({"kind": "market size (USD billion)", "value": round(number * _SCALE[unit], 4),
                        "year": _nearest_year(text, match.start()), "figure": match.group(0)})
    for match in _RATE_RE.finditer(text):
        number = float(match.group("a") or match.group("b"))
        figures.append({"kind": "growth rate (CAGR %)", "value": number, "year": None, "figure": f"{number}%"})
    return figures


def _nearest_year(text: str, position: int) -> str | None:
    best, best_distance = None, 60
    for match in _YEAR_RE.finditer(text):
        distance = abs(match.start() - position)
        if distance < best_distance:
            best, best_distance = match.group(1) or match.group(2), distance
    return best


def find_conflicts(quotes: list[Quote]) -> list[dict]:
    """Figures of one kind (and year) that differ between reports."""
    by_key: dict[tuple, list[dict]] = {}
    for quote in quotes:
        for figure in extract_figures(quote.text):
            entry = {"value": figure["value"], "figure": figure["figure"], "doc_id": quote.citation.doc_id,
                     "n": quote.citation.n, "text": quote.text}
            by_key.setdefault((figure["kind"], figure["year"]), []).append(entry)
    conflicts = []
    for (kind, year), entries in by_key.items():
        docs = {entry["doc_id"] for entry in entries}
        values = {entry["value"] for entry in entries}
        if len(docs) > 1 and len(values) > 1:
            conflicts.append({"what": kind if year is None else f"{kind}, {year}", "values": entries})
    return conflicts
