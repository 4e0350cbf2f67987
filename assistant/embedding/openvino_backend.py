"""The OpenVINO backend of the dense model: the same export, tokenizer and
pooling as the ONNX backend (``onnx_backend``), run by OpenVINO's CPU plugin.

The graph is the same float model (converted once, weights kept in float32);
OpenVINO runs its matrix products in bfloat16 where the CPU has bf16
instructions (AVX-512 BF16, AMX), else in float32.  Measured on the seed and
generated chunks (docs/large-libraries.md): 2.4x the chunks per CPU-second of
ONNX Runtime with bf16, cosine to the float vectors min 0.99995.  Not the
default: ``import openvino`` and compiling the model add about a second to a
cold start, which a one-shot question pays.
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
