"""Follow-up questions: "And by 2032?", "What about Europe?", "那中国呢？", "At what CAGR?".

A follow-up leaves out what the conversation already set: the report, the
market, the metric, the year, the region, the company.  It is read as
``merge(previous, current)``: what the current question states (its years,
region, company, metric, report) wins, what it leaves out comes from the
previous one, and the question is rebuilt as one well-formed question in the
asker's language, never two questions glued together:

* a follow-up that only restates such things ("And Boston Scientific?", "那2032年呢？",
  "Which CAGR does that correspond to?") is the previous question with them put in
  place: "What revenue did Boston Scientific post in 2022 ...?";
* one that asks something of its own keeps its wording and takes the previous
  question's report reference ("..., in the connected medtech report?"), or, when
  it points back ("Why is that?", "其中..."), the previous question as its subject.

The previous question is itself a merged one in a chain, so a third turn
inherits through the second.  A question that names its own subject starts afresh.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..lexical import fold_script, tokenize
from .lexicon import (
    ANAPHORA_RE,
    BETWEEN_RES,
    ELLIPTICAL_END_RE,
    ELLIPTICAL_START_RE,
    LANGUAGES,
    OPENER_RES,
    REPORT_REFERENCE_RES,
)
from .question import Query, read_text
from .slots import Span, joined, metric_span, period_spans, region_spans, year_spans

#: A question of at most this many content words cannot name its own subject ("为什么？", "At what CAGR?").
SHORT_QUESTION_WORDS = 2
_FILLER_TOKENS = frozenset(token for word in LANGUAGES["en"].FOLLOW_UP_FILLER for token in tokenize(word))
_QUESTION_TOKENS = frozenset(token for word in LANGUAGES["en"].CONTENT_FREE for token in tokenize(word))
_END_RE = re.compile(r"[\s?？.。!！]+$")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def is_elliptical(question: str) -> bool:
    """A question that leans on the previous one: it opens like a follow-up
    ("And ...", "What about ...", "那...") or ends like one ("...呢？"), or it is
    so short that it cannot stand alone ("In 2032?")."""
    text = question.strip()
    if ELLIPTICAL_START_RE.search(text) or ELLIPTICAL_END_RE.search(text):
        return True
    content = [token for token in tokenize(text) if not token.isdigit()]
    return len(content) <= 1


def leans_on_previous(query: Query) -> bool:
    """An elliptical question, or one that names no report or market of its
    own and points back ("What growth rate does that imply?", "其中...") or is
    too short to name its subject ("为什么？").  A question that names a report
    is a follow-up only in an elliptical form ("And for the SSB market?")."""
    if is_elliptical(query.text):
        return True
    if query.reports.doc_ids:
        return False
    content = [token for token in query.tokens if not token.isdigit()]
    return bool(ANAPHORA_RE.search(query.text)) or len(content) <= SHORT_QUESTION_WORDS


def merge(previous: Query, current: Query) -> Query:
    """``current`` read in the context of ``previous``: itself when it stands
    alone, else a Query whose ``read_as`` is the rebuilt question (see the
    module docstring), searched as it is (with the follow-up's own words beside
    it when it only restates), and whose report, metric, years, region and names are the
    current one's where it states them and the previous one's where not."""
    if not leans_on_previous(current):
        return current
    current = _in_language(previous, current)
    rebuilt = rebuild(previous, current)
    restated = restates_only(previous, current)
    searched = _searched(rebuilt, previous, current, restated)
    reports = current.reports if current.reports.doc_ids else previous.reports
    read = read_text(searched, reports, shown=current.shown)
    if not restated:  # it asks its own question: what kind is its own
        read = replace(read, intent=current.intent, asks_quantity=current.asks_quantity,
                       across_reports=current.across_reports)
    return replace(
        read,
        metric=current.metric or previous.metric,
        years=current.years or previous.years,
        periods=current.periods or previous.periods,
        regions=current.regions or previous.regions,
        entities=current.entities or previous.entities,
        alone=current.own,
        read_as=rebuilt,
    )


def _in_language(previous: Query, current: Query) -> Query:
    """A short follow-up in the previous question's language even where its names outweigh its words:
    "那 Northwind 呢？" after a Chinese question is Chinese."""
    if previous.lang == "zh" and current.lang == "en" and _CJK_RE.search(current.text):
        regions = tuple(current.text[start:end] for start, end in region_spans(current.text, "zh"))
        return replace(current, lang="zh", regions=regions)
    return current


def _searched(rebuilt: str, previous: Query, current: Query, restated: bool) -> str:
    """The rebuilt question with the turn's words it does not hold beside it: a follow-up that only restates
    adds its own wording ("And the 2031 projection?" asks for a projection, and the year it restates weighs
    as in its own words); one that keeps only the previous question's report reference adds the previous
    question ("What about monitoring devices?" after a question on device types searches for device types)."""
    if restated:
        return f"{rebuilt} {current.text}"
    return rebuilt if _subject(previous, current) in rebuilt else f"{rebuilt} {previous.text}"


def restates_only(previous: Query, current: Query) -> bool:
    """Whether the follow-up only restates a year, region, company or metric that has a place in the previous
    question ("And Boston Scientific?"), so that it is the previous question with those put in place."""
    stated = _stated(current)
    return bool(stated) and current.lang == previous.lang and not _rest(current, stated, drop_filler=True) \
        and _put_in_place(_core(previous.text), previous, stated, current.lang)[1]


def rebuild(previous: Query, current: Query) -> str:
    """The follow-up as one question in the asker's language (see the module docstring)."""
    lang = current.lang
    stated = _stated(current)
    if restates_only(previous, current):
        return _finish(_put_in_place(_core(previous.text), previous, stated, lang)[0], lang)
    core = _core(_drop_opener(current.text, lang))
    subject = _subject(previous, current)
    bare = not _rest(current, stated, drop_filler=True, drop_question=True)  # "Why is that?", "为什么？"
    other_report = bool(current.reports.doc_ids) and not set(current.reports.doc_ids) & set(previous.reports.doc_ids)
    reference = None if other_report else REPORT_REFERENCE_RES[previous.lang].search(subject)
    if lang != previous.lang or bare or reference is None:
        return _regarding(core, subject, lang)
    found = reference.group(0).strip()
    return LANGUAGES[lang].WITH_REFERENCE.format(question=core, reference=found if lang == "zh" else _lower_first(found))


