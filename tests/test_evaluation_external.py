"""eval/external/prepare.py: tiny SQuAD-format fixtures in, project-format eval sets out.

Runs the script as a subprocess (it is a stand-alone, stdlib-only tool); does
not import the ``assistant`` package.  The last test checks the real prepared
sample in eval/external/data/ the same way, when it has been made.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "eval" / "external" / "prepare.py"
REAL_DATA = ROOT / "eval" / "external" / "data"
SETS = {"cmrc2018": "zh", "squad2": "en"}
KEYS = {"id", "question", "lang", "kind", "doc", "evidence", "answer"}


def _qa(qid: str, question: str, context: str, answer: str | None, occurrence: int = 0) -> dict:
    if answer is None:
        return {"id": qid, "question": question, "answers": [], "is_impossible": True,
                "plausible_answers": [{"text": "x", "answer_start": 0}]}
    start = -1
    for _ in range(occurrence + 1):
        start = context.index(answer, start + 1)
    return {"id": qid, "question": question, "answers": [{"text": answer, "answer_start": start}] * 3,
            "is_impossible": False}


def _cmrc_fixture() -> dict:
    data = []
    for number in range(8):
        context = (f"测试城{number}号位于东海之滨，是一座历史悠久的港口城市。"
                   f"该城始建于公元{1200 + number}年！"
                   f"城中人口约{30 + number}万；"
                   f"它以盛产丝绸{number}号闻名？"
                   f"市花是{number}号玉兰。"
                   "城东的公园里也种了大片的白色玉兰。")
        qas = [
            _qa(f"DEV_{number}_QUERY_0", f"测试城{number}号始建于哪一年？", context, f"公元{1200 + number}年"),
            _qa(f"DEV_{number}_QUERY_1", f"测试城{number}号的人口约有多少？", context, f"{30 + number}万"),
            _qa(f"DEV_{number}_QUERY_2", f"测试城{number}号以什么闻名？", context, f"丝绸{number}号"),
            _qa(f"DEV_{number}_QUERY_3", f"测试城{number}号的市花是什么？", context, "玉兰"),
            _qa(f"DEV_{number}_QUERY_4", f"测试城{number}号城东的公园里种了什么？", context, "玉兰", occurrence=1),
        ]
        data.append({"id": f"DEV_{number}", "title": f"测试城{number}号",
                     "paragraphs": [{"id": f"DEV_{number}", "context": context, "qas": qas}]})
    return {"version": "v1.0", "data": data}


def _squad_fixture() -> dict:
    long_sentence = ("The harbour of Exampleton, which was enlarged several times during the long reign of "
                     "the merchant princes who governed the city from their palaces along the northern "
                     "canal, finally reached a length of 4,210 metres in the year 1789, after decades of "
                     "work by thousands of labourers brought from the surrounding villages and islands.")
    data = []
    for number in range(7):
        title = f"Exampleton_{number}"
        paragraphs = []
        for part in range(10):
            context = (f"Exampleton {number} is a city on river {part}. It was founded in {1100 + part}. "
                       f"The river {part} is {20 + part} km long! Why? Nobody knows. Ann rules. "
                       + long_sentence)
            qas = [
                _qa(f"{number}-{part}-0", f"When was Exampleton {number}, river {part}, founded?",
                    context, str(1100 + part)),
                _qa(f"{number}-{part}-1", f"How long is river {part} of Exampleton {number}?",
                    context, f"{20 + part} km"),
                _qa(f"{number}-{part}-2", f"How long did the harbour of Exampleton {number}/{part} become?",
                    context, "4,210 metres"),
                _qa(f"{number}-{part}-3", f"Who is the mayor of Exampleton {number}, part {part}?",
                    context, "Ann"),
                _qa(f"{number}-{part}-4", f"What is the population of Exampleton {number}/{part} in 2020?",
                    context, None),
            ]
            paragraphs.append({"context": context, "qas": qas})
        data.append({"title": title, "paragraphs": paragraphs})
    return {"version": "v2.0", "data": data}


def check_set(folder: Path, lang: str, expect_figure: bool) -> list[dict]:
    """Assert the set's layout and question format; return its questions."""
    assert (folder / "LICENSE.md").is_file()
    license_text = (folder / "LICENSE.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in license_text and "prepare.py" in license_text
    docs = {path.name: path.read_text(encoding="utf-8") for path in (folder / "docs").glob("*.txt")}
    assert docs
    for text in docs.values():
        title, _, body = text.partition("\n")
        assert title.strip() and body.startswith("\n")  # title line, then a blank line
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines]
    assert questions
    ids = [question["id"] for question in questions]
    assert len(set(ids)) == len(ids)
    kinds: dict[str, int] = {}
    for question in questions:
        assert KEYS <= set(question), question
        assert question["lang"] == lang and question["question"].strip()
        assert question["kind"] in ("extractive", "unanswerable")
        if question["kind"] == "extractive":
            assert set(question) == KEYS
            assert question["doc"] in docs, question
            assert isinstance(question["answer"], str) and question["answer"]
            assert len(question["evidence"]) == 1
            evidence = question["evidence"][0]
            assert evidence in docs[question["doc"]], question  # verbatim
            assert question["answer"] in evidence, question
            assert 15 <= len(evidence) <= 200, question
            kinds["extractive"] = kinds.get("extractive", 0) + 1
        else:
            assert set(question) == KEYS | {"unanswerable"}
            assert question["doc"] is None and question["evidence"] == [] and question["answer"] is None
            assert question["unanswerable"] in ("topic", "figure")
            kinds[question["unanswerable"]] = kinds.get(question["unanswerable"], 0) + 1
    assert kinds.get("extractive") and kinds.get("topic")
    assert bool(kinds.get("figure")) == expect_figure
    return questions


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    cmrc, squad = tmp_path / "cmrc2018_dev.json", tmp_path / "dev-v2.0.json"
    cmrc.write_text(json.dumps(_cmrc_fixture(), ensure_ascii=False), encoding="utf-8")
    squad.write_text(json.dumps(_squad_fixture()), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--cmrc", str(cmrc), "--squad", str(squad),
         "--out", str(tmp_path / "out"), *extra],
        capture_output=True, text=True, encoding="utf-8", timeout=120, check=True)


