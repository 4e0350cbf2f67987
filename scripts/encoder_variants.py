"""Measure faster variants of the dense encoder against the float ONNX model
(issue 28): chunks per CPU-second on one thread and cosine to the float
vectors, on the chunks of an existing index.  Not part of the package: the
variant kept is the ``openvino`` backend; the int8 files are written to a
scratch folder and thrown away.

    PYTHONPATH=. python scripts/encoder_variants.py INDEX_DIR [SCRATCH_DIR]

Needs onnx-ir (pip install onnx-ir==1.1.0) for onnxruntime's MatMulNBits quantizer.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"  # per core: every variant on one thread

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime  # noqa: E402
from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: E402

from assistant.embedding import get_embedder  # noqa: E402
from assistant.embedding.onnx_export import _export, export_dir, read_layout  # noqa: E402
from assistant.store import Index  # noqa: E402


def main(index_dir: str, scratch: str = "/tmp/encoder-variants") -> None:
    work = Path(scratch)
    work.mkdir(parents=True, exist_ok=True)
    texts = [chunk.embed_text() for chunk in Index.load(index_dir).chunks]
    encoder = get_embedder(backend="onnx")
    source = export_dir(encoder.identity) / "model.opt.onnx"

    def measure(label: str, run) -> None:
        encoder._run = run
        encoder.encode(texts[:8])
        started = time.process_time()
        vectors = encoder.encode(texts, 32)
        cpu = time.process_time() - started
        cosines = np.sum(vectors * reference, axis=1)
        print(f"| {label} | {len(texts) / cpu:.1f} | {base / cpu:.2f}x | {cosines.min():.4f} | {cosines.mean():.4f} |")

    def ort(path: Path):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return lambda feeds: session.run(None, feeds)[0]

    encoder._run = ort(source)
    encoder.encode(texts[:8])
    started = time.process_time()
    reference = encoder.encode(texts, 32)
    base = time.process_time() - started
    print(f"{len(texts)} chunks of {index_dir}; one thread\n")
    print("| variant | chunks per CPU-second | vs float | cosine min | cosine mean |\n| --- | --- | --- | --- | --- |")
    print(f"| ONNX Runtime float (today) | {len(texts) / base:.1f} | 1.00x | 1.0000 | 1.0000 |")

    graph = onnx.load(str(source)).graph
    weights = [node.name for node in graph.node if node.op_type == "MatMul" and not node.name.endswith("self/MatMul_1")]
    ffn_in = [name for name in weights if "intermediate" in name]
    ffn_out = [name for name in weights if name.endswith("/output/dense/MatMul") and "attention" not in name]
    attention = [name for name in weights if name not in ffn_in + ffn_out]
    # Embeddings (Gather) and the attention products of activations stay float in every variant.
    dynamic = {"int8 dynamic, per channel: every weight MatMul": weights,
               "int8 dynamic, per channel: all but the last layer's output": weights[:-1],
               "int8 dynamic, per channel: all but the FFN outputs": attention + ffn_in,
               "int8 dynamic, per channel: attention only": attention}
    for number, (label, nodes) in enumerate(dynamic.items()):
        target = work / f"dynamic-{number}.onnx"
        quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"], nodes_to_quantize=nodes,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        measure(label, ort(target))

    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    def nbits(target: Path, exclude: list[str], block: int) -> None:
        quantizer = MatMulNBitsQuantizer(onnx.load(str(source)), nodes_to_exclude=exclude, algo_config=DefaultWeightOnlyQuantConfig(
            block_size=block, is_symmetric=True, accuracy_level=4, bits=8))
        quantizer.process()
        quantizer.model.save_model_to_file(str(target), False)

    for block in (32, 128):
        nbits(work / f"nbits-{block}.onnx", [], block)
        measure(f"int8 weights in blocks of {block} (MatMulNBits, int8 products)", ort(work / f"nbits-{block}.onnx"))
    nbits(work / "nbits-ffn.onnx", attention, 128)
    quantize_dynamic(str(work / "nbits-ffn.onnx"), str(work / "hybrid.onnx"), per_channel=True,
                     weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], nodes_to_quantize=attention,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    measure("int8: attention dynamic per channel, FFN in blocks of 128", ort(work / "hybrid.onnx"))

    import openvino

    raw = work / "raw"
    if not (raw / "model.onnx").exists():
        raw.mkdir(exist_ok=True)
        _export(read_layout(Path(encoder.identity.path)), raw)
    for hint in ("f32", "bf16"):
        compiled = openvino.Core().compile_model(str(raw / "model.onnx"), "CPU", {
            "INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY"})
        request = compiled.create_infer_request()
        measure(f"OpenVINO {hint}", lambda feeds, r=request, c=compiled: r.infer(feeds)[c.output(0)])


if __name__ == "__main__":
    main(*sys.argv[1:])
