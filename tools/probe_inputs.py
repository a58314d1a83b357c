"""Probe every public function of the helper package with bad arguments, and sort the outcomes.

For each function or class in a module's ``__all__`` whose required arguments can be
filled from :data:`GOOD` (plausible values by parameter name), every parameter in turn
gets each value of :data:`BAD`, the others staying good. The outcome of each call is:

- ``clear``: a ``ValueError`` or ``TypeError`` whose message names the parameter;
- ``obscure``: a ``ValueError`` or ``TypeError`` that does not name it;
- ``wrong type``: any other exception (``AttributeError``, ``RuntimeError``, ...);
- ``accepted``: no exception, although the value is not a value of that parameter's kind;
- ``valid``: no exception, and :data:`VALID` says the value is one of that parameter's
  (a width multiplier of 2.5, a seed of 0, a relative path ``'x'``);
- ``state``: the call left a model argument in another training mode than before.

A ``FileNotFoundError`` naming the path counts as clear for a path. The argument checks
of :mod:`mobilenet_tutorial.checks` are probed through their ``value`` only, and their
message must name the ``name`` they are given. A function returning a context manager is
entered and left, so that checks done on entry count.

Usage: ``python tools/probe_inputs.py [--json FILE]``, from the project's root, with the
package importable. Counts are printed as a table. This is a development aid, run by hand:
a value may be legitimately accepted (an ``int`` where a ``float`` is meant), so read
the ``accepted`` rows before calling them bugs.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import inspect
import json
import math
import os
import pkgutil
import resource
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

SKIP_MODULES = ("exercises", "_moved", "deploy")
"""Left out: checks take any answer by design; ONNX export needs seconds per call."""

SKIP_FUNCTIONS = ("fashion_mnist", "fashion_mnist_tensors", "prepare_fashion_mnist",
                  "peak_matmul_rate", "copy_bandwidth", "layer_timings", "measure", "compare",
                  "time_model", "single_calls", "install_torchvision_checkpoint", "shown",
                  "peak_conv_rate")
"""Left out: they read the whole dataset, or time for seconds, on every call; `shown` formats
any value by design."""

VALID: dict[str, set[str]] = {
    "width_mult": {"2.5"}, "expand_ratio": {"2.5"}, "seed": {"0", "None"},
    "intensity": {"2.5", "0"},
    "peak": {"2.5"}, "bandwidth": {"2.5"}, "weights": {"0", "2.5"}, "path": {"'x'"},
    "target": {"'x'"}, "reference": {"-1", "0", "2.5"}, "probability": {"0"},
    "epsilon": {"2.5"}, "sizes": {"[]"},
    # arithmetic_intensity's counts are floats (averages per image); 0 of one kind is fine
    "macs": {"0", "2.5"}, "input_values": {"0", "2.5"}, "output_values": {"0", "2.5"},
}
"""Values of :data:`BAD` that are in fact values of a parameter of this name."""

VALID_ANY = {("mobilenet_tutorial.glue.glue", "value"), ("mobilenet_tutorial.glue.glue", "name")}
"""Parameters that take any value (what is glued), or any name-like string."""

VALID_FOR: dict[str, set[str]] = {
    "checks.count": {"0"}, "checks.seed": {"0"}, "checks.probability": {"0"},
    "checks.non_negative_number": {"0", "2.5"}, "checks.positive_number": {"2.5"},
    "checks.file_path": {"'x'"}, "layers.divisible.make_divisible": {"2.5"},
}
"""Per function (after ``mobilenet_tutorial.``): values of its ``value`` that are valid."""

CHECK_NAME = "probe_argument"
"""The ``name`` the probe gives the argument checks; their messages must contain it."""

MEMORY_LIMIT = 6 * 2**30
"""Bytes of address space the probe may use: a bad size that asks for terabytes fails."""

BAD: dict[str, object] = {
    "None": None,
    "-1": -1,
    "0": 0,
    "2.5": 2.5,
    "'x'": "x",
    "nan": math.nan,
    "10**400": 10**400,
    "True": True,
    "[]": [],
}


def _model() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))


_CACHE: dict[str, object] = {}


def _cached(key: str, build: Callable[[], object]) -> Callable[[], object]:
    """A GOOD maker that builds once: Keras and MobileNetV2 take a second to build."""
    def make() -> object:
        if key not in _CACHE:
            _CACHE[key] = build()
        return _CACHE[key]
    return make


def _torch_v2() -> nn.Module:
    from mobilenet_tutorial.models import mobilenet_v2

    return mobilenet_v2(width_mult=0.35)


def _keras_v2() -> object:
    from mobilenet_tutorial.keras_port import keras

    return keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None,
                                          classifier_activation=None)


GOOD: dict[str, Callable[[], object]] = {
    "torch_model": _cached("torch", _torch_v2), "keras_model": _cached("keras", _keras_v2),
    "pixels": lambda: torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8),
    "epsilon": lambda: 1e-3,
    "model": _model, "module": _model, "backbone": _model, "reference": _model,
    "input_size": lambda: (1, 3, 16, 16), "example": lambda: torch.zeros(2, 3, 16, 16),
    "x": lambda: torch.zeros(1, 3, 16, 16), "images": lambda: torch.zeros(2, 3, 16, 16),
    "in_channels": lambda: 8, "out_channels": lambda: 16, "channels": lambda: 8,
    "kernel_size": lambda: 3, "height": lambda: 16, "size": lambda: 16, "stride": lambda: 1,
    "num_classes": lambda: 10, "width_mult": lambda: 1.0, "expand_ratio": lambda: 6,
    "n": lambda: 100, "sizes": lambda: [10, 5], "value": lambda: 8, "name": lambda: "x",
    "candidate": lambda: torch.randn(4, 10),
    "operations": lambda: 100, "macs": lambda: 1000, "input_values": lambda: 10,
    "output_values": lambda: 10, "weights": lambda: None, "bytes_per_value": lambda: 4,
    "peak": lambda: 1e9, "bandwidth": lambda: 1e9, "intensity": lambda: 2.0,
    "fn": lambda: (lambda: None), "calls": lambda: 2,
    "path": lambda: Path(tempfile.mkdtemp()) / "f",
    "target": lambda: Path(tempfile.mkdtemp()) / "f", "mean": lambda: (0.5, 0.5, 0.5),
    "std": lambda: (0.25, 0.25, 0.25), "seed": lambda: 0, "variant": lambda: "b0",
}


KERAS_MODEL_FUNCTIONS = ("keras_param_counts", "keras_layer_counts", "keras_batchnorm_values",
                         "keras_logits", "with_symmetric_padding", "with_batchnorm_epsilon")
"""Functions whose ``model`` is a Keras model."""


def _fill(signature: inspect.Signature, function_name: str = "") -> dict[str, object] | None:
    arguments: dict[str, object] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name == "model" and function_name in KERAS_MODEL_FUNCTIONS:
            arguments[name] = GOOD["keras_model"]()
        elif name == "weights" and function_name == "arithmetic_intensity":
            arguments[name] = 5  # a count of values here, not a builder's weights
        elif name == "x" and function_name == "keras_logits":
            arguments[name] = torch.zeros(1, 3, 32, 32)
        elif name in GOOD:
            arguments[name] = GOOD[name]()
        elif parameter.default is parameter.empty:
            return None  # a required argument we cannot fill
    return arguments


def _modes(arguments: dict[str, object]) -> list[tuple[nn.Module, list[bool]]]:
    return [(m, [s.training for s in m.modules()]) for m in arguments.values()
            if isinstance(m, nn.Module)]


def _is_check(qualified: str) -> bool:
    """Whether ``qualified`` is an argument check (``checks.*``, or a ``require_*``)."""
    return (qualified.startswith("mobilenet_tutorial.checks.")
            or qualified.rsplit(".", 1)[1].startswith("require_"))


def _outcome(function: Callable[..., object], arguments: dict[str, object], parameter: str,
             label: str, qualified: str) -> tuple[str, str]:
    """The outcome of one probe, and the error's message (``""`` if none)."""
    before = _modes(arguments)
    named = CHECK_NAME if _is_check(qualified) else parameter
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = function(**arguments)
            if hasattr(result, "__enter__") and hasattr(result, "__exit__"):
                with result:
                    pass
    except (ValueError, TypeError, FileNotFoundError) as error:
        text = str(error)
        is_path = parameter in ("path", "target", "folder", "root")
        if named in text or (is_path and str(arguments[parameter]) in text):
            return "clear", text[:200]
        if isinstance(error, FileNotFoundError):
            return "wrong type", text[:200]
        return "obscure", text[:200]
    except Exception as error:  # noqa: BLE001 - sorting every kind of failure is the point
        return "wrong type", f"{type(error).__name__}: {str(error)[:200]}"
    if any([s.training for s in m.modules()] != flags for m, flags in before):
        return "state", ""
    short = qualified.removeprefix("mobilenet_tutorial.")
    if (label in VALID.get(parameter, set()) or (qualified, parameter) in VALID_ANY
            or (parameter == "value" and label in VALID_FOR.get(short, set()))):
        return "valid", ""
    return "accepted", ""


