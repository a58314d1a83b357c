"""Export a PyTorch model to one ONNX file, and run such a file with ONNX Runtime.

:func:`export_onnx` writes the model with ``torch.onnx.export`` (the
``torch.export``-based exporter); :class:`OrtModel` runs the file on the CPU with a
fixed number of threads and is called like a PyTorch model (tensor in, tensor out);
:func:`onnx_nodes_of` finds the ONNX nodes that come from given PyTorch modules.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from .. import checks
from ..measure.sizes import file_size_mb
from ..storage import atomic_path
from .folding import without_inplace

__all__ = ["MIN_OPSET", "export_onnx", "OrtModel", "onnx_nodes_of"]

MIN_OPSET = 18
"""Oldest ONNX opset :func:`export_onnx` accepts: the ``torch.export``-based exporter writes 18+."""


def export_onnx(model: nn.Module, path: str | os.PathLike, example: torch.Tensor,
                opset: int = 18, dynamic_batch: bool = True) -> Path:
    """Write ``model`` to ``path`` as a single ONNX file (weights inside) and return the path.

    Uses ``torch.onnx.export(..., dynamo=True)``: the model is captured with
    ``torch.export``, translated to ONNX operators and optimised (BatchNorm after a
    convolution is folded into it).  The input is named ``"images"`` and the output
    ``"logits"``.  With ``dynamic_batch`` the file accepts any batch size; give an
    ``example`` with a batch of 2 or more so that the exporter does not specialise on 1.
    The model is exported from a copy made by :func:`without_inplace`.

    Raises:
        ValueError: if ``opset`` is below :data:`MIN_OPSET` or ``example`` is not 4-D.
    """
    if opset < MIN_OPSET:
        raise ValueError(f"opset {opset} is too old: the torch.export-based exporter writes "
                         f"opset {MIN_OPSET} or newer (18 is the default)")
    if example.dim() != 4:
        raise ValueError(f"example must be a batch of images (N, C, H, W), got shape "
                         f"{tuple(example.shape)}")
    path = Path(path)
    model = without_inplace(model).eval()
    dynamic_shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None
    with torch.no_grad(), atomic_path(path) as partial:
        torch.onnx.export(model, (example,), str(partial), dynamo=True, opset_version=opset,
                          input_names=["images"], output_names=["logits"],
                          dynamic_shapes=dynamic_shapes, external_data=False, verbose=False)
    return path


class OrtModel:
    """An ONNX file run by ONNX Runtime on the CPU, called like a model: ``logits = m(images)``.

    Args:
        path: the ``.onnx`` file.
        threads: ONNX Runtime's intra-op threads; set it to the number PyTorch uses
            when the two are compared (ONNX Runtime does not read ``torch.get_num_threads``).
    """

    def __init__(self, path: str | os.PathLike, threads: int = 1) -> None:
        checks.positive_int("threads", threads)
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no ONNX file at {self.path}: export one with export_onnx")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.threads = threads
        self.session = ort.InferenceSession(str(self.path), options,
                                            providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Logits for a batch of images, as a float32 tensor."""
        array = np.ascontiguousarray(images.detach().cpu().numpy(), dtype=np.float32)
        return torch.from_numpy(self.session.run(None, {self.input_name: array})[0])

    @property
    def size_mb(self) -> float:
        """Size of the ONNX file in megabytes (10**6 bytes)."""
        return file_size_mb(self.path)

    def __repr__(self) -> str:
        return f"OrtModel({self.path.name!r}, threads={self.threads})"


def onnx_nodes_of(path: str | os.PathLike, module_names: Iterable[str]) -> list[str]:
    """Names of the ONNX nodes that come from the given PyTorch modules (or their children).

    The ``torch.export``-based exporter records each node's module path in its metadata
    (``pkg.torch.onnx.name_scopes``); this reads it back, so that a layer can be named the
    PyTorch way, e.g. ``"features.1.conv.0"``.

    Raises:
        ValueError: if a name matches no node (a typo, or a file without that metadata).
    """
    graph = onnx.load(str(path), load_external_data=False).graph
    wanted = list(module_names)
    found: dict[str, list[str]] = {name: [] for name in wanted}
    for node in graph.node:
        meta = {entry.key: entry.value for entry in node.metadata_props}
        scopes = ast.literal_eval(meta.get("pkg.torch.onnx.name_scopes", "[]"))
        for name in wanted:
            if name in scopes:
                found[name].append(node.name)
    missing = [name for name, nodes in found.items() if not nodes]
    if missing:
        raise ValueError(f"no ONNX node comes from module(s) {missing}: check the names against "
                         "model.named_modules(), and export with export_onnx")
    return sorted({node for nodes in found.values() for node in nodes})

