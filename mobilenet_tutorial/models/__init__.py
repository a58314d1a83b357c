"""The networks the course builds, one module per paper: its table, the network, the builder.

Every builder follows one contract (:mod:`.contract`): keyword arguments only,
``weights=None, progress=True, num_classes=1000, width_mult=1.0, **kwargs``.
The layers they are built from are in :mod:`mobilenet_tutorial.layers`.
"""

from .efficientnet import EfficientNet, efficientnet  # noqa: F401  (chapter 5)
from .efficientnet_lite import efficientnet_lite0  # noqa: F401  (chapter 5)
from .mobilenet_v1 import MobileNetV1, mobilenet_v1  # noqa: F401  (chapter 2)
from .mobilenet_v2 import MobileNetV2, mobilenet_v2  # noqa: F401  (chapter 3)
from .mobilenet_v3 import MobileNetV3, mobilenet_v3_large, mobilenet_v3_small  # noqa: F401

__all__ = ["MobileNetV1", "mobilenet_v1", "MobileNetV2", "mobilenet_v2", "MobileNetV3",
           "mobilenet_v3_large", "mobilenet_v3_small", "EfficientNet", "efficientnet",
           "efficientnet_lite0"]