def probe() -> tuple[Counter[str], list[dict[str, str]]]:
    """Run every probe; return the counts of outcomes and one row per probe."""
    package = importlib.import_module("mobilenet_tutorial")
    totals: Counter[str] = Counter()
    rows: list[dict[str, str]] = []
    for info in pkgutil.walk_packages(package.__path__, "mobilenet_tutorial."):
        if any(part in SKIP_MODULES for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        print(f"probing {info.name}", file=sys.stderr, flush=True)
        for name in getattr(module, "__all__", []):
            if name in SKIP_FUNCTIONS:
                continue
            function = getattr(module, name, None)
            if not (inspect.isfunction(function) or inspect.isclass(function)):
                continue
            if inspect.isclass(function) and issubclass(function, enum.Enum):
                continue  # weights enums: Enum's own lookup, by member name in practice
            if getattr(function, "__module__", "") != info.name:
                continue  # re-exported: probed where it is defined
            try:
                signature = inspect.signature(function)
            except (TypeError, ValueError):
                continue
            good = _fill(signature, name)
            if good is None:
                continue
            qualified = f"{info.name}.{name}"
            is_check = _is_check(qualified)
            for parameter in good:
                if is_check and parameter != "value":
                    continue  # a check's name and hint are the package's own strings
                for label, value in BAD.items():
                    if good[parameter] is None and value is None:
                        continue
                    arguments = {**_fill(signature, name), parameter: value}  # type: ignore[dict-item]
                    if is_check:
                        arguments["name"] = CHECK_NAME
                    outcome, message = _outcome(function, arguments, parameter, label, qualified)
                    totals[outcome] += 1
                    rows.append({"function": qualified, "parameter": parameter,
                                 "value": label, "outcome": outcome, "message": message})
    return totals, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write every probe's row to this file")
    args = parser.parse_args()
    # a probed function given 1 as a path would close this process's stdout: keep a copy
    out = os.fdopen(os.dup(1), "w")
    os.chdir(tempfile.mkdtemp())  # a path such as 'x' is written here, not in the project
    torch.manual_seed(0)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    totals, rows = probe()
    order = ("clear", "obscure", "wrong type", "accepted", "valid", "state")
    print(f"probes {sum(totals.values())}: " + ", ".join(f"{k} {totals[k]}" for k in order),
          file=out)
    functions = Counter(row["function"] for row in rows)
    print(f"functions probed: {len(functions)}", file=out, flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
