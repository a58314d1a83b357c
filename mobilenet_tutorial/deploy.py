"""From a trained PyTorch model to a faster one: fold BatchNorm, export to ONNX, quantize to int8.

The steps of chapter 8, each a small function:

- :func:`fold_batchnorm` merges every BatchNorm that directly follows a convolution
  into that convolution's weights and bias (exact in eval mode, one layer fewer);
- :func:`export_onnx` writes the model as one self-contained ONNX file with
  ``torch.onnx.export`` (the ``torch.export``-based exporter);
- :class:`OrtModel` runs an ONNX file with ONNX Runtime on the CPU, with a fixed
  number of threads, and is called like a PyTorch model (tensor in, tensor out);
- :func:`quantize_int8` turns an fp32 ONNX file into an int8 one with ONNX Runtime's
  post-training static quantization, calibrated on real images
  (:class:`ImageCalibrationReader`);
- :func:`prediction_agreement` says how closely a faster model's outputs follow the
  original's: top-1 agreement, top-5 overlap, largest logit difference;
- :func:`weight_sensitivity` finds the layers whose weights suffer most from int8
  (:func:`fake_quantize_per_channel` rounds one layer's weights as int8 would).
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import torch
from onnxruntime import quantization
from torch import nn

from .profile import layer_kind

__all__ = [
    "fold_conv_bn",
    "fold_batchnorm",
    "count_batchnorms",
    "without_inplace",
    "export_onnx",
    "OrtModel",
    "ImageCalibrationReader",
    "onnx_nodes_of",
    "quantize_int8",
    "prediction_agreement",
    "file_size_mb",
    "state_dict_mb",
    "fake_quantize_per_channel",
    "weight_sensitivity",
]

MIN_OPSET = 18
"""Oldest ONNX opset :func:`export_onnx` accepts: the ``torch.export``-based exporter writes 18+."""


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """One convolution that computes ``bn(conv(x))`` as BatchNorm does in eval mode.

    BatchNorm in eval mode is a fixed per-channel affine map,
    ``y = (x - mean) * gamma / sqrt(var + eps) + beta``.  Scaling output channel ``c``
    of the convolution's weight by ``s_c = gamma_c / sqrt(var_c + eps)`` and setting its
    bias to ``(b_c - mean_c) * s_c + beta_c`` gives the same result in one layer.  The
    arithmetic is done in float64, then stored in the convolution's dtype.

    Raises:
        TypeError: if ``conv`` is not an ``nn.Conv2d`` or ``bn`` not an ``nn.BatchNorm2d``.
        ValueError: if ``bn`` has no running statistics or a channel count that differs
            from ``conv.out_channels``.
    """
    if not isinstance(conv, nn.Conv2d) or not isinstance(bn, nn.BatchNorm2d):
        raise TypeError(f"fold_conv_bn needs an nn.Conv2d and an nn.BatchNorm2d, got "
                        f"{type(conv).__name__} and {type(bn).__name__}")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("this BatchNorm2d has track_running_stats=False: it normalises with "
                         "each batch's own statistics, which no fixed convolution can reproduce")
    if bn.num_features != conv.out_channels:
        raise ValueError(f"the BatchNorm2d has {bn.num_features} channels but the convolution "
                         f"outputs {conv.out_channels}: they do not belong together")
    weight = conv.weight.detach().double()
    mean = bn.running_mean.detach().double()
    scale = 1.0 / torch.sqrt(bn.running_var.detach().double() + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach().double()
    bias = -mean if conv.bias is None else conv.bias.detach().double() - mean
    bias = bias * scale
    if bn.bias is not None:
        bias = bias + bn.bias.detach().double()
    folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                       padding=conv.padding, dilation=conv.dilation, groups=conv.groups,
                       bias=True, padding_mode=conv.padding_mode,
                       device=conv.weight.device, dtype=conv.weight.dtype)
    with torch.no_grad():
        folded.weight.copy_(weight * scale.reshape(-1, 1, 1, 1))
        folded.bias.copy_(bias)
    return folded


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of ``model``, in eval mode, with each BatchNorm folded into the convolution before it.

    Only pairs that sit next to each other in an ``nn.Sequential`` are folded, because
    there the order of the children is the order of execution (a plain module's
    ``forward`` could use its children in any order).  Each folded BatchNorm is replaced
    by ``nn.Identity``, so module names and indices stay the same.  The original model is
    not changed.  The copy computes what ``model.eval()`` computes, up to float rounding.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"fold_batchnorm expects an nn.Module, got {type(model).__name__}")
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in zip(names, names[1:], strict=False):
            conv, bn = module._modules[first], module._modules[second]
            if (isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
                    and bn.running_mean is not None and bn.num_features == conv.out_channels):
                module._modules[first] = fold_conv_bn(conv, bn)
                module._modules[second] = nn.Identity()
    return folded


def count_batchnorms(model: nn.Module) -> int:
    """Number of ``nn.BatchNorm2d`` layers in ``model``."""
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def without_inplace(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with the ``inplace`` flag of every layer (ReLU, ReLU6, ...) off.

    In-place activations save memory in eager PyTorch, but graph capture must rewrite each
    one into an out-of-place operation, which makes ``torch.export`` (and so the ONNX
    export) several times slower on MobileNetV2.  The results are the same.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"without_inplace expects an nn.Module, got {type(model).__name__}")
    copied = copy.deepcopy(model)
    for module in copied.modules():
        if getattr(module, "inplace", False) is True:
            module.inplace = False
    return copied


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
    with torch.no_grad():
        torch.onnx.export(model, (example,), str(path), dynamo=True, opset_version=opset,
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
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
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


class ImageCalibrationReader(quantization.CalibrationDataReader):
    """Feeds a batch of preprocessed images to ONNX Runtime's calibrator, ``batch_size`` at a time.

    The calibrator runs the fp32 model on these inputs and records the range of every
    activation; the int8 scales come from those ranges, so the images should look like
    the ones the model will see.
    """

    def __init__(self, images: torch.Tensor, input_name: str = "images",
                 batch_size: int = 1) -> None:
        if images.dim() != 4 or len(images) == 0:
            raise ValueError(f"images must be a non-empty batch (N, C, H, W), got shape "
                             f"{tuple(images.shape)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.images = images.detach().cpu().float().numpy()
        self.input_name = input_name
        self.batch_size = batch_size
        self._batches: Iterator[dict[str, np.ndarray]] = self._iterate()

    def _iterate(self) -> Iterator[dict[str, np.ndarray]]:
        for start in range(0, len(self.images), self.batch_size):
            yield {self.input_name: self.images[start:start + self.batch_size]}

    def get_next(self) -> dict[str, np.ndarray] | None:
        """The next batch, or ``None`` when all have been given."""
        return next(self._batches, None)

    def rewind(self) -> None:
        """Start again from the first batch."""
        self._batches = self._iterate()


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


def quantize_int8(fp32_path: str | os.PathLike, int8_path: str | os.PathLike,
                  calibration_images: torch.Tensor, per_channel: bool = True,
                  method: str = "minmax", keep_float: Iterable[str] = ()) -> Path:
    """Post-training static int8 quantization of an ONNX file with ONNX Runtime.

    The model is first pre-processed (shape inference and graph optimisation), then
    calibrated on ``calibration_images`` and written in QDQ format: each quantized
    tensor is surrounded by QuantizeLinear/DequantizeLinear pairs, which ONNX Runtime
    fuses into integer kernels.  Activations are unsigned 8-bit (asymmetric), weights
    signed 8-bit (symmetric), ``per_channel`` giving each output channel its own
    weight scale.  Unsigned activations with signed weights suit x86 CPUs with VNNI
    instructions; on older x86 CPUs ONNX Runtime recommends ``reduce_range``.

    Args:
        fp32_path: the float model, e.g. from :func:`export_onnx`.
        int8_path: where to write the quantized model.
        calibration_images: preprocessed images, ``(N, C, H, W)``; a few dozen suffice.
        per_channel: one weight scale per output channel (``True``) or per tensor.
        method: ``"minmax"`` (ranges are the observed extremes) or ``"percentile"``
            (ranges end at the 99.99th percentile of the observed values, so that a few
            outliers do not stretch the scale for all the others).
        keep_float: PyTorch module names (see :func:`onnx_nodes_of`) whose nodes stay
            in float: a layer that quantization hurts most can be spared.

    Raises:
        ValueError: on an unknown ``method``, bad calibration images, or a
            ``keep_float`` name that matches no node.
    """
    q = quantization
    methods = {"minmax": q.CalibrationMethod.MinMax, "percentile": q.CalibrationMethod.Percentile}
    if method not in methods:
        raise ValueError(f"unknown calibration method {method!r}: use one of {sorted(methods)}")
    input_name = onnx.load(str(fp32_path), load_external_data=False).graph.input[0].name
    reader = ImageCalibrationReader(calibration_images, input_name=input_name)
    extra = {"CalibPercentile": 99.99} if method == "percentile" else {}
    keep_float = list(keep_float)
    # ONNX Runtime's calibrators print their progress; keep the caller's output clean.
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        prepared = Path(tmp) / "prepared.onnx"
        q.quant_pre_process(str(fp32_path), str(prepared))
        excluded = onnx_nodes_of(prepared, keep_float) if keep_float else []
        q.quantize_static(str(prepared), str(int8_path), reader,
                          quant_format=q.QuantFormat.QDQ, per_channel=per_channel,
                          activation_type=q.QuantType.QUInt8, weight_type=q.QuantType.QInt8,
                          calibrate_method=methods[method], nodes_to_exclude=excluded,
                          extra_options=extra)
    return Path(int8_path)


def prediction_agreement(reference: torch.Tensor, candidate: torch.Tensor) -> dict[str, float]:
    """How closely ``candidate`` logits follow ``reference`` logits, image by image.

    Returns a dict with ``top1_agreement`` (fraction of images whose top class is the
    same), ``top5_overlap`` (mean fraction of the reference's top 5 classes that are
    also in the candidate's top 5) and ``max_abs_diff`` (largest absolute difference
    of any logit).

    Raises:
        ValueError: if the two do not have the same shape ``(N, classes)`` with
            ``classes >= 5``.
    """
    if reference.shape != candidate.shape or reference.dim() != 2:
        raise ValueError(f"expected two (N, classes) logit tensors of the same shape, got "
                         f"{tuple(reference.shape)} and {tuple(candidate.shape)}")
    if reference.shape[1] < 5:
        raise ValueError(f"top-5 overlap needs at least 5 classes, got {reference.shape[1]}")
    reference, candidate = reference.double(), candidate.double()  # float64 stays unrounded
    top1 = (reference.argmax(1) == candidate.argmax(1)).double().mean()
    ref5 = reference.topk(5, dim=1).indices
    cand5 = candidate.topk(5, dim=1).indices
    overlap = (ref5.unsqueeze(2) == cand5.unsqueeze(1)).any(2).double().mean()
    return {"top1_agreement": float(top1), "top5_overlap": float(overlap),
            "max_abs_diff": float((reference - candidate).abs().max())}


def file_size_mb(path: str | os.PathLike) -> float:
    """Size of a file in megabytes (10**6 bytes)."""
    return Path(path).stat().st_size / 1e6


def state_dict_mb(model: nn.Module) -> float:
    """Size in megabytes of ``model``'s ``state_dict`` saved with ``torch.save``."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes / 1e6