def _subject(previous: Query, current: Query) -> str:
    """The previous question as the subject of one that asks its own: the year, region or company the
    follow-up names put in place of the previous one's (its metric is its own question's)."""
    stated = {kind: value for kind, value in _stated(current).items() if kind != "metric"}
    return _put_in_place(_core(previous.text), previous, stated, current.lang, append=False)[0]


def _regarding(core: str, subject: str, lang: str) -> str:
    return LANGUAGES[lang].REGARDING.format(question=core, subject=subject if lang == "zh" else _lower_first(subject))


def _groups(text: str, spans: list[Span], lang: str) -> list[Span]:
    """Spans joined where only "and", commas and the like stand between them."""
    groups: list[Span] = []
    for start, end in spans:
        if groups and BETWEEN_RES[lang].fullmatch(text[groups[-1][1]:start]):
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def _stated(query: Query) -> dict[str, tuple[Span, str]]:
    """What a question states: "years" (standalone), "period", "region", "entity", "metric", each
    as (the span a follow-up replaces: the last of its kind, what a follow-up puts elsewhere: all of them)."""
    text, found = query.text, {}
    kinds = {"years": year_spans(text), "period": period_spans(text), "region": region_spans(text, query.lang),
             "entity": _asked_names(query), "publisher": _publisher_names(query)}
    for kind, spans in kinds.items():
        groups = _groups(text, spans, query.lang)
        if groups:
            whole = joined(groups)
            replaced = groups[0] if kind == "entity" else groups[-1]  # the company asked about comes first
            found[kind] = (replaced, text[whole[0]:whole[1]] if kind == "years" else text[groups[0][0]:groups[0][1]])
    metric = metric_span(text)
    if metric:
        found["metric"] = (metric[1], text[metric[1][0]:metric[1][1]])
    return found


def _name_spans(text: str, names: tuple[str, ...]) -> list[Span]:
    spans = []
    for name in names:
        match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
        if match:
            spans.append(match.span())
    return sorted(spans)


def _asked_names(query: Query) -> list[Span]:
    """Where the question names what it asks about: its entities, less those inside the words that name its report
    ("the medical IoT report from Northwind Research")."""
    references = [match.span() for match in REPORT_REFERENCE_RES[query.lang].finditer(query.text)]
    return [(start, end) for start, end in _name_spans(query.text, query.entities)
            if not any(low <= start and end <= high for low, high in references)]


