"""Retrieval: a Query -> ranked lists (``lists``, one part each) -> fusion (``fusion``, pure) -> hits (``hit``).

``retriever`` holds the per-language ``(list, weight)`` pairs and runs a search.
"""
from .fusion import diversify, reciprocal_rank_fusion
from .hit import Hit
from .lists import (
    CrossLingualList,
    DenseList,
    LexicalList,
    Probe,
    RankedList,
    Ranking,
    ReportLanguages,
    RowList,
    SentenceList,
    TranslatedList,
    WeightedList,
    retrieval_lists,
    sentence_channel,
)
from .retriever import Retriever

__all__ = [
    "CrossLingualList", "DenseList", "Hit", "LexicalList", "Probe", "RankedList", "Ranking", "ReportLanguages",
    "Retriever", "RowList", "SentenceList", "TranslatedList", "WeightedList", "diversify", "reciprocal_rank_fusion",
    "retrieval_lists", "sentence_channel",
]