def fake_quantize_per_channel(weight: torch.Tensor, bits: int = 8) -> torch.Tensor:
    """``weight`` rounded to signed ``bits``-bit integers, one symmetric scale per output channel.

    Channel ``c`` gets the scale ``max|w_c| / (2**(bits-1) - 1)``; each weight becomes the
    nearest multiple of it.  The result is returned in float (quantize then dequantize),
    so that the rounding error can be studied in an ordinary PyTorch model.

    Raises:
        ValueError: if ``bits`` is less than 2 or ``weight`` has fewer than 2 dimensions.
    """
    if bits < 2:
        raise ValueError(f"bits must be at least 2, got {bits}")
    if weight.dim() < 2:
        raise ValueError(f"expected a weight with an output-channel dimension, got shape "
                         f"{tuple(weight.shape)}")
    levels = 2 ** (bits - 1) - 1
    amax = weight.abs().flatten(1).amax(1).clamp_min(torch.finfo(weight.dtype).tiny)
    scale = (amax / levels).reshape(-1, *([1] * (weight.dim() - 1)))
    return torch.round(weight / scale).clamp(-levels, levels) * scale


def weight_sensitivity(model: nn.Module, images: torch.Tensor, bits: int = 8) -> pd.DataFrame:
    """How much rounding each layer's weights to int8 (alone) changes the logits.

    For every ``Conv2d`` and ``Linear`` layer in turn, its weights are replaced by
    :func:`fake_quantize_per_channel` of them, the model is run on ``images``, and the
    mean absolute change of the logits is recorded; then the weights are restored.

    Returns:
        A ``DataFrame`` with columns ``name``, ``kind`` and ``mean_logit_change``, the most
        sensitive layer first.
    """
    model = model.eval()
    layers = [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    if not layers:
        raise ValueError("the model has no Conv2d or Linear layer")
    rows = []
    with torch.no_grad():
        reference = model(images)
        for name, layer in layers:
            original = layer.weight.detach().clone()
            layer.weight.copy_(fake_quantize_per_channel(original, bits))
            try:
                change = (model(images) - reference).abs().mean().item()
            finally:
                layer.weight.copy_(original)
            rows.append({"name": name, "kind": layer_kind(layer), "mean_logit_change": change})
    frame = pd.DataFrame(rows).sort_values("mean_logit_change", ascending=False)
    return frame.reset_index(drop=True)
