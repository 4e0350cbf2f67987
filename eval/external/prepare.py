#!/usr/bin/env python3
"""Prepare external public eval sets (CMRC 2018 and SQuAD 2.0 dev) for the assistant.

Turns SQuAD-format JSON files (``{"data": [{"title", "paragraphs": [{"context",
"qas": [...]}]}]}``) into a small document library plus labelled questions in
the project's question format, one folder per set::

    python eval/external/prepare.py \\
        --cmrc eval/external/originals/cmrc2018_dev.json \\
        --squad eval/external/originals/dev-v2.0.json \\
        --out eval/external/data [--articles 40] [--questions 300] \\
        [--held-out-articles 5] [--seed 0]

For each set (``cmrc2018``: simplified Chinese, ``squad2``: English) it writes

* ``OUT/<set>/docs/<article-id>.txt``: one plain-text (UTF-8) file per sampled
  article: its title on the first line, then its paragraphs, separated by
  blank lines.  SQuAD articles keep at most ``--squad-paragraphs`` (8)
  paragraphs, chosen among those that have answerable questions; CMRC articles
  keep all of theirs.  Line breaks and tabs inside a paragraph become spaces.
* ``OUT/<set>/questions.jsonl``: one JSON object a line::

      {"id": "cmrc-0001", "question": ..., "lang": "zh"|"en",
       "kind": "extractive"|"unanswerable", "doc": "<file name>" or null,
       "evidence": [sentence], "answer": gold answer text or null,
       "unanswerable": "topic"|"figure"}      # last key: unanswerable only

  - ``extractive``: about ``--questions`` answerable questions, spread round
    robin over the library articles.  The evidence is the sentence of the doc
    file that holds the gold answer (at its ``answer_start``), verbatim; a
    sentence longer than 200 characters is cut to a window of at most 200
    characters around the answer (at word boundaries for English), one
    shorter than 15 characters is joined with the sentence before (else
    after) or widened by characters to at least 15.  Sentences end at
    ``.?!`` + space for English and at ``。！？；`` for Chinese.
  - ``unanswerable`` / ``topic``: questions about ``--held-out-articles``
    further articles whose text is not in ``docs/`` (about 10% of the set).
  - ``unanswerable`` / ``figure`` (squad2 only): SQuAD 2.0's own
    ``is_impossible`` questions on the library's kept paragraphs (about 10%).
* ``OUT/<set>/LICENSE.md``: source, licence (CC BY-SA 4.0), attribution, what
  was sampled and how, and the command that made it.

Sampling is deterministic for a given input file and ``--seed``.  Every
evidence string is checked to occur verbatim in its doc file and to contain
the answer before the script reports success; it prints a summary per set.
Standard library only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

MIN_EVIDENCE = 15
MAX_EVIDENCE = 200
UNANSWERABLE_SHARE = 0.10  # of the whole set, for each unanswerable kind

# Sentence ends: the terminator, optional closing quotes/brackets, and (English)
# whitespace or the end of the paragraph after it.
_SENTENCE_END = {
    "zh": re.compile(r"[。！？；]+[”’」』）》)\"']*"),
    "en": re.compile(r"[.?!]+[\"'”’)\]]*(?=\s|$)"),
}
# Characters that would break a paragraph into several lines (str.splitlines).
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

CC_BY_SA = "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"
CC_BY_SA_URL = "https://creativecommons.org/licenses/by-sa/4.0/"

SETS = {
    "cmrc2018": {
        "lang": "zh",
        "prefix": "cmrc",
        "name": "CMRC 2018 (Chinese Machine Reading Comprehension 2018), development set",
        "home": "https://github.com/ymcui/cmrc2018 (https://hfl-rc.github.io/cmrc2018/)",
        "file": "squad-style-data/cmrc2018_dev.json in https://github.com/ymcui/cmrc2018",
        "attribution": (
            "Yiming Cui, Ting Liu, Wanxiang Che, Li Xiao, Zhipeng Chen, Wentao Ma, Shijin Wang, "
            "Guoping Hu. 2019. *A Span-Extraction Dataset for Chinese Machine Reading "
            "Comprehension.* EMNLP-IJCNLP 2019, pp. 5883-5889. "
            "https://www.aclweb.org/anthology/D19-1600/ . Passages from the Chinese Wikipedia."
        ),
        "figure": False,
    },
    "squad2": {
        "lang": "en",
        "prefix": "squad2",
        "name": "SQuAD 2.0 (Stanford Question Answering Dataset), development set",
        "home": "https://rajpurkar.github.io/SQuAD-explorer/",
        "file": "dev-v2.0.json (https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v2.0.json)",
        "attribution": (
            "Pranav Rajpurkar, Robin Jia, Percy Liang. 2018. *Know What You Don't Know: "
            "Unanswerable Questions for SQuAD.* ACL 2018. https://arxiv.org/abs/1806.03822 . "
            "Passages from the English Wikipedia."
        ),
        "figure": True,
    },
}

# Input files whose provenance is known, by SHA-256.
KNOWN_SOURCES = {
    "e9ff74231f05c230c6fa88b84441ee334d97234cbb610991cd94b82db00c7f1f": (
        "github.com/ymcui/cmrc2018, squad-style-data/cmrc2018_dev.json "
        "(commit c0eb1b6ba219847457e6af3180da722bbeb656af): the full CMRC 2018 dev set, "
        "848 passages, 3,219 questions."
    ),
    "e67e5969b6dc6c1642154740806b79263b77fc048c7c11ee60d534eb48ef81e8": (
        "github.com/chrischute/squad, data/dev-v2.0.json "
        "(commit 85623adeb9e6639f145081fea9cae2d8f3a26379; the Stanford CS224n default-project "
        "copy): 16 of the 35 articles of the official SQuAD 2.0 dev set (Normans, "
        "Computational_complexity_theory, Huguenot, ...) with 6,078 questions (3,168 of them "
        "is_impossible); CS224n split the official dev set into this dev half and an "
        "answer-less test half and gave the questions new ids."
    ),
}


@dataclass
class QA:
    source_id: str
    question: str
    impossible: bool
    answer: str | None = None  # cleaned gold answer text (answerable only)
    start: int = -1  # offset of the answer in the cleaned paragraph


@dataclass
class Paragraph:
    text: str  # cleaned: stripped, line breaks and tabs as spaces
    qas: list[QA]

    def answerable(self) -> list[QA]:
        return [qa for qa in self.qas if not qa.impossible and qa.answer is not None]


@dataclass
class Article:
    id: str  # file stem
    title: str  # title line of the doc file
    paragraphs: list[Paragraph]
    kept: list[int] = field(default_factory=list)  # indexes of paragraphs written to the doc

    @property
    def file_name(self) -> str:
        return f"{self.id}.txt"


# ---------------------------------------------------------------- loading


def clean_paragraph(context: str) -> tuple[str, int]:
    """The paragraph as written to the doc file, and how far its start moved.

    Only the ends are stripped; inside, each line-break or tab character
    becomes one space, so answer offsets stay valid after the shift."""
    body = context.strip()
    shift = len(context) - len(context.lstrip())
    return _LINE_BREAKS.sub(" ", body), shift


def locate_answer(context: str, body: str, shift: int, answers: list[dict]) -> tuple[str, int] | None:
    """The first gold answer whose offset checks out: (cleaned text, offset in body)."""
    for answer in answers:
        text = answer.get("text") or ""
        start = answer.get("answer_start", -1)
        if not text.strip():
            continue
        if not isinstance(start, int) or context[start:start + len(text)] != text:
            if context.count(text) != 1:
                continue  # offset wrong and the text is ambiguous: skip this answer
            start = context.find(text)
        lead = len(text) - len(text.lstrip())
        clean = _LINE_BREAKS.sub(" ", text.strip())
        offset = start + lead - shift
        if offset >= 0 and body[offset:offset + len(clean)] == clean:
            return clean, offset
    return None


def safe_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return stem or "article"


def load_articles(path: Path, set_name: str) -> list[Article]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    entries = data["data"] if isinstance(data, dict) else data
    articles, used = [], set()
    for number, entry in enumerate(entries):
        title = str(entry.get("title") or "").strip()
        if set_name == "cmrc2018":
            raw_id = str(entry.get("id") or f"article{number}")
        else:
            raw_id = title or f"article{number}"
        stem = safe_stem(raw_id)
        unique, suffix = stem, 2
        while unique.lower() in used:
            unique, suffix = f"{stem}-{suffix}", suffix + 1
        used.add(unique.lower())
        display = title.replace("_", " ") if set_name == "squad2" else title
        paragraphs = []
        for paragraph in entry.get("paragraphs", []):
            context = paragraph.get("context") or ""
            body, shift = clean_paragraph(context)
            if not body:
                continue
            qas = []
            for qa in paragraph.get("qas", []):
                question = " ".join(str(qa.get("question") or "").split())
                if not question:
                    continue
                impossible = bool(qa.get("is_impossible", False))
                item = QA(source_id=str(qa.get("id", "")), question=question, impossible=impossible)
                if not impossible:
                    found = locate_answer(context, body, shift, qa.get("answers") or [])
                    if found is None:
                        continue
                    item.answer, item.start = found
                qas.append(item)
            paragraphs.append(Paragraph(body, qas))
        if paragraphs:
            articles.append(Article(unique, display or unique, paragraphs))
    return articles


# ---------------------------------------------------------------- evidence


def sentence_bounds(text: str, lang: str) -> list[int]:
    """Offsets where the sentences of ``text`` start or end (0 and len included)."""
    bounds = [0] + [match.end() for match in _SENTENCE_END[lang].finditer(text)]
    return sorted(set(bounds + [len(text)]))


def sentence_span(text: str, start: int, end: int, lang: str) -> tuple[int, int]:
    """Bounds of the sentence of ``text`` that holds ``text[start:end]``."""
    bounds = sentence_bounds(text, lang)
    return max(b for b in bounds if b <= start), min(b for b in bounds if b >= end)


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def evidence_span(text: str, start: int, end: int, lang: str) -> tuple[int, int] | None:
    """Bounds of the evidence for the answer ``text[start:end]`` in a paragraph.

    The answer's sentence; cut to at most MAX_EVIDENCE characters around the
    answer when longer; when shorter than MIN_EVIDENCE, joined with the
    sentence before (else after) while that fits, else widened by characters
    (whole words for English).  None when the answer alone is longer than
    MAX_EVIDENCE or the paragraph is shorter than MIN_EVIDENCE."""
    if end - start > MAX_EVIDENCE:
        return None
    lo, hi = sentence_span(text, start, end, lang)
    a, b = _strip(text, lo, hi)
    if b - a > MAX_EVIDENCE:
        spare = MAX_EVIDENCE - (end - start)
        left = min(spare // 2, start - a)
        right = min(spare - left, b - end)
        left = min(spare - right, start - a)
        a, b = start - left, end + right
        if lang == "en":  # no broken words at the edges of the window
            if a > 0 and not text[a - 1].isspace():
                while a < start and not text[a - 1].isspace():
                    a += 1
            if b < len(text) and not text[b].isspace():
                while b > end and not text[b].isspace():
                    b -= 1
        a, b = _strip(text, a, b)
    elif b - a < MIN_EVIDENCE:
        bounds = sentence_bounds(text, lang)
        while b - a < MIN_EVIDENCE:
            before = max((x for x in bounds if x < lo), default=None)
            after = min((x for x in bounds if x > hi), default=None)
            if before is not None and _span_length(text, before, hi) <= MAX_EVIDENCE:
                lo = before
            elif after is not None and _span_length(text, lo, after) <= MAX_EVIDENCE:
                hi = after
            else:
                break
            a, b = _strip(text, lo, hi)
    while b - a < MIN_EVIDENCE:  # neighbour sentences too long: widen by characters
        if a == 0 and b == len(text):
            return None
        a, b = max(a - 1, 0), min(b + 1, len(text))
        if lang == "en":  # whole words
            while a > 0 and not text[a - 1].isspace():
                a -= 1
            while b < len(text) and not text[b].isspace():
                b += 1
        a, b = _strip(text, a, b)
    if b - a > MAX_EVIDENCE or not (a <= start and end <= b):
        return None
    return a, b


def _span_length(text: str, a: int, b: int) -> int:
    a, b = _strip(text, a, b)
    return b - a


# ---------------------------------------------------------------- sampling


def round_robin(groups: list[list], limit: int) -> list:
    """Up to ``limit`` items, taking one from each group in turn."""
    picked, depth = [], 0
    while len(picked) < limit and any(depth < len(group) for group in groups):
        for group in groups:
            if depth < len(group) and len(picked) < limit:
                picked.append(group[depth])
        depth += 1
    return picked


def unanswerable_count(answerable: int, kinds: int) -> int:
    """Questions per unanswerable kind so that each kind is ~10% of the set."""
    return round(answerable * UNANSWERABLE_SHARE / (1 - UNANSWERABLE_SHARE * kinds))


@dataclass
class Prepared:
    set_name: str
    library: list[Article]
    held_out: list[Article]
    docs: dict[str, str]  # file name -> text
    questions: list[dict]
    notes: list[str]


def prepare_set(set_name: str, articles: list[Article], args: argparse.Namespace) -> Prepared:
    spec = SETS[set_name]
    lang = spec["lang"]
    rng = random.Random(f"{args.seed}:{set_name}")
    notes: list[str] = []

    eligible = [article for article in articles if any(p.answerable() for p in article.paragraphs)]
    rng.shuffle(eligible)
    if len(eligible) < 2:
        raise SystemExit(f"{set_name}: need at least 2 articles with answerable questions, found {len(eligible)}.")
    n_held = min(args.held_out_articles, len(eligible) - 1)
    n_library = min(args.articles, len(eligible) - n_held)
    if n_library < args.articles:
        notes.append(f"the source has {len(eligible)} articles with answerable questions: "
                     f"{n_library} library articles (asked {args.articles}) + {n_held} held out")
    library = eligible[:n_library]
    library_titles = {article.title.casefold() for article in library}
    held_out = [article for article in eligible[n_library:]
                if article.title.casefold() not in library_titles][:n_held]

    # The library: which paragraphs each article keeps, and its doc text.
    docs: dict[str, str] = {}
    offsets: dict[tuple[str, int], int] = {}  # (article id, paragraph index) -> offset in doc
    limit = args.squad_paragraphs if set_name == "squad2" else None
    for article in library:
        usable = [i for i, p in enumerate(article.paragraphs) if p.answerable()]
        if limit is not None and len(usable) > limit:
            usable = sorted(rng.sample(usable, limit))
        article.kept = usable if limit is not None else list(range(len(article.paragraphs)))
        text = article.title
        for index in article.kept:
            text += "\n\n"
            offsets[(article.id, index)] = len(text)
            text += article.paragraphs[index].text
        docs[article.file_name] = text + "\n"

    seen: set[str] = set()

    def fresh(qa: QA) -> bool:
        key = qa.question.casefold()
        if key in seen:
            return False
        seen.add(key)
        return True

    # Answerable questions with their evidence, spread round robin over the articles.
    groups = []
    for article in library:
        group = []
        for index in article.kept:
            paragraph = article.paragraphs[index]
            for qa in paragraph.answerable():
                span = evidence_span(paragraph.text, qa.start, qa.start + len(qa.answer), lang)
                if span is None:
                    continue
                base = offsets[(article.id, index)]
                evidence = docs[article.file_name][base + span[0]:base + span[1]]
                group.append((qa, article, evidence))
        rng.shuffle(group)
        groups.append(group)
    answerable = []
    for qa, article, evidence in round_robin(groups, sum(map(len, groups))):
        if len(answerable) >= args.questions:
            break
        if fresh(qa):
            answerable.append({"question": qa.question, "lang": lang, "kind": "extractive",
                               "doc": article.file_name, "evidence": [evidence], "answer": qa.answer})
    if len(answerable) < args.questions:
        notes.append(f"only {len(answerable)} answerable questions in the library's paragraphs "
                     f"(asked {args.questions}); pass more --articles for more")

    kinds = 2 if spec["figure"] else 1
    wanted = unanswerable_count(len(answerable), kinds)

    def unanswerable(groups: list[list[QA]], reason: str) -> list[dict]:
        for group in groups:
            rng.shuffle(group)
        picked = []
        for qa in round_robin(groups, sum(map(len, groups))):
            if len(picked) >= wanted:
                break
            if fresh(qa):
                picked.append({"question": qa.question, "lang": lang, "kind": "unanswerable",
                               "doc": None, "evidence": [], "answer": None, "unanswerable": reason})
        if len(picked) < wanted:
            notes.append(f"only {len(picked)} unanswerable '{reason}' questions (wanted {wanted})")
        return picked

    # "topic": ordinary questions about held-out articles (not SQuAD's adversarial ones).
    topic = unanswerable([[qa for p in article.paragraphs for qa in p.answerable()] for article in held_out],
                         "topic")
    # "figure": SQuAD 2.0's is_impossible questions on the library's kept paragraphs.
    figure = []
    if spec["figure"]:
        figure = unanswerable([[qa for i in article.kept for qa in article.paragraphs[i].qas if qa.impossible]
                               for article in library], "figure")

    questions = answerable + topic + figure
    rng.shuffle(questions)  # any prefix of the file is a fair mix
    width = max(4, len(str(len(questions))))
    questions = [{"id": f"{spec['prefix']}-{number:0{width}d}", **question}
                 for number, question in enumerate(questions, start=1)]
    return Prepared(set_name, library, held_out, docs, questions, notes)


# ---------------------------------------------------------------- output


def check_set(folder: Path) -> list[str]:
    """Problems with a written set: evidence not verbatim in its doc or without the answer."""
    problems = []
    with open(folder / "questions.jsonl", encoding="utf-8") as handle:
        for line in handle:
            question = json.loads(line)
            if question["kind"] != "extractive":
                if question["doc"] is not None or question["evidence"]:
                    problems.append(f"{question['id']}: unanswerable with a doc or evidence")
                continue
            text = (folder / "docs" / question["doc"]).read_text(encoding="utf-8")
            for evidence in question["evidence"]:
                if evidence not in text:
                    problems.append(f"{question['id']}: evidence not verbatim in {question['doc']}")
                if question["answer"] not in evidence:
                    problems.append(f"{question['id']}: evidence does not contain the answer")
                if not MIN_EVIDENCE <= len(evidence) <= MAX_EVIDENCE:
                    problems.append(f"{question['id']}: evidence of {len(evidence)} characters")
    return problems


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def counts(prepared: Prepared) -> dict[str, int]:
    result: dict[str, int] = {}
    for question in prepared.questions:
        key = question["kind"] + (f"/{question['unanswerable']}" if "unanswerable" in question else "")
        result[key] = result.get(key, 0) + 1
    return result


def license_text(prepared: Prepared, source: Path, digest: str, args: argparse.Namespace, command: str) -> str:
    spec = SETS[prepared.set_name]
    by_kind = counts(prepared)
    chars = sum(len(text) for text in prepared.docs.values())
    provenance = KNOWN_SOURCES.get(digest, f"a copy of {spec['file']}")
    paragraph_rule = (f"at most {args.squad_paragraphs} paragraphs each (drawn at random among the paragraphs "
                      "that have answerable questions, kept in their original order)"
                      if prepared.set_name == "squad2" else "all of their paragraphs")
    figure = ("\n- `unanswerable` / `figure`: SQuAD 2.0's own `is_impossible` questions on the library's "
              f"kept paragraphs: {by_kind.get('unanswerable/figure', 0)} questions (about 10% of the set)."
              if SETS[prepared.set_name]["figure"] else "")
    notes = "".join(f"\n- Note: {note}." for note in prepared.notes)
    return f"""# {prepared.set_name}: a sample of {spec['name']}

