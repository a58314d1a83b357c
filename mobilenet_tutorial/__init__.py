"""mobilenet_tutorial: the helper package of the course *Efficient ConvNets: MobileNets in PyTorch*.

The names most chapters use are importable from the top level:

- :func:`count_params`, :func:`count_macs`, :func:`layer_table` (module :mod:`.profile`)
- :func:`is_quick`, :func:`pick` (module :mod:`.config`): quick mode for tests
- :func:`rounding_tolerance`, :func:`accumulation_length` (module :mod:`.tolerance`):
  how far two float results may differ by rounding alone

Other modules, one concept each: :mod:`.cost` (analytic convolution costs),
:mod:`.bench` (timing), :mod:`.data` (Fashion-MNIST), :mod:`.train` (training loop),
:mod:`.weights` (offline pretrained weights, checked, and the weights enums),
:mod:`.preprocessing` (what particular weights expect), :mod:`.photos` (real test photos),
:mod:`.layers` (the building blocks, one of each), :mod:`.models` (the networks, one module
per paper), :mod:`.architecture` (tables of a network's blocks and their memory),
:mod:`.checks` (argument checks with helpful messages), :mod:`.transfer`, :mod:`.transfer_data` and
:mod:`.features` (transfer learning), :mod:`.keras_counts` and :mod:`.porting` (PyTorch
and Keras), :mod:`.deploy`, :mod:`.roofline` and :mod:`.photo_views` (fast inference),
:mod:`.exercises` (exercise checks, one module per chapter).
"""

from .config import is_quick, pick
from .profile import count_macs, count_params, layer_table
from .tolerance import accumulation_length, rounding_tolerance

__all__ = ["count_params", "count_macs", "layer_table", "is_quick", "pick",
           "rounding_tolerance", "accumulation_length"]
__version__ = "0.1.0"
