"""The roofline model: how fast this CPU could go, and how close each layer gets.

Williams, Waterman and Patterson's roofline bounds the speed of a computation by
two ceilings: the processor's peak arithmetic rate, and its memory bandwidth times
the computation's *arithmetic intensity* (work per byte moved).  Here the work is
counted in multiply-accumulates (MACs), as everywhere in the course:

- :func:`peak_matmul_rate` measures the peak: MACs per second of a large fp32
  matrix product, the best case of the BLAS library PyTorch uses;
- :func:`peak_conv_rate` measures the same for a large 3x3 convolution, which runs in
  oneDNN's kernels; on some CPUs (AMD's, with Intel's BLAS library) these use the vector
  units better than the matrix product, so the peak is the larger of the two;
- :func:`copy_bandwidth` measures the memory bandwidth: bytes per second of copying
  a tensor far larger than the caches;
- :func:`roof` is the attainable rate at a given intensity, and
  :func:`arithmetic_intensity` the one rule for that intensity (:func:`network_intensity`
  applies it to a whole network);
- :func:`layer_costs` lists every convolution and linear layer of a model with its
  MACs, bytes moved and intensity; :func:`layer_timings` also times each one on its
  own and reports the MACs per second it achieved;
- :func:`by_kind` sums those rows per kind of layer (full, depthwise, pointwise, linear).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from .. import checks
from ..checks import positive_int
from .counting import layer_kind, layer_macs
from .hooks import checked_input_size, trace_calls
from .timing import measure

__all__ = ["peak_matmul_rate", "peak_conv_rate", "copy_bandwidth", "roof", "ridge_point",
           "arithmetic_intensity",
           "network_intensity", "layer_costs", "layer_timings", "by_kind"]


def peak_matmul_rate(size: int = 2048, threads: int | None = None,
                     min_run_time: float = 0.5) -> float:
    """MACs per second of an fp32 ``size x size`` matrix product (``size**3`` MACs per call).

    A ceiling is a best case, so the fastest timed block counts, not the median.

    Raises:
        ValueError: if ``size`` is less than 1.
    """
    checks.positive_int("size", size)
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator)
    b = torch.randn(size, size, generator=generator)
    out = torch.empty(size, size)
    timing = measure(lambda: torch.mm(a, b, out=out), label=f"matmul {size}", threads=threads,
                     warmup=1, min_run_time=min_run_time)
    return size**3 / min(timing.times)


def peak_conv_rate(channels: int = 256, size: int = 28, threads: int | None = None,
                   min_run_time: float = 0.5) -> float:
    """MACs per second of a ``channels``-to-``channels`` 3x3 convolution on a ``size`` map.

    The input is one image stored channels-last, the layout oneDNN's convolution
    kernels prefer; ``channels**2 * 9 * size**2`` MACs per call.  As for
    :func:`peak_matmul_rate`, the fastest timed block counts.

    Raises:
        ValueError: if ``channels`` or ``size`` is less than 1.
    """
    checks.positive_int("channels", channels)
    checks.positive_int("size", size)
    generator = torch.Generator().manual_seed(0)
    conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False).eval()
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator))
    conv = conv.to(memory_format=torch.channels_last)
    x = torch.randn(1, channels, size, size, generator=generator).contiguous(
        memory_format=torch.channels_last)
    timing = measure(lambda: conv(x), label=f"conv3x3 {channels}", threads=threads, warmup=2,
                     min_run_time=min_run_time)
    return channels**2 * 9 * size**2 / min(timing.times)


def copy_bandwidth(megabytes: float = 256.0, threads: int | None = None,
                   min_run_time: float = 0.5) -> float:
    """Bytes per second moved by copying an fp32 tensor of ``megabytes`` into another.

    A copy reads each byte once and writes it once, so ``2 * megabytes`` are moved per
    call.  Choose a size well above the last-level cache, or the cache is measured.  As
    for :func:`peak_matmul_rate`, the fastest timed block counts.

    Raises:
        ValueError: if ``megabytes`` is not positive.
    """
    if megabytes <= 0:
        raise ValueError(f"megabytes must be positive, got {megabytes}")
    count = max(1, int(megabytes * 1e6 / 4))
    source = torch.ones(count)
    target = torch.empty(count)
    timing = measure(lambda: target.copy_(source), label="copy", threads=threads, warmup=1,
                     min_run_time=min_run_time)
    return 2 * 4 * count / min(timing.times)


def roof(intensity: float | np.ndarray, peak: float, bandwidth: float) -> float | np.ndarray:
    """Attainable MACs per second at ``intensity`` MACs per byte: ``min(peak, bandwidth * I)``.

    ``intensity`` is a number or an array of them, each finite and at least 0.
    """
    checks.positive_number("peak", peak, "MACs per second")
    checks.positive_number("bandwidth", bandwidth, "bytes per second")
    try:
        values = np.asarray(intensity, dtype=float)
    except (TypeError, ValueError, OverflowError):
        values = None
    if (values is None or isinstance(intensity, bool) or values.size == 0
            or not np.all(np.isfinite(values)) or np.any(values < 0)):
        raise ValueError(f"intensity must be a number (or an array of numbers) of at least 0, in "
                         f"MACs per byte, got {checks.shown(intensity)}")
    return np.minimum(peak, bandwidth * values)


def ridge_point(peak: float, bandwidth: float) -> float:
    """The intensity (MACs per byte) where the two ceilings meet: ``peak / bandwidth``."""
    checks.positive_number("peak", peak, "MACs per second")
    checks.positive_number("bandwidth", bandwidth, "bytes per second")
    return peak / bandwidth


def arithmetic_intensity(macs: float, input_values: float, output_values: float,
                         weights: float, bytes_per_value: int = 4, batch: int = 1) -> float:
    """MACs per byte moved, when input, output and weights each cross memory once.

    The counts are for one image; a batch of ``batch`` images multiplies the MACs and
    the activations but reads the weights once, which is why batching raises the
    intensity of weight-heavy layers.

    Raises:
        ValueError: if nothing is moved, or ``bytes_per_value`` or ``batch`` is below 1.
    """
    for name, count in (("macs", macs), ("input_values", input_values),
                        ("output_values", output_values), ("weights", weights)):
        checks.non_negative_number(name, count, "a count of one image's values")
    checks.positive_int("bytes_per_value", bytes_per_value)
    checks.positive_int("batch", batch)
    moved = bytes_per_value * (batch * (input_values + output_values) + weights)
    if moved <= 0:
        raise ValueError("a layer that moves no bytes has no arithmetic intensity")
    return batch * macs / moved


def network_intensity(costs: pd.DataFrame, batch: int = 1) -> float:
    """The arithmetic intensity of all the layers of :func:`layer_costs` together, at ``batch``.

    ``costs`` are per image (batch 1); with ``batch`` images the MACs and the activations
    grow ``batch`` times and each layer's weights are still read once.
    """
    activations = float((costs["bytes"] - costs["weight_bytes"]).sum())
    return arithmetic_intensity(float(costs["macs"].sum()), activations, 0.0,
                                float(costs["weight_bytes"].sum()), bytes_per_value=1,
                                batch=batch)


def layer_costs(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224),
                bytes_per_element: int = 4) -> pd.DataFrame:
    """MACs, bytes and arithmetic intensity of every ``Conv2d`` and ``Linear`` layer (no timing).

    The bytes a layer must move at the least are its input, its output and its
    parameters, ``bytes_per_element`` each (the same count as chapter 1); its arithmetic
    intensity is MACs divided by those bytes.

    Returns:
        A ``DataFrame`` with one row per layer call: ``name``, ``kind`` (see
        :func:`.counting.layer_kind`), ``output_shape``, ``macs``, ``bytes``,
        ``weight_bytes`` (the parameters' share of ``bytes``) and ``intensity``.
    """
    checks.module("model", model)
    return pd.DataFrame(_record(model, input_size, bytes_per_element)[0])


def _record(model: nn.Module, input_size: Sequence[int], bytes_per_element: int
            ) -> tuple[list[dict[str, object]], dict[str, nn.Module], list[torch.Tensor]]:
    positive_int("bytes_per_element", bytes_per_element, "4 for float32, 1 for int8")
    input_size = checked_input_size(model, input_size)
    rows: list[dict[str, object]] = []
    inputs: list[torch.Tensor] = []
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
    if not layers:
        raise ValueError("the model has no Conv2d or Linear layer")

    def record(name: str, module: nn.Module, args: tuple[torch.Tensor, ...],
               output: torch.Tensor) -> None:
        inputs.append(args[0].detach().clone())
        weights = sum(p.numel() for p in module.parameters(recurse=False))
        moved = (args[0].numel() + output.numel() + weights) * bytes_per_element
        macs = layer_macs(module, output)
        rows.append({"name": name, "kind": layer_kind(module),
                     "output_shape": tuple(output.shape), "macs": macs, "bytes": moved,
                     "weight_bytes": weights * bytes_per_element,
                     "intensity": arithmetic_intensity(macs, args[0].numel(), output.numel(),
                                                       weights, bytes_per_element)})

    generator = torch.Generator().manual_seed(0)
    trace_calls(model, torch.randn(input_size, generator=generator),
                lambda name, module: name in layers, record)
    return rows, layers, inputs


def layer_timings(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224),
                  threads: int | None = None, min_run_time: float = 0.05,
                  bytes_per_element: int = 4) -> pd.DataFrame:
    """:func:`layer_costs`, plus the time of every layer run alone on the input it receives.

    One forward pass on a random input records each layer's input; then each layer is
    timed on that input with :func:`.timing.measure`.  Timed alone, a layer finds its
    input and weights in the cache from the previous call, so it can beat the memory roof.

    Returns:
        The columns of :func:`layer_costs`, plus ``seconds`` and ``macs_per_s``.
    """
    rows, layers, inputs = _record(model, input_size, bytes_per_element)
    for row, example in zip(rows, inputs, strict=True):
        module = layers[str(row["name"])]
        timing = measure(lambda m=module, x=example: m(x), label=str(row["name"]),
                         threads=threads, warmup=1, min_run_time=min_run_time)
        row["seconds"] = timing.median
        row["macs_per_s"] = float(row["macs"]) / timing.median
    return pd.DataFrame(rows)


def by_kind(layers: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`layer_timings` rows per ``kind``: MACs, bytes, seconds, and their ratios.

    ``intensity`` and ``macs_per_s`` of a kind are ratios of its sums (total MACs over
    total bytes, total MACs over total seconds), not means of the layers' ratios.
    ``time_share`` and ``mac_share`` are percentages of the whole model's.
    """
    missing = {"kind", "macs", "bytes", "seconds"} - set(layers.columns)
    if missing:
        raise ValueError(f"by_kind needs the columns of layer_timings; missing {sorted(missing)}")
    grouped = layers.groupby("kind")[["macs", "bytes", "seconds"]].sum()
    grouped["layers"] = layers.groupby("kind").size()
    grouped["intensity"] = grouped["macs"] / grouped["bytes"]
    grouped["macs_per_s"] = grouped["macs"] / grouped["seconds"]
    grouped["mac_share"] = 100 * grouped["macs"] / grouped["macs"].sum()
    grouped["time_share"] = 100 * grouped["seconds"] / grouped["seconds"].sum()
    return grouped.sort_values("seconds", ascending=False)