This folder was generated by `eval/external/prepare.py`; it is a derived,
sampled and reformatted excerpt of a public data set and is not committed to
the project's repository.

## Source

- Data set: {spec['name']}, {spec['home']}
- File: {spec['file']}
- This sample was made from {provenance}
- Input file: `{source.name}`, SHA-256 `{digest}`

## Licence

The original data set is licensed under the {CC_BY_SA}
({CC_BY_SA_URL}). This sample is a modified excerpt of it (adapted material)
and is likewise licensed under CC BY-SA 4.0. Changes: articles and questions
sampled; each article written as plain text (title line, paragraphs separated
by blank lines, line breaks inside a paragraph replaced by spaces); questions
converted to the project's question format, with evidence sentences cut from
the articles' text.

## Attribution

{spec['attribution']}

## What was sampled, and how

Deterministic sampling (Python `random.Random("{args.seed}:{prepared.set_name}")`)
over the articles that have answerable questions:

- Library (`docs/`): {len(prepared.library)} articles, {paragraph_rule};
  {chars:,} characters in all.
- `extractive`: {by_kind.get('extractive', 0)} answerable questions on the kept paragraphs, taken
  round robin over the library articles (asked for {args.questions}). The evidence
  is the doc sentence holding the gold answer (at its `answer_start`), cut to at
  most {MAX_EVIDENCE} characters around the answer or widened to at least {MIN_EVIDENCE}.
