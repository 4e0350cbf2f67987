"""``assistant train-ranker``: libraries from train files, rows through the real pipeline, models, model card.

Reproducible: the sampling is seeded, the rows of each source are cached in
the work folder by the source file's sha256 and the sampling options, and the
fits are seeded.  Every variant is written to the work folder; the one named
with ``--variant`` (chosen on the tuning set) is written to ``--out`` with
its card beside it.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from ..answer.features import FEATURES
from ..config import DEFAULT_RANKER, Settings
from ..ingest import file_sha256
from .card import write_card
from .collect import collect
from .fit import (
    VARIANTS,
    Dataset,
    abstain_threshold,
    feature_weights,
    fit,
    question_metrics,
)
from .library import Source, prepare

#: How much of each train file is used (the whole CMRC 2018 train set has 10,142 questions).
DEFAULT_SOURCES = {
    "squad2": dict(lang="en", articles=9, held_out=1, questions=1600, impossible=300, off_topic=200),
    "cmrc2018": dict(lang="zh", articles=400, held_out=60, questions=1400, off_topic=200, traditional_share=0.25),
    # Reports with tables (scripts/prepare_wtq_train.py: WikiTableQuestions train, one report a table, its
    # answer one cell, so its row is the quote): the only source where a table row answers.
    "tables": dict(lang="en", articles=350, held_out=30, questions=1400, off_topic=150, keep_lines=True),
}
#: Share of the questions kept out of the fit, to measure it and to set the abstention threshold.
VALIDATION_SHARE = 0.2
#: Answerable questions (right answer among the candidates) the threshold may refuse, on the validation part.
FALSE_ABSTAIN = 0.05


def _log(message: str) -> None:
    print(f"[train-ranker {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def source_rows(source: Source, work: Path, settings: Settings, seed: int) -> Path:
    """The feature rows of one source (cached in ``work`` by its file and options)."""
    options = asdict(source)
    if not source.keep_lines:  # an option added later: left out when off, so rows cached before it stay valid
        del options["keep_lines"]
    tag = hashlib.sha1(json.dumps({**options, "path": file_sha256(source.path), "seed": seed,
                                   "features": FEATURES}, sort_keys=True).encode()).hexdigest()[:12]
    rows_path = work / f"rows-{source.name}-{tag}.npz"
    if rows_path.exists():
        _log(f"{source.name}: rows cached in {rows_path}")
        return rows_path
    questions = prepare(source, work / f"docs-{source.name}", seed)
    _log(f"{source.name}: {len(questions)} questions; indexing and asking them")
    rows = collect(work / f"docs-{source.name}", work / f"index-{source.name}", questions, settings,
                   progress=lambda done, total: done % 200 == 0 and _log(f"{source.name}: {done}/{total}"))
    rows.save(rows_path)
    return rows_path


def train_ranker(sources: list[Source], work: Path, out: Path, variant: str, seed: int = 0,
                 settings: Settings = Settings()) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    data = Dataset.load(*(source_rows(source, work, settings, seed) for source in sources))
    fitting, validation = data.split(VALIDATION_SHARE, seed)
    _log(f"{len(fitting.sizes)} questions ({len(fitting.labels)} rows) to fit, {len(validation.sizes)} to validate")
    results = {}
    for name in VARIANTS:
        model_file = fit(fitting, name, seed, calibration=validation)
        from ..answer.ranker import AnswerRanker

        scores = AnswerRanker(AnswerRanker._model(model_file), 0.0, out, {}).probabilities(validation.features)
        threshold = abstain_threshold(validation, scores, FALSE_ABSTAIN)
        metrics = {"validation": question_metrics(validation, scores, threshold),
                   **{f"validation_{lang}": question_metrics(validation.subset(validation.langs == lang),
                                                             scores[validation.rows(validation.langs == lang)], threshold)
                      for lang in sorted(set(validation.langs))}}
        model_file.update({
            "abstain_below": threshold,
            "trained_on": [{"name": source.name, "file": str(source.path), "sha256": file_sha256(source.path),
                            "options": {key: value for key, value in asdict(source).items() if key not in ("path", "name")}}
                           for source in sources],
            "rows": {"fit": int(len(fitting.labels)), "fit_questions": int(len(fitting.sizes)),
                     "validation_questions": int(len(validation.sizes))},
            "metrics": metrics, "feature_weights": feature_weights(model_file, validation), "seed": seed,
        })
        (work / f"ranker-{name}.json").write_text(json.dumps(model_file), encoding="utf-8")
        results[name] = metrics
        _log(f"{name}: {json.dumps(metrics['validation'])}")
    chosen = json.loads((work / f"ranker-{variant}.json").read_text(encoding="utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(chosen, separators=(",", ":")), encoding="utf-8")
    write_card(out.with_suffix(".md"), chosen, results)
    return results


def run(args) -> int:
    sources = []
    for name, path in (("squad2", args.squad), ("cmrc2018", args.cmrc), ("tables", getattr(args, "tables", None))):
        if path:
            if not Path(path).is_file():
                print(f"{path}: no such file (the {name} train file; see docs/ranker.md for where to get it).",
                      file=sys.stderr)
                return 2
            sources.append(Source(path=Path(path), name=name, **DEFAULT_SOURCES[name]))
    if not sources:
        print("Name at least one train file: --squad PATH, --cmrc PATH and/or --tables PATH.", file=sys.stderr)
        return 2
    settings = replace(Settings(), backend=args.backend) if getattr(args, "backend", None) else Settings()
    results = train_ranker(sources, Path(args.work), Path(args.out or DEFAULT_RANKER), args.variant, args.seed, settings)
    print(json.dumps(results, indent=1))
    return 0
