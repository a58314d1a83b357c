"""The networks the course builds, one module per family."""

from .efficientnet import efficientnet  # noqa: E402,F401  (chapter 5)
from .efficientnet_lite import efficientnet_lite0  # noqa: E402,F401  (chapter 5)
from .mobilenet_v1 import MobileNetV1, mobilenet_v1  # noqa: E402,F401  (chapter 2)
from .mobilenet_v2 import MobileNetV2, mobilenet_v2  # noqa: E402,F401  (chapter 3)
from .mobilenet_v3 import mobilenet_v3_large, mobilenet_v3_small  # noqa: E402,F401  (chapter 4)
