"""The OpenVINO backend of the dense model: the same export, tokenizer and
pooling as the ONNX backend (``onnx_backend``), run by OpenVINO's CPU plugin.

The graph is the same float model (converted once, weights kept in float32);
OpenVINO runs its matrix products in bfloat16 where the CPU has bf16
instructions (AVX-512 BF16, AMX), else in float32.  Measured on the seed and
generated chunks (docs/large-libraries.md): 2.4x the chunks per CPU-second of
ONNX Runtime with bf16, cosine to the float vectors min 0.99995, eval deltas
<= 0.0005 on the tuning and held-out sets: the default backend.  Its cost: a
one-shot question spends about 0.2 CPU-seconds more on loading (import and
compile), and one short query takes about 11 ms to encode against 6 ms.
"""
from __future__ import annotations

from ..config import encoder_threads
from .onnx_backend import OnnxEncoder


class OpenVinoEncoder(OnnxEncoder):
    backend = "openvino"

    def _open(self, folder):
        import openvino

        compiled = openvino.Core().compile_model(str(folder / "model.xml"), "CPU", {
            "INFERENCE_NUM_THREADS": encoder_threads(),
            "PERFORMANCE_HINT": "LATENCY",  # one request at a time, all the given threads on it
        })
        request = compiled.create_infer_request()
        return lambda feeds: request.infer(feeds)[compiled.output(0)]
