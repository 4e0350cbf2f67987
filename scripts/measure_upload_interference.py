"""A victim's questions and small upload while a 4.9 MB upload indexes (issue 25, item 3).

Run from the project root with the index of the seeds in index/:
    PYTHONPATH=$PWD python scripts/measure_upload_interference.py
Prints JSON: the victim's answer seconds during the build, its small upload's
seconds (it waits for the build), and an answer's seconds after.
"""
import json, random, sys, threading, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_web import launch_server
from assistant.config import Settings
from gradio_client import Client, handle_file

import tempfile
root = Path(tempfile.mkdtemp(prefix="upload-interference-"))
app, url, index_dir, uploads = launch_server(root, Path("index"), Settings())
words = "market growth telehealth device revenue clinic patient adoption sensor platform region forecast share".split()
rng = random.Random(25)
big = root / "big.md"
with open(big, "w") as handle:
    size = 0
    while size < 4_900_000:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize() + f" grew {rng.randint(1,99)}% in {rng.randint(2015,2030)}.\n"
        handle.write(line); size += len(line)
small = root / "victim.md"
small.write_text("# Quux\n\nThe quux widget market in Zorbland grew 17 percent in 2031.\n")
results = {}
def attacker():
    started = time.perf_counter()
    out = Client(url, verbose=False).predict([handle_file(str(big))], api_name="/upload")
    results["big_upload_s"] = round(time.perf_counter() - started, 1)
    results["big_added"] = out.get("added"); results["big_problems"] = out.get("problems") or out.get("error")
thread = threading.Thread(target=attacker); thread.start()
time.sleep(8)
victim = Client(url, verbose=False)
latencies = []
for question in ["What was the telemedicine market size in 2023?", "Which regions lead adoption?"] * 5:
    started = time.perf_counter()
    answer = victim.predict(question, 5, "hybrid", api_name="/ask")
    latencies.append(round(time.perf_counter() - started, 2))
    time.sleep(2)
results["victim_answer_s_during_build"] = latencies
print(json.dumps(results), flush=True)
started = time.perf_counter()
out = victim.predict([handle_file(str(small))], api_name="/upload")
results["victim_small_upload_s"] = round(time.perf_counter() - started, 1)
results["victim_added"] = out.get("added")
print(json.dumps(results), flush=True)
thread.join()
started = time.perf_counter()
victim.predict("What was the telemedicine market size in 2023?", 5, "hybrid", api_name="/ask")
results["victim_answer_s_after"] = round(time.perf_counter() - started, 2)
print(json.dumps(results))
app.close()
