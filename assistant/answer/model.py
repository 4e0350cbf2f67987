"""What an answer is made of: quotes with their citations, and the candidates they are chosen from.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..retrieval import Hit


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
    # A table row's quote: its table's header row ({"text", "start", "end", "raw_start", "raw_end", "page"}),
    # shown above the row so the reader sees which column is which, and the cell in the column the question
    # names (the same keys plus "column", the header's name for it), marked in the row; None otherwise.
    header: dict | None = None
    cell: dict | None = None


@dataclass(frozen=True)
class Quote:
    text: str
    citation: Citation

    def to_dict(self) -> dict:
        citation = asdict(self.citation)
        citation["score"] = round(citation["score"], 4)
        return {"text": self.text, "citation": citation, "ranker_score": citation["score"]}


@dataclass(frozen=True)
class AnswerLine:
    """The span of the first quote that answers the question (``text == quote.text[start:end]``)."""

    text: str
    start: int
    end: int
    kind: str  # "figure", "items" or "name"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    abstained: bool
    quotes: list[Quote] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    message: str = ""
    relevance: float = 0.0
    read_as: str = ""  # a follow-up question as read in context ("" when it stands alone)
    comparison: list[dict] = field(default_factory=list)  # one row per report: the same market, metric, year
    answer_line: AnswerLine | None = None  # the words of the first quote that answer the question
    # Per quote span (doc_id, start, end): the ranker features that moved its score most,
    # as (name, value, contribution to the log-odds); shown by `ask --explain`.
    explanations: dict = field(default_factory=dict)

    def explanation(self, quote: "Quote") -> list:
        citation = quote.citation
        return self.explanations.get((citation.doc_id, citation.start, citation.end), [])

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "message": self.message,
            "answer": [quote.to_dict() for quote in self.quotes],
            "conflicts": self.conflicts,
            "hits": [hit.to_dict() for hit in self.hits],
            "relevance": round(self.relevance, 4),
            "read_as": self.read_as,
            "comparison": self.comparison,
            "answer_line": self.answer_line.to_dict() if self.answer_line else None,
        }


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    rank: int
    start: int
    end: int
    text: str
    is_list: bool = False  # a run of list items (with its lead-in), quoted whole
    is_pair: bool = False  # two consecutive sentences of one paragraph (a claim and its explanation)
    parts: tuple[tuple[int, int], ...] = ()  # a pair's two sentence spans
    opens_paragraph: bool = False  # the first sentence of its paragraph (or line)
    from_sentence_list: bool = False  # found by the sentence list alone (its passage is not among the top hits)
    is_row: bool = False  # one body row of a table, quoted whole
    scoring_text: str = ""  # what the ranker reads when not ``text``: a row read through its header and caption

    @property
    def read_text(self) -> str:
        """The text the ranker's features and vectors are computed from."""
        return self.scoring_text or self.text
