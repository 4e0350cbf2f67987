"""When the reports cannot answer: a name no report mentions, or a figure no sentence gives.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ..ingest import sentence_spans
from ..lexical import tokenize
from ..query import asks_for_quantity, question_names
from .features import FIGURE_RE
from .quotes import strip_urls

#: A name in at most this many chunks is "rarely named" (a company in a list).
RARE_NAME_MAX_CHUNKS = 3


_WHICH_RE = re.compile(r"\bwhich\b|哪", re.I)
_SKIPPED_BETWEEN_INITIALS = r"(?:[\s-]+(?:a|an|the|of|and|for|as|in|on|to)\b)*"


_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def year_not_covered(question: str, index, doc_ids: set[str] | None = None) -> str | None:
    """A figure question about a year that no passage of the reports it names
    (of any report, when it names none) mentions at all: they cannot give that
    year's figure ("worth in 2028" of a report that states 2023 and 2032).
    A year is a BM25 term, so the index answers without reading any text."""
    if not asks_for_quantity(question):
        return None
    for year in sorted(set(_YEAR_RE.findall(question))):
        if not index.search_lexical(year, 1, doc_ids):
            if doc_ids:
                return f"The reports the question names do not mention {year} at all, so they give no figure for it."
            return f"No report mentions {year} at all, so none gives a figure for it."
    return None


def spelled_out(acronym: str, chunks) -> bool:
    """Whether some passage spells the acronym out: words whose initials give
    its letters ("LPWA": low-power wide-area; "SaMD": software as a medical
    device), small words between them allowed."""
    letters = [char for char in acronym if char.isalpha()]
    if not 2 <= len(letters) <= 8 or not any(char.isupper() for char in acronym[1:]):
        return False
    words = [rf"{re.escape(letter)}[\w']*" for letter in letters]
    pattern = re.compile(r"\b" + (_SKIPPED_BETWEEN_INITIALS + r"[\s-]+").join(words) + r"\b", re.I)
    return any(pattern.search(chunk.text) for chunk in chunks)


def _written_in(index) -> set[str]:
    """The languages the library's passages are written in."""
    return {chunk.lang for chunk in index.chunks}


def unanswerable_reason(question: str, index, report_words: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Why the reports cannot answer, when that is plain to see:

    * the question names something no report mentions at all (nor spells out,
      for an acronym), or
    * it asks for a figure about a rarely named thing (a company, a country),
      and no sentence of any report that names it holds a figure.

    ``report_words``: the words by which the question names a report (its
    publisher, say); they are not what the question asks about.
    """
    chunks, lexical = index.chunks, index.lexical
    if "en" not in _written_in(index):
        return None  # a Latin-script name proves nothing by its absence from a library written in Chinese
    names = [name for name in question_names(question) if not set(tokenize(name)) <= set(report_words)]
    for name in names:
        tokens = tokenize(name)
        if tokens and all(lexical.doc_freq.get(token, 0) == 0 for token in tokens) and not spelled_out(name, chunks):
            return f"The reports do not mention {name}."
    if not asks_for_quantity(question) or _WHICH_RE.search(question) or not names:
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
            if set(tokens) <= set(tokenize(sentence)) and FIGURE_RE.search(strip_urls(sentence)):
                return None
    return f"The reports name {rarest} but give no figure for it."


#: Words every market report uses, whatever its market: they say what is
#: asked (a size, a share, the drivers), not what about, so they are no sign
#: that the library covers a question's topic.
MARKET_VOCABULARY = frozenset(
    """market markets marketplace industry industries sector sectors segment segments segmentation size sizes
    share shares value values valued worth revenue revenues sales growth grow grows growing rate rates cagr
    forecast forecasts forecasted projected projection projections project expected expect estimate estimated
    outlook trend trends driver drivers driving drive factors factor key main major leading lead leaders top
    players player companies company vendors firms global worldwide regional region regions report reports
    study analysis research say says cover covers covered compound annual year years period base largest
    biggest fastest large big current future opportunity opportunities challenges challenge type types
    conclusion conclusions conclude concludes recommendation recommendations recommend recommends strategy
    strategies strategic leader leaders overall summary adopt list lists name names mention mentions describe
    describes described""".split()
) | frozenset(
    """市场 规模 份额 占比 增长 增长率 复合 年增长率 预测 预计 主要 企业 公司 驱动 驱动因素 因素 产业 行业 部分
    分为 报告 全球 区域 地区 趋势 价值 收入 营收 领先 厂商 参与者 细分 类型 机会 挑战 年份 期间
    原因 理由 一种 哪种 列为 提到 说明 指出 结论 认为 建议 策略 领导者 总体 采取 名单 名称 带有 总结 描述 提及
    涵盖 包括 包含 要点 方面""".split()
)


class TopicCoverage(NamedTuple):
    """How many of a question's topic terms the library holds, of how many."""

    seen: int
    total: int

    @property
    def share(self) -> float:
        return self.seen / self.total if self.total else 1.0

    @property
    def unseen(self) -> int:
        return self.total - self.seen


def library_coverage(question: str, lexical, translator, languages: set[str] = frozenset({"en", "zh"})) -> TopicCoverage:
    """The share of the question's topic terms that the library holds at all.

    Topic terms are its key terms less :data:`MARKET_VOCABULARY`.  A Chinese
    term counts when the library has its characters (every character pair) or,
    for a report only in English, most of its English gloss words; a Latin
    word when the library has it; in a library with no English text
    (``languages``), when it has one of its Chinese translations, and a Latin
    word with no translation is not judged at all.  A question about a topic no report
    covers names things the library never mentions."""
    terms = [(word, glosses) for word, glosses in translator.key_terms(question)
             if word not in MARKET_VOCABULARY and not (glosses and set(glosses) & MARKET_VOCABULARY)]
    def known(text: str) -> bool:
        tokens = tokenize(text)
        return bool(tokens) and all(lexical.doc_freq.get(token, 0) > 0 for token in tokens)

    def gloss_known(glosses: list[str]) -> bool:
        words = [gloss for gloss in glosses if len(gloss) >= 3]
        return bool(words) and 2 * sum(known(word) for word in words) > len(words)

    def translation_known(word: str) -> bool:
        return any(known(term) for term in translator.en_to_zh(word) if term != word)

    if "en" not in languages:
        terms = [(word, glosses) for word, glosses in terms if glosses or translator.en_to_zh(word)]
    seen = sum(1 for word, glosses in terms if known(word) or gloss_known(glosses)
               or (not glosses and "en" not in languages and translation_known(word)))
    return TopicCoverage(seen, len(terms))
