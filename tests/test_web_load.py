"""Load: 20 concurrent gradio_client users asking 10 questions each of one
server on 127.0.0.1; every question answered, from the right report, none
dropped, within a time bound.  Latencies go to bench/results/load.json.

Gradio settings under test (assistant/web.py): answers run at most
ANSWER_CONCURRENCY at a time (the encoders are serialized by a lock, so more
would only queue inside the process), the queue holds up to QUEUE_MAX_SIZE
waiting requests, so 20 users (200 requests, at most 20 waiting at once) are
never refused.
"""
from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor, wait

import pytest

from conftest import ROOT
from test_web import launch_server

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")]

CLIENTS = 20
QUESTIONS_PER_CLIENT = 10
TIME_LIMIT = 150  # seconds for all 200 questions (measured: about 30 s on 2 cores)
RESULTS = ROOT / "bench" / "results" / "load.json"

# From eval/questions.jsonl: questions whose right report is cited first in every
# retrieval mode (checked in-process before the load starts); both languages, all five reports.
QUESTIONS = [
    ("What overall IoMT market size does the Reportprime report project for 2025?", "000_3e72e74fd57db5f9.txt"),
    ("How large was the global telemedicine market in 2023 according to IMARC?", "004_cc81a9a3a938ae48.txt"),
    ("How does telemedicine reduce healthcare costs for patients and providers?", "004_cc81a9a3a938ae48.txt"),
    ("How are IoMT business models shifting according to the transformative-shifts section?", "001_dea5ebdc38bdf3ab.txt"),
    ("How many virtual ward beds were available across England in March 2025?", "002_923aa08538df08e9.txt"),
    ("What was the connected medical devices market valued at in 2025, and what is projected for 2032?",
     "003_c2df3797af6a6a40.txt"),
    ("IMARC 列出的远程医疗领先企业中，PlushCare 隶属于哪家公司？", "004_cc81a9a3a938ae48.txt"),
    ("為什麼邊緣運算在醫療物聯網中越來越重要？", "001_dea5ebdc38bdf3ab.txt"),
    ("截至 2025 年 3 月，英格兰共有多少张虚拟病房床位？", "002_923aa08538df08e9.txt"),
    ("互联医疗设备市场 2025 年价值多少？2032 年预计达到多少？", "003_c2df3797af6a6a40.txt"),
]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def cited(result: dict) -> list[tuple[str, str]]:
    return [(quote["citation"]["doc_id"], quote["text"]) for quote in result.get("answer", [])]


def test_twenty_users_ten_questions_each(tmp_path, seeds_index):
    from gradio_client import Client

    from assistant.web import ANSWER_CONCURRENCY, QUEUE_MAX_SIZE

    app, url, _, _ = launch_server(tmp_path, seeds_index)
    try:
        # the expected answers, in-process, from the same Assistant the server uses
        expected = {}
        for question, doc_id in QUESTIONS:
            answer = app.web_chat.assistant.ask(question, k=5, mode="hybrid").to_dict()
            assert not answer["abstained"] and doc_id in {d for d, _ in cited(answer)}, (question, cited(answer))
            expected[question] = cited(answer)

        def user(number: int) -> list[tuple[str, str, dict, float]]:
            client = Client(url, verbose=False)
            asked = []
            for turn in range(QUESTIONS_PER_CLIENT):
                question, doc_id = QUESTIONS[(number + turn) % len(QUESTIONS)]  # users are out of step
                started = time.perf_counter()
                result = client.predict(question, 5, "hybrid", api_name="/ask")
                asked.append((question, doc_id, result, time.perf_counter() - started))
            return asked

        pool = ThreadPoolExecutor(max_workers=CLIENTS)
        started = time.perf_counter()
        futures = [pool.submit(user, number) for number in range(CLIENTS)]
        done, pending = wait(futures, timeout=TIME_LIMIT)
        wall = time.perf_counter() - started
        pool.shutdown(wait=False, cancel_futures=True)
        assert not pending, f"{len(pending)} users still waiting after {TIME_LIMIT} s"
        rows = [row for future in futures for row in future.result()]  # re-raises a client's exception
    finally:
        app.close()

    assert len(rows) == CLIENTS * QUESTIONS_PER_CLIENT  # none dropped
    wrong = []
    for question, doc_id, result, _ in rows:
        if "error" in result or result["question"] != question or doc_id not in {d for d, _ in cited(result)}:
            wrong.append((question, result.get("error") or cited(result)))
        elif cited(result) != expected[question]:  # same quotes as one user alone would get
            wrong.append((question, "differs from the single-user answer", cited(result)))
    assert not wrong, wrong[:3]

    latencies = [latency for *_, latency in rows]
    summary = {
        "clients": CLIENTS,
        "questions_per_client": QUESTIONS_PER_CLIENT,
        "questions": len(rows),
        "answered_right": len(rows) - len(wrong),
        "dropped": CLIENTS * QUESTIONS_PER_CLIENT - len(rows),
        "wall_seconds": round(wall, 2),
        "throughput_per_second": round(len(rows) / wall, 2),
        "latency_seconds": {
            "median": round(statistics.median(latencies), 3),
            "p95": round(percentile(latencies, 0.95), 3),
            "max": round(max(latencies), 3),
            "min": round(min(latencies), 3),
        },
        "answer_concurrency": ANSWER_CONCURRENCY,
        "queue_max_size": QUEUE_MAX_SIZE,
        "cores": __import__("os").cpu_count(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"\nload: {len(rows)} questions from {CLIENTS} users in {wall:.1f} s "
          f"({summary['throughput_per_second']}/s); latency median {summary['latency_seconds']['median']} s, "
          f"p95 {summary['latency_seconds']['p95']} s, max {summary['latency_seconds']['max']} s -> "
          f"{RESULTS.relative_to(ROOT)}")