- `unanswerable` / `topic`: {by_kind.get('unanswerable/topic', 0)} answerable questions of {len(prepared.held_out)} further
  held-out articles whose text is not in `docs/` (about 10% of the set):
  {', '.join(article.title for article in prepared.held_out)}.{figure}{notes}

Library articles: {', '.join(article.id for article in prepared.library)}.

## Command

```
{command}
```
"""


def write_files(folder: Path, docs: dict[str, str], questions: list[dict], license: str, suffix: str = ".txt") -> None:
    """A set's files: ``docs/`` (earlier files ending in ``suffix`` removed), ``questions.jsonl`` and ``LICENSE.md``."""
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    for stale in (folder / "docs").glob(f"*{suffix}"):
        stale.unlink()
    for name, text in docs.items():
        with open(folder / "docs" / name, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    with open(folder / "questions.jsonl", "w", encoding="utf-8", newline="\n") as handle:
        for question in questions:
            handle.write(json.dumps(question, ensure_ascii=False) + "\n")
    with open(folder / "LICENSE.md", "w", encoding="utf-8", newline="\n") as handle:
        handle.write(license)


def write_set(prepared: Prepared, out: Path, source: Path, args: argparse.Namespace, command: str) -> None:
    folder = out / prepared.set_name
    for question in prepared.questions:
        if question["kind"] == "extractive":
            evidence = question["evidence"][0]
            assert evidence in prepared.docs[question["doc"]], question
            assert question["answer"] in evidence, question
    write_files(folder, prepared.docs, prepared.questions, license_text(prepared, source, sha256(source), args, command))
    problems = check_set(folder)
    if problems:
        raise SystemExit(f"{prepared.set_name}: {len(problems)} problems, e.g. " + "; ".join(problems[:5]))


def summary(prepared: Prepared) -> str:
    chars = sum(len(text) for text in prepared.docs.values())
    size = sum(len(text.encode("utf-8")) for text in prepared.docs.values())
    by_kind = ", ".join(f"{kind} {number}" for kind, number in sorted(counts(prepared).items()))
    lines = [f"{prepared.set_name}: {len(prepared.library)} articles, {chars:,} doc characters "
             f"({size / 1024:.0f} KB), {len(prepared.held_out)} held-out articles; "
             f"{len(prepared.questions)} questions: {by_kind}"]
    lines += [f"  note: {note}" for note in prepared.notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmrc", type=Path, help="CMRC 2018 dev set, SQuAD style (cmrc2018_dev.json)")
    parser.add_argument("--squad", type=Path, help="SQuAD 2.0 dev set (dev-v2.0.json)")
    parser.add_argument("--out", type=Path, default=Path("eval/external/data"), help="output folder")
    parser.add_argument("--articles", type=int, default=40, help="library articles per set (40)")
    parser.add_argument("--questions", type=int, default=300, help="answerable questions per set (300)")
    parser.add_argument("--held-out-articles", type=int, default=5,
                        help="articles kept out of the library for 'topic' unanswerable questions (5)")
    parser.add_argument("--squad-paragraphs", type=int, default=8, help="paragraphs kept per SQuAD article (8)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (0)")
    args = parser.parse_args(argv)
    if args.cmrc is None and args.squad is None:
        parser.error("give --cmrc and/or --squad")
    if args.articles < 1 or args.questions < 1 or args.held_out_articles < 0 or args.squad_paragraphs < 1:
        parser.error("--articles, --questions and --squad-paragraphs must be positive, --held-out-articles >= 0")
    command = "python " + shlex.join([sys.argv[0]] + (sys.argv[1:] if argv is None else list(argv)))

    for set_name, source in (("cmrc2018", args.cmrc), ("squad2", args.squad)):
        if source is None:
            continue
        if not source.is_file():
            parser.error(f"{source}: no such file")
        prepared = prepare_set(set_name, load_articles(source, set_name), args)
        write_set(prepared, args.out, source, args, command)
        print(summary(prepared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