def test_prepare_on_fixtures(tmp_path):
    result = _run(tmp_path, "--articles", "4", "--questions", "200", "--held-out-articles", "2")
    out = tmp_path / "out"
    assert "cmrc2018:" in result.stdout and "squad2:" in result.stdout

    cmrc = check_set(out / "cmrc2018", "zh", expect_figure=False)
    assert len(list((out / "cmrc2018" / "docs").glob("*.txt"))) == 4
    assert all(question["id"].startswith("cmrc-") for question in cmrc)
    assert sum(question["kind"] == "extractive" for question in cmrc) == 20  # 4 articles x 5 questions
    # held-out articles: their questions are "topic" and their text is not in the library
    docs_text = "".join(path.read_text(encoding="utf-8") for path in (out / "cmrc2018" / "docs").glob("*.txt"))
    for question in cmrc:
        if question["kind"] == "unanswerable":
            name = question["question"][:5]  # "测试城N号"
            assert name not in docs_text
    # Chinese sentences end at 。！？；; the short "城中人口约3N万；" is joined with the sentence before
    for question in cmrc:
        if question["kind"] == "extractive" and "人口" in question["question"]:
            evidence = question["evidence"][0]
            assert evidence.startswith("该城始建于") and "年！城中人口约" in evidence and evidence.endswith("万；")
        if "城东" in question["question"] and question["kind"] == "extractive":  # the answer at its gold offset
            assert question["evidence"] == ["城东的公园里也种了大片的白色玉兰。"]

    squad = check_set(out / "squad2", "en", expect_figure=True)
    docs = sorted((out / "squad2" / "docs").glob("*.txt"))
    assert len(docs) == 4
    for doc in docs:  # title line, then at most 8 paragraphs separated by blank lines
        text = doc.read_text(encoding="utf-8")
        title, *paragraphs = text.rstrip("\n").split("\n\n")
        assert title.startswith("Exampleton ") and 1 <= len(paragraphs) <= 8
    answerable = [q for q in squad if q["kind"] == "extractive"]
    assert len(answerable) == 4 * 8 * 4  # 4 articles x 8 kept paragraphs x 4 answerable questions
    assert len({q["doc"] for q in answerable}) == 4
    windows = 0
    # the long sentence is cut to a window at word boundaries around the answer
    for question in answerable:
        evidence = question["evidence"][0]
        if question["answer"] == "4,210 metres":
            assert len(evidence) <= 200 and not evidence.startswith("The harbour of Exampleton, which")
            doc = (out / "squad2" / "docs" / question["doc"]).read_text(encoding="utf-8")
            at = doc.index(evidence)
            assert doc[at - 1] in " \n" and doc[at + len(evidence)] in " \n."
            windows += 1
        if question["answer"].endswith("km"):  # sentence ending with "!"
            assert evidence.endswith("long!")
        if question["answer"] == "Ann":  # a short sentence is joined with the one before
            assert evidence == "Nobody knows. Ann rules."
    assert windows == 32
    # about 10% each of "figure" and "topic": 128 / 8 = 16
    figures = [q for q in squad if q.get("unanswerable") == "figure"]
    assert len(figures) == 16 and all(q["question"].startswith("What is the population") for q in figures)
    topics = [q for q in squad if q.get("unanswerable") == "topic"]
    library = {doc.read_text(encoding="utf-8").split("\n", 1)[0] for doc in docs}  # "Exampleton N"
    assert len(topics) == 16
    for question in topics:
        assert re.search(r"Exampleton \d", question["question"]).group(0) not in library


def test_questions_spread_over_articles(tmp_path):
    _run(tmp_path, "--articles", "4", "--questions", "20", "--held-out-articles", "2")
    questions = [json.loads(line) for line in
                 (tmp_path / "out" / "squad2" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    per_doc: dict[str, int] = {}
    for question in questions:
        if question["kind"] == "extractive":
            per_doc[question["doc"]] = per_doc.get(question["doc"], 0) + 1
    assert sorted(per_doc.values()) == [5, 5, 5, 5]


def test_prepare_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _run(first, "--articles", "3", "--questions", "10", "--held-out-articles", "1")
    _run(second, "--articles", "3", "--questions", "10", "--held-out-articles", "1")
    for name in SETS:
        assert ((first / "out" / name / "questions.jsonl").read_text(encoding="utf-8")
                == (second / "out" / name / "questions.jsonl").read_text(encoding="utf-8"))


@pytest.mark.skipif(not (REAL_DATA / "cmrc2018").is_dir() and not (REAL_DATA / "squad2").is_dir(),
                    reason="eval/external/data/ is absent: fetch the originals and run "
                           "eval/external/prepare.py (see eval/external/README.md)")
def test_real_prepared_data():
    for name, lang in SETS.items():
        folder = REAL_DATA / name
        if not folder.is_dir():
            continue
        questions = check_set(folder, lang, expect_figure=(name == "squad2"))
        docs_size = sum(path.stat().st_size for path in (folder / "docs").glob("*.txt"))
        assert docs_size < 400 * 1024
        topic = sum(q.get("unanswerable") == "topic" for q in questions)
        assert 0.05 <= topic / len(questions) <= 0.15
