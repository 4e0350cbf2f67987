"""The ``assistant`` command: build, chunks, search, ask, eval, serve, bench."""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

from .config import (
    BUILD_ENGINES,
    EMBEDDING_BACKENDS,
    RETRIEVAL_MODES,
    ChunkerSettings,
    Settings,
    setup_offline_environment,
)
from .ingest import printable_name, span_label
from .ingest.facts import METRICS


class UserError(Exception):
    """Shown to the user as one line, exit status 2."""


#: What a terminal would obey rather than show: control characters (an ANSI
#: colour code, a carriage return) and the bidirectional overrides and marks.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with those characters written as ``\\uXXXX`` (line breaks and tabs kept):
    valid inside JSON strings, and plain to see in a terminal."""
    return _TERMINAL_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class _TerminalSafe:
    """A stream wrapper: everything the CLI prints goes through :func:`terminal_safe`
    (on stderr, carriage returns are kept for the progress bar; names there are
    shown with :func:`printable_name`)."""

    def __init__(self, stream, keep_returns: bool = False) -> None:
        self._stream = stream
        self._keep_returns = keep_returns

    def write(self, text: str) -> int:
        if self._keep_returns:
            return self._stream.write("\r".join(terminal_safe(part) for part in text.split("\r")))
        return self._stream.write(terminal_safe(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _settings(args) -> Settings:
    settings = Settings()
    if getattr(args, "model", None):
        settings = settings.with_changes(model=args.model)
    if getattr(args, "backend", None):
        settings = settings.with_changes(backend=args.backend)
    if getattr(args, "ranker", None):
        settings = settings.with_changes(answer=replace(settings.answer, ranker=str(args.ranker)))
    if getattr(args, "follow_links", False):
        settings = settings.with_changes(follow_links=True)
    if getattr(args, "chunk_tokens", None) and isinstance(args.chunk_tokens, int):
        settings = settings.with_changes(chunker=ChunkerSettings(max_tokens=args.chunk_tokens))
    if getattr(args, "engine", None):
        settings = settings.with_changes(engine=args.engine)
    if getattr(args, "ray_address", None):
        if settings.engine != "ray":
            raise UserError("--ray-address is only used with --engine ray.")
        settings = settings.with_changes(ray_address=args.ray_address)
    store = getattr(args, "store", None) or settings.store
    if store == "milvus":
        if not getattr(args, "milvus_uri", None):
            raise UserError("--store milvus needs --milvus-uri: a file path for Milvus Lite (e.g. index/milvus.db) "
                            "or http://host:19530 for a server.")
        settings = settings.with_changes(store="milvus", milvus_uri=args.milvus_uri,
                                         milvus_collection=args.milvus_collection or settings.milvus_collection)
    elif getattr(args, "milvus_uri", None):
        raise UserError("--milvus-uri is only used with --store milvus.")
    return settings


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1))


def _progress_bar():
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, unit="", leave=False, file=sys.stderr, disable=None)
        bar = bars[stage]
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress


def cmd_build(args) -> int:
    from .indexer import build_index

    report = build_index(args.docs, args.index, _settings(args), None if args.json else _progress_bar(),
                         keep_folders=True, drop_folders=args.drop_folder or [])
    if args.json:
        _print_json(report.__dict__)
    else:
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(report.summary())
    return 0


def cmd_reports(args) -> int:
    from .ingest.cards import library_cards
    from .store import open_index

    index = open_index(args.index, _settings(args))
    if args.set_fields:
        _set_card(index, args.doc, args.set_fields)
    cards = library_cards(index.manifest.files)
    rows = [{**card.to_dict(), "n_chunks": index.manifest.files[card.doc_id].get("n_chunks"),
             "path": index.manifest.files[card.doc_id].get("path")} for card in cards]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        market = " / ".join(part for part in (row["market"], row["market_zh"]) if part) or "?"
        print(f"{printable_name(row['doc_id'])}  ({row['n_chunks']} chunks, {', '.join(row['languages'])}{', edited' if row['edited'] else ''})")
        print(f"   title:     {row['title'][:160] or '?'}")
        print(f"   publisher: {row['publisher'] or '?'}   market: {market}   years: {', '.join(row['years']) or '?'}")
        if row["aliases"]:
            print(f"   aliases:   {', '.join(row['aliases'])}")
    print(f"{len(rows)} reports. To correct a card: `assistant reports --doc FILE --set publisher=...` (it writes "
          f"<report file>.card.json next to the report; the web chat's owners correct their uploads in the Library).")
    return 0


def _set_card(index, doc_id: str | None, assignments: list[str]) -> None:
    """Write the corrections ``FIELD=VALUE`` into the card file of report ``doc_id``."""
    from .ingest.cards import write_sidecar

    if not doc_id or doc_id not in index.manifest.files:
        raise UserError(f"--set needs --doc with a report of the index ({doc_id or 'none given'} is not one); "
                        "`assistant reports` lists the file names it has.")
    changes = {}
    for assignment in assignments:
        field_name, equals, value = assignment.partition("=")
        if not equals:
            raise UserError(f"--set takes FIELD=VALUE, e.g. --set publisher=\"Acme Research\" (got {assignment!r}).")
        changes[field_name.strip()] = value
    try:
        path = write_sidecar(index.manifest.files[doc_id]["path"], changes)
    except ValueError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"The card file next to {doc_id} could not be written ({error.strerror}).") from None
    print(f"Saved the corrections in {path}; search, answers and comparisons use them from now on.")


def cmd_facts(args) -> int:
    from .ingest.cards import library_cards
    from .ingest.facts import library_facts
    from .store import open_index

    index = open_index(args.index, _settings(args))
    markets = {card.doc_id: card.market for card in library_cards(index.manifest.files)}
    facts = [fact for fact in library_facts(index.manifest.files, markets)
             if (not args.market or args.market.lower() in fact.market.lower())
             and (not args.metric or fact.metric == args.metric)]
    if args.json:
        _print_json([fact.to_dict() for fact in facts])
        return 0
    for fact in facts:
        print(f"{fact.market or '?'} | {fact.metric} | {fact.period or '-'} | {fact.value:g} {fact.unit} | "
              f"{fact.doc_id}, {span_label(fact.raw_start, fact.raw_end, fact.page)}")
    print(f"{len(facts)} facts.")
    return 0


def cmd_chunks(args) -> int:
    from .store import open_index

    index = open_index(args.index, _settings(args))
    for chunk in index.chunks:
        row = {key: getattr(chunk, key) for key in
               ("chunk_id", "doc_id", "start", "end", "raw_start", "raw_end", "page", "lang", "n_tokens", "text")}
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{chunk.chunk_id}  {printable_name(chunk.doc_id)}, {span_label(chunk.raw_start, chunk.raw_end, chunk.page)}  "
                  f"{chunk.lang}  {chunk.n_tokens} tok  {chunk.text[:80]!r}")
    return 0


def _assistant(args):
    from .pipeline import Assistant

    return Assistant(args.index, _settings(args))


def _scope(assistant, names: list[str] | None) -> set[str] | None:
    """The reports ``--doc`` names, checked against the index."""
    if not names:
        return None
    known = set(assistant.index.manifest.files)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UserError(f"The index has no report named {unknown[0]!r}; `assistant reports` lists the file names it has.")
    return set(names)


def cmd_search(args) -> int:
    assistant = _assistant(args)
    hits = assistant.search(args.query, args.k, args.mode, _scope(assistant, args.doc))
    if args.json:
        _print_json({"query": args.query, "mode": args.mode, "analysis": assistant.read(args.query).to_dict(),
                     "hits": [hit.to_dict() for hit in hits]})
        return 0
    print(f"{'rank':>4}  {'score':>7}  {'cosine':>6}  {'bm25':>6}  report, span")
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        print(f"{rank:>4}  {hit.score:>7.4f}  {hit.dense_score:>6.3f}  {hit.lexical_score:>6.2f}  "
              f"{printable_name(chunk.doc_id)}, {span_label(chunk.raw_start, chunk.raw_end, chunk.page)}")
        print("      " + chunk.text[:300].replace("\n", " "))
    print(SCORE_LEGEND[args.mode])
    return 0


#: What the score column of `assistant search` means, by mode.
SCORE_LEGEND = {
    "hybrid": "score: reciprocal rank fusion of the dense and BM25 lists (higher ranks first; only the order means "
              "something); cosine: similarity to the query (-1 to 1); bm25: term match (0 = no query word).",
    "dense": "score: cosine similarity to the query (-1 to 1, higher is closer); bm25: term match (0 = no query word).",
    "lexical": "score: BM25 term match (higher means more and rarer query words); cosine: similarity to the query.",
}


def format_answer(answer) -> str:
    lines: list[str] = [f"Read as: {answer.read_as}", ""] if answer.read_as else []
    if answer.abstained:
        lines.append(answer.message)
        lines.append("")
        lines.append("Possibly related:")
        for hit in answer.hits[:3]:
            lines.append(f"- {printable_name(hit.chunk.doc_id)}, {span_label(hit.chunk.raw_start, hit.chunk.raw_end, hit.chunk.page)}: "
                         f"{hit.chunk.text[:200]!s}")
        return "\n".join(lines)
    if answer.comparison:
        lines.append("What each report says:")
        for row in answer.comparison:
            label = f"{row['period'] or 'no year'}{' (nearest year given)' if row['nearest'] else ''}"
            lines.append(f"- {printable_name(row['doc_id'])}: {row['metric']} {label}: {row['value']:g} {row['unit']} "
                         f"(“{row['figure']}”, {span_label(row['raw_start'], row['raw_end'], row.get('page'))})")
        lines.append("")
    if answer.answer_line and answer.quotes:
        lines.append(f"Answer: {answer.answer_line.text} [{answer.quotes[0].citation.n}]")
        lines.append("")
    for quote in answer.quotes:
        if quote.citation.header:  # a table row: its header first, so the columns are named
            lines.append(f"    {quote.citation.header['text']}")
        lines.append(f"“{quote.text}” [{quote.citation.n}]")
        if quote.citation.cell and quote.citation.cell.get("column"):
            lines.append(f"    ({quote.citation.cell['column']}: {quote.citation.cell['text']})")
        if quote.citation.parallel:
            lines.append(f"    ({quote.citation.parallel['lang']}: {quote.citation.parallel['text']})")
    if answer.conflicts:
        lines.append("")
        lines.append("The reports disagree:")
        for conflict in answer.conflicts:
            values = "; ".join(f"{entry['figure']} in {printable_name(entry['doc_id'])} [{entry['n']}]" for entry in conflict["values"])
            lines.append(f"- {conflict['what']}: {values}")
    lines.append("")
    lines.append("Sources:")
    for quote in answer.quotes:
        citation = quote.citation
        header = citation.header
        header_label = f"; header {span_label(header['raw_start'], header['raw_end'], header['page'])}" if header else ""
        lines.append(f"[{citation.n}] {printable_name(citation.doc_id)}, "
                     f"{span_label(citation.raw_start, citation.raw_end, citation.page)}{header_label}")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    assistant = _assistant(args)
    answer = assistant.ask(args.question, args.k, args.mode, _scope(assistant, args.doc), follow_up_of=args.follow_up_of)
    if args.json:
        data = answer.to_dict()
        for quote, shown in zip(answer.quotes, data["answer"]):
            if args.explain:
                shown["explain"] = [{"feature": name, "value": round(value, 4), "contribution": round(contribution, 4)}
                                    for name, value, contribution in answer.explanation(quote)]
        _print_json(data)
    else:
        print(format_answer(answer))
        if args.explain:
            print(format_explanations(answer))
    return 0


def format_explanations(answer) -> str:
    """Why each quote was chosen: its ranker score and the features that moved it most."""
    lines = ["", "Why these quotes (answer ranker: probability; top features as value, effect on the log-odds):"]
    for quote in answer.quotes:
        parts = ", ".join(f"{name} {value:.3g} ({contribution:+.2f})" for name, value, contribution in answer.explanation(quote))
        lines.append(f"[{quote.citation.n}] {quote.citation.score:.3f}: {parts}")
    return "\n".join(lines)


def cmd_train_ranker(args) -> int:
    from .training.command import run

    return run(args)


def cmd_eval(args) -> int:
    from .evaluation.command import run_cli

    return run_cli(args, _settings(args))


def cmd_serve(args) -> int:
    from .web import serve

    serve(docs=args.docs, index_dir=args.index, host=args.host, port=args.port, settings=_settings(args),
          uploads_dir=args.uploads)
    return 0


def cmd_bench(args) -> int:
    from .bench import run_cli

    return run_cli(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Cited retrieval assistant over a folder of reports.")
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler, help_text: str, docs: bool = False, json_flag: bool = True):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        sub.add_argument("--index", default="index", type=Path, help="index folder (default: index)")
        sub.add_argument("--model", help="sentence-transformers model name or local folder (default: the bundled all-MiniLM-L6-v2)")
        sub.add_argument("--backend", choices=EMBEDDING_BACKENDS,
                         help="how the dense model runs: openvino (OpenVINO, default), onnx (ONNX Runtime) "
                         "or torch (sentence-transformers)")
        sub.add_argument("--ranker", type=Path, metavar="FILE",
                         help="answer ranker model file (default: the shipped assistant/models/answer_ranker.json)")
        sub.add_argument("--store", choices=("local", "milvus"), default="local",
                         help="where the index lives: local files in --index (default) or Milvus")
        sub.add_argument("--milvus-uri", help="with --store milvus: a file path (Milvus Lite) or http(s)://host:19530; "
                         "the token is read from $MILVUS_TOKEN")
        sub.add_argument("--milvus-collection", help="with --store milvus: collection name prefix (default: assistant)")
        if docs:
            sub.add_argument("--docs", action="append", type=Path, help="reports folder; repeat for several (default: seeds)")
        if json_flag:
            sub.add_argument("--json", action="store_true", help="machine-readable output")
        return sub

    sub = add("build", cmd_build, "Build or update the index of a reports folder.", docs=True)
    sub.add_argument("--drop-folder", action="append", type=Path, metavar="FOLDER",
                     help="remove this folder's reports from the index; repeat for several (by default a folder the "
                          "index covered before, such as the web chat's uploads, is kept even when not given with --docs)")
    sub.add_argument("--follow-links", action="store_true",
                     help="also index files that symbolic links lead to outside the reports folders (skipped by default)")
    sub.add_argument("--engine", choices=BUILD_ENGINES, default="in-process",
                     help="where files are read, chunked and embedded: in this process (default) or on Ray workers "
                          "(the ray extra; docs/large-libraries.md); the index is the same")
    sub.add_argument("--ray-address", metavar="ADDR",
                     help="with --engine ray: the cluster to use, e.g. ray://head:10001 or head:6379 "
                          "(default: a local Ray on this machine)")
    sub = add("reports", cmd_reports, "List the indexed reports with their cards (title, publisher, market, years, "
              "languages); with --doc and --set, correct one report's card.")
    sub.add_argument("--doc", metavar="FILE", help="with --set: the report whose card to correct (its file name)")
    sub.add_argument("--set", action="append", metavar="FIELD=VALUE", dest="set_fields",
                     help="correct a card field (title, publisher, market, market_zh, years, languages; lists "
                          "comma-separated; an empty value removes the correction); repeatable")
    sub = add("facts", cmd_facts, "List the figures the reports state: market, metric, year, value, citation.")
    sub.add_argument("--market", help="only markets whose name contains this text (case-insensitive)")
    sub.add_argument("--metric", choices=METRICS, help="only this metric")
    add("chunks", cmd_chunks, "List the chunks of an index (one JSON object per line with --json).")
    for name, handler, what in (("search", cmd_search, "query"), ("ask", cmd_ask, "question")):
        sub = add(name, handler, "Search the index for passages." if name == "search"
                  else "Answer a question with verbatim quotes and citations.")
        sub.add_argument(what, help="the search text" if what == "query" else "the question, in English or Chinese")
        sub.add_argument("--k", type=int, default=5, help="number of passages (default 5)")
        sub.add_argument("--mode", choices=RETRIEVAL_MODES, default="hybrid", help="retrieval mode (default hybrid)")
        sub.add_argument("--doc", action="append", metavar="FILE",
                         help="search only this report (its file name, as `assistant reports` lists it); repeatable")
    sub.add_argument("--follow-up-of", metavar="PREVIOUS", help="the previous question, for an elliptical follow-up "
                     "such as \"And by 2032?\" (the answer says how it was read)")
    sub.add_argument("--explain", action="store_true",
                     help="show why each quote was chosen: its ranker score and the features that moved it most")

    sub = add("train-ranker", cmd_train_ranker, "Train the answer ranker on public QA train files (docs/ranker.md).")
    sub.add_argument("--squad", metavar="FILE", help="SQuAD 2.0 train file (train-v2.0.json or a train subset)")
    sub.add_argument("--cmrc", metavar="FILE", help="CMRC 2018 train file (cmrc2018_train.json)")
    sub.add_argument("--tables", metavar="FILE", help="reports with Markdown tables, SQuAD layout "
                     "(scripts/prepare_wtq_train.py: WikiTableQuestions train)")
    sub.add_argument("--work", default=".cache/ranker-train", help="work folder: libraries, indexes, cached rows")
    sub.add_argument("--out", help="model file to write (default: the shipped assistant/models/answer_ranker.json)")
    sub.add_argument("--variant", default="trees", help="which fitted variant goes to --out (default trees)")
    sub.add_argument("--seed", type=int, default=0, help="sampling and fitting seed (default 0)")

    sub = add("eval", cmd_eval, "Measure retrieval and answers on a labelled question set.")
    sub.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"),
                     help="question set, one JSON object a line (default: eval/questions.jsonl, the tuning set)")
    sub.add_argument("--mode", choices=RETRIEVAL_MODES, default="hybrid", help="retrieval mode (default hybrid)")
    sub.add_argument("--all", action="store_true",
                     help="every set (tuning, held-out, external) with the two peer baselines: a table, "
                          "eval/results/all.md, all.json and all.png")
    sub.add_argument("--crosslingual", action="store_true",
                     help="split the bilingual seeds into an English and a Chinese library and ask each set's questions "
                          "over the library of the other language (eval/results/crosslingual.md)")
    sub.add_argument("--report", type=Path, help="write a Markdown report of the metrics and misses")
    sub.add_argument("--compare", action="store_true", help="compare modes (and chunk budgets) and write a table + plot")
    sub.add_argument("--chunk-tokens", help="with --compare: comma-separated chunk budgets, e.g. 96,160,256")
    sub.add_argument("--docs", action="append", type=Path, help="with --compare: reports folder (default: seeds)")

    sub = add("serve", cmd_serve, "Serve the web chat.", docs=True, json_flag=False)
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sub.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    sub.add_argument("--uploads", type=Path, metavar="DIR",
                     help="folder of the reports uploaded in the web chat (default: uploads inside the index folder)")

    sub = add("bench", cmd_bench, "Measure build and query speed, memory and scale.", docs=True)
    sub.add_argument("--scale", default="", help="comma-separated synthetic corpus sizes, e.g. 10000,100000")
    sub.add_argument("--hnsw-m", default="16,32,48", help="HNSW M values to compare on the primary channel (default 16,32,48)")
    sub.add_argument("--milvus-scale", type=int, default=100_000,
                     help="synthetic chunks for the Milvus Lite row (default 100000; 0 skips Milvus)")
    sub.add_argument("--real-chunks", type=int, default=2000,
                     help="chunks of the real-text build (varied real paragraphs, whole pipeline; default 2000, 0 skips)")
    sub.add_argument("--backend-eval-questions", type=int, default=0,
                     help="questions per eval set in the torch-vs-ONNX comparison (default 0: all)")
    return parser


def main(argv: list[str] | None = None) -> int:
    setup_offline_environment()
    args = build_parser().parse_args(argv)
    if hasattr(args, "docs") and not args.docs:
        args.docs = [Path("seeds")]
    for name in ("question", "query"):  # bytes that are not UTF-8 arrive as lone surrogates
        if isinstance(getattr(args, name, None), str):
            setattr(args, name, re.sub("[\ud800-\udfff]", "\ufffd", getattr(args, name)))
    from .ingest import DocumentError
    from .query import QuestionError
    from .store import IndexStateError

    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalSafe(stdout), _TerminalSafe(stderr, keep_returns=True)
    try:
        return args.handler(args)
    except (UserError, IndexStateError, QuestionError, DocumentError, FileNotFoundError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `assistant chunks --json | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout, sys.stderr = stdout, stderr


if __name__ == "__main__":
    sys.exit(main())
