"""Int8 quantization: ONNX Runtime's post-training static quantization, and its effect per layer.

:func:`quantize_int8` turns an fp32 ONNX file into an int8 one, calibrated on real
images (:class:`ImageCalibrationReader`); :func:`weight_sensitivity` finds the layers
whose weights suffer most from int8 (:func:`fake_quantize_per_channel` rounds one
layer's weights as int8 would).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import torch
from onnxruntime import quantization
from torch import nn

from .. import checks
from ..measure.counting import layer_kind
from ..storage import atomic_path
from .onnx_export import onnx_nodes_of

__all__ = ["ImageCalibrationReader", "quantize_int8", "fake_quantize_per_channel",
           "weight_sensitivity"]


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
        checks.positive_int("batch_size", batch_size)
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
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        prepared = Path(tmp) / "prepared.onnx"
        q.quant_pre_process(str(fp32_path), str(prepared))
        excluded = onnx_nodes_of(prepared, keep_float) if keep_float else []
        written = stack.enter_context(atomic_path(int8_path))
        q.quantize_static(str(prepared), str(written), reader,
                          quant_format=q.QuantFormat.QDQ, per_channel=per_channel,
                          activation_type=q.QuantType.QUInt8, weight_type=q.QuantType.QInt8,
                          calibrate_method=methods[method], nodes_to_exclude=excluded,
                          extra_options=extra)
    return Path(int8_path)


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
