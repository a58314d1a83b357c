"""OpenVINO: convert a PyTorch model, run it on the CPU, and quantize it to int8 with NNCF.

OpenVINO is Intel's inference engine for CPUs (it runs on AMD's x86 CPUs too).
:func:`to_openvino` converts a PyTorch model to OpenVINO's graph, :class:`OvModel`
compiles that graph for the CPU with a fixed number of threads and runs it like a
PyTorch model (tensor in, tensor out), and :func:`quantize_openvino` applies NNCF's
post-training quantization, calibrated on real images, leaving in float the layers
named in ``keep_float``.  Both packages are imported only when these functions run,
so the rest of :mod:`mobilenet_tutorial.deploy` works without them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn

from .. import checks

__all__ = ["to_openvino", "OvModel", "quantize_openvino", "openvino_scope"]


def to_openvino(model: nn.Module, example: torch.Tensor) -> Any:
    """``model`` as an ``openvino.Model``, with a free batch size and ``example``'s other sides.

    Raises:
        ValueError: if ``example`` is not a batch of images ``(N, C, H, W)``.
    """
    import openvino

    if example.dim() != 4:
        raise ValueError(f"example must be a batch (N, C, H, W), got shape {tuple(example.shape)}")
    model.eval()
    with torch.no_grad():
        return openvino.convert_model(model, example_input=example,
                                      input=[(-1, *example.shape[1:])])


class OvModel:
    """An OpenVINO model compiled for the CPU, called like a PyTorch model.

    ``threads`` fixes the number of inference threads, one stream, latency first.  The
    precision hint is fp32: on CPUs with bfloat16 instructions OpenVINO would otherwise
    run float layers in bfloat16, which changes the predictions of an "fp32" model.
    """

    def __init__(self, model: Any, threads: int = 1, profiling: bool = False) -> None:
        import openvino

        checks.positive_int("threads", threads)
        self.threads = threads
        self.profiling = bool(profiling)
        config = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1,
                  "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32",
                  "PERF_COUNT": bool(profiling)}
        self._compiled = openvino.Core().compile_model(model, "CPU", config)
        self._request = self._compiled.create_infer_request()
        with tempfile.TemporaryDirectory() as folder:  # the size of the saved model
            path = Path(folder) / "model.xml"
            openvino.save_model(model, path, compress_to_fp16=False)
            self.size_mb = sum(os.path.getsize(p) for p in Path(folder).iterdir()) / 1e6

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        result = self._request.infer([images.detach().cpu().numpy()])
        return torch.from_numpy(result[0].copy())

    def layer_times(self, images: torch.Tensor, calls: int = 10) -> pd.DataFrame:
        """Median time of every operation OpenVINO ran, over ``calls`` calls on ``images``.

        Needs ``profiling=True``.  One untimed call comes first.  Columns: ``name``,
        ``node_type`` (the operation, e.g. ``Convolution``), ``exec_type`` (the kernel that
        ran it, e.g. ``jit_avx512_I8``) and ``ms``.  Operations fused into another one do
        not appear.

        Raises:
            ValueError: if the model was compiled without profiling, or ``calls`` < 1.
        """
        if not self.profiling:
            raise ValueError("layer_times needs a model compiled with OvModel(..., profiling=True)")
        checks.positive_int("calls", calls)
        self(images)  # untimed: a first call can pay for set-up
        rows = []
        for call in range(calls):
            self(images)
            rows += [{"call": call, "name": info.node_name, "node_type": info.node_type,
                      "exec_type": info.exec_type, "ms": info.real_time.total_seconds() * 1e3}
                     for info in self._request.profiling_info if info.status.name == "EXECUTED"]
        table = (pd.DataFrame(rows).groupby(["name", "node_type", "exec_type"], sort=False)["ms"]
                 .median().reset_index())
        return table

    def __repr__(self) -> str:
        return f"OvModel({self.size_mb:.1f} MB, {self.threads} thread(s))"


def openvino_scope(module_names: Sequence[str]) -> list[str]:
    """Regular expressions matching the OpenVINO operations made from PyTorch modules.

    ``openvino.convert_model`` names an operation after the module path it came from,
    ``__module.features.1.conv.0.0/aten::_convolution/...``; a module name matches itself
    and everything inside it.
    """
    return [rf"__module\.{re.escape(name)}(\.|/).*" for name in module_names]


def quantize_openvino(model: Any, calibration_images: torch.Tensor,
                      keep_float: Sequence[str] = (), fast_bias_correction: bool = True) -> Any:
    """NNCF post-training int8 quantization of an ``openvino.Model``, calibrated on images.

    Weights get one scale per output channel, activations one per tensor, from the
    ranges NNCF records on ``calibration_images`` (all of them are used); the modules
    named in ``keep_float`` (PyTorch module names, see :func:`openvino_scope`) stay in
    float.

    Raises:
        ValueError: if there are no calibration images.
    """
    import nncf

    if len(calibration_images) == 0:
        raise ValueError("calibration_images is empty: give at least one image")
    dataset = nncf.Dataset([calibration_images[i:i + 1].numpy()
                            for i in range(len(calibration_images))])
    ignored = (nncf.IgnoredScope(patterns=openvino_scope(keep_float), validate=False)
               if keep_float else None)
    kwargs = {"ignored_scope": ignored} if ignored is not None else {}
    return nncf.quantize(model, dataset, subset_size=len(calibration_images),
                         fast_bias_correction=fast_bias_correction, **kwargs)
