"""A sentence-transformers model exported once to ONNX, from its local files.

The export runs ``torch.onnx.export`` (the TorchScript exporter) on the
model's transformer with eager attention, saves the fast tokenizer beside it
and serves an ONNX Runtime-optimised copy (extended graph optimisations: fused
attention, layer norms, GELU), and describes the pooling in ``export.json``.
It is cached under ``CACHE_DIR/onnx/<fingerprint>-ort<version>-v<export
version>/`` and written to a temporary folder first, so a killed export
leaves nothing half-done.  Only this module imports torch for the ONNX backend,
and only when an export is missing.
"""
from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from ..config import CACHE_DIR, ONNX_EXPORT_VERSION, setup_offline_environment
from .identity import ModelIdentity

POOLING_MODES = ("mean", "cls", "max")


@dataclass(frozen=True)
class ModelLayout:
    """What the sentence-transformers config files say the model computes."""

    transformer_dir: str
    pooling: str  # one of POOLING_MODES
    normalize: bool
    max_seq_length: int
    do_lower_case: bool


def read_layout(model_dir: Path) -> ModelLayout:
    """The modules of a sentence-transformers folder, or a RuntimeError when the
    ONNX backend cannot reproduce them (then ``--backend torch`` can)."""
    unsupported = f"the ONNX backend cannot run the model in {model_dir}"
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuntimeError(f"{unsupported} (no readable modules.json); use --backend torch.") from error
    kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(kind != "Normalize" for kind in kinds[2:]):
        raise RuntimeError(f"{unsupported} (modules {', '.join(kinds)}); use --backend torch.")
    transformer_dir = model_dir / modules[0].get("path", "")
    pooling_dir = model_dir / modules[1].get("path", "")
    try:
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
        bert_config = json.loads((transformer_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RuntimeError(f"{unsupported} (pooling or sentence_bert_config.json unreadable); use --backend torch.") from error
    modes = [mode for mode in POOLING_MODES if pooling.get(f"pooling_mode_{mode}_tokens" if mode != "cls" else "pooling_mode_cls_token")]
    others = [key for key, value in pooling.items() if key.startswith("pooling_mode_") and value and
              key not in ("pooling_mode_mean_tokens", "pooling_mode_cls_token", "pooling_mode_max_tokens")]
    if len(modes) != 1 or others:
        raise RuntimeError(f"{unsupported} (pooling {pooling}); use --backend torch.")
    return ModelLayout(transformer_dir=str(transformer_dir), pooling=modes[0], normalize="Normalize" in kinds,
                       max_seq_length=int(bert_config.get("max_seq_length") or 512),
                       do_lower_case=bool(bert_config.get("do_lower_case", False)))


def export_dir(identity: ModelIdentity) -> Path:
    if identity.backend == "openvino":
        from importlib.metadata import version

        return CACHE_DIR / "openvino" / f"{identity.fingerprint[:24]}-ov{version('openvino')}-v{ONNX_EXPORT_VERSION}"
    import onnxruntime

    return CACHE_DIR / "onnx" / f"{identity.fingerprint[:24]}-ort{onnxruntime.__version__}-v{ONNX_EXPORT_VERSION}"


def ensure_export(identity: ModelIdentity) -> Path:
    """The export folder of a model (made now when missing): ``model.opt.onnx``
    (ONNX Runtime) or ``model.xml``/``model.bin`` (OpenVINO), ``tokenizer.json``,
    ``export.json``."""
    target = export_dir(identity)
    if (target / "export.json").exists():
        return target
    layout = read_layout(Path(identity.path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    except OSError as error:
        raise RuntimeError(f"The ONNX export of {identity.name} cannot be written to {target.parent} "
                           f"({error.strerror}); set ASSISTANT_CACHE_DIR to a writable folder or use --backend torch.") from error
    try:
        facts = _export(layout, work)
        if identity.backend == "openvino":
            _convert_openvino(work / "model.onnx", work / "model.xml")
        else:
            _optimise(work / "model.onnx", work / "model.opt.onnx")
        (work / "model.onnx").unlink()  # the optimised or converted copy is what is served
        work.chmod(0o755)
        (work / "export.json").write_text(json.dumps({**asdict(layout), **facts, "model": identity.name,
                                                      "fingerprint": identity.fingerprint}, indent=1), encoding="utf-8")
        try:
            os.replace(work, target)
        except OSError:  # another process finished the same export first
            if not (target / "export.json").exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _export(layout: ModelLayout, work: Path) -> dict:
    setup_offline_environment()
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(layout.transformer_dir)
    if not getattr(tokenizer, "is_fast", False):
        raise RuntimeError(f"The ONNX backend needs a fast tokenizer; the model in {layout.transformer_dir} has none; "
                           "use --backend torch.")
    tokenizer.backend_tokenizer.save(str(work / "tokenizer.json"))
    model = AutoModel.from_pretrained(layout.transformer_dir, attn_implementation="eager")
    model.eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        names.append("token_type_ids")

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    # Two texts of different lengths, so the padding path is traced too.
    sample = tokenizer(["a short text", "a somewhat longer text for the trace, with padding"], padding=True,
                       return_tensors="pt")
    inputs = tuple(sample[name] if name in sample else torch.zeros_like(sample["input_ids"]) for name in names)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python-level branches: checked by the vector comparison
        torch.onnx.export(LastHiddenState(model), inputs, str(work / "model.onnx"), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
    return {"inputs": names, "pad_id": int(tokenizer.pad_token_id or 0), "pad_token": str(tokenizer.pad_token or "[PAD]"),
            "dim": int(model.config.hidden_size), "torch": torch.__version__}


def _convert_openvino(source: Path, target: Path) -> None:
    """OpenVINO's own format, weights kept in float32 (not its default float16)."""
    import openvino

    openvino.save_model(openvino.convert_model(str(source)), str(target), compress_to_fp16=False)


def _optimise(source: Path, target: Path) -> None:
    """ONNX Runtime's extended graph optimisations, saved once: loading the
    optimised file with basic optimisations takes ~0.2 s instead of ~0.7 s."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
