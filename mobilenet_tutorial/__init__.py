"""mobilenet_tutorial: the helper package of the course *Efficient ConvNets: MobileNets in PyTorch*.

The names most chapters use are importable from the top level:

- :func:`count_params`, :func:`count_macs`, :func:`layer_table` (from
  :mod:`.measure.counting`)
- :func:`is_quick`, :func:`pick` (module :mod:`.config`): quick mode for tests
- :func:`rounding_tolerance`, :func:`accumulation_length` (from :mod:`.measure.tolerance`):
  how far two float results may differ by rounding alone

The folders, one concept each: :mod:`.layers` (the building blocks, one of each),
:mod:`.models` (the networks, one module per paper), :mod:`.weights` (offline pretrained
weights, checked, and the weights enums), :mod:`.measure` (counting, analytic cost,
timing, roofline, tolerance, agreement), :mod:`.data` (datasets, every preprocessing,
photos), :mod:`.transfer` (transfer learning), :mod:`.keras_port` (PyTorch and Keras),
:mod:`.deploy` (BatchNorm folding, ONNX, int8) and :mod:`.exercises` (exercise checks,
one module per chapter).  Five modules stand alone: :mod:`.config` (quick mode),
:mod:`.checks` (argument checks with helpful messages), :mod:`.storage` (atomic, checked
files), :mod:`.modes` (eval mode for a while, every submodule restored) and :mod:`.train`
(the training loop).  Modules that moved keep their old
import paths (see :mod:`._moved`).
"""

from typing import Any

from . import _moved
from .config import is_quick, pick
from .measure.counting import count_macs, count_params, layer_table
from .measure.tolerance import accumulation_length, rounding_tolerance

_moved.install()

__all__ = ["count_params", "count_macs", "layer_table", "is_quick", "pick",
           "rounding_tolerance", "accumulation_length"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``mobilenet_tutorial.bench`` and other old module names, looked up lazily."""
    if name in _moved.MOVED:
        return _moved.moved_module(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