def _publisher_names(query: Query) -> list[Span]:
    """Where the question names a report's publisher ("according to Tailspin")."""
    naming = set(query.reports.publisher_words)
    return _name_spans(query.text, tuple(name for name in query.names if naming and set(tokenize(name)) <= naming))


def _rest(query: Query, stated: dict[str, tuple[Span, str]], drop_filler: bool = False,
          drop_question: bool = False) -> list[str]:
    """The question's words beyond what it states (and, with ``drop_filler``,
    beyond the wording every follow-up uses; with ``drop_question``, beyond
    the bare question words: "Why is that?" says nothing else)."""
    text = query.text
    for kind in ("years", "period", "region", "entity", "publisher", "metric"):
        if kind in stated:
            for start, end in _spans_of(query, kind):
                text = text[:start] + " " * (end - start) + text[end:]
    naming = set(query.reports.words)
    words = LANGUAGES[query.lang]
    if query.lang == "zh":
        text = fold_script(text)
        dropped = (words.FOLLOW_UP_FILLER if drop_filler else ()) + (words.CONTENT_FREE if drop_question else ())
        for word in sorted(dropped, key=len, reverse=True):
            text = text.replace(word, " ")
        return [token for token in tokenize(text) if token not in naming and not token.isdigit()]
    dropped = (_FILLER_TOKENS if drop_filler else frozenset()) | (_QUESTION_TOKENS if drop_question else frozenset())
    return [token for token in tokenize(text) if token not in naming and not token.isdigit() and token not in dropped]


def _spans_of(query: Query, kind: str) -> list[Span]:
    text = query.text
    if kind == "years":
        return year_spans(text)
    if kind == "period":
        return period_spans(text)
    if kind == "region":
        return region_spans(text, query.lang)
    if kind == "entity":
        return _asked_names(query)
    if kind == "publisher":
        return _publisher_names(query)
    metric = metric_span(text)
    return [metric[1]] if metric else []


def _put_in_place(base: str, previous: Query, stated: dict[str, tuple[Span, str]], lang: str,
                  append: bool = True) -> tuple[str, bool]:
    """``base`` (the previous question) with what the follow-up states put in
    place of what it said (a year or region it had none of added, with ``append``);
    whether everything found a place."""
    had, words = _stated(previous), LANGUAGES[lang]
    edits: list[tuple[Span, str]] = []
    placed = True
    appended: list[str] = []
    when = stated.get("period") or stated.get("years")
    if when:
        target = had.get("years") or (had.get("period") if "period" in stated else None)
        if target and target[0][1] <= len(base):
            edits.append((target[0], when[1]))
        else:
            appended.append(words.IN_YEAR.format(year=when[1]))
    for slot in ("region", "entity", "publisher", "metric"):
        if slot not in stated:
            continue
        target = had.get(slot)
        if target and target[0][1] <= len(base):
            value = stated[slot][1]
            if slot == "metric" and stated[slot][1].lower() == target[1].lower():
                continue
            edits.append((target[0], value))
        elif slot == "region":
            appended.append(words.IN_REGION.format(region=stated[slot][1]))
        else:
            placed = False
    text = base
    for (start, end), value in sorted(edits, reverse=True):
        text = text[:start] + value + text[end:]
    if appended and append:
        text = words.ADDED.format(question=text, added=("" if lang == "zh" else " ").join(appended))
    return text, placed


def _core(text: str) -> str:
    """A question without its closing mark; a mark inside it (a note after the question: "...多少？(2026-2032
    报告)") is dropped, so that the question rebuilt from it has one, at its end."""
    return re.sub(r"\s*[?？]\s*", " ", _END_RE.sub("", text.strip()))


def _drop_opener(text: str, lang: str) -> str:
    """The question without "And"/"But"/"Also"/"那" at its start (kept: "What about ...")."""
    stripped = OPENER_RES[lang].sub("", text)
    return stripped[:1].upper() + stripped[1:] if lang == "en" and stripped else (stripped or text)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if first.isupper() or any(char.isupper() for char in first[1:]) else text[:1].lower() + text[1:]


def _finish(text: str, lang: str) -> str:
    return LANGUAGES[lang].QUESTION.format(question=text)
