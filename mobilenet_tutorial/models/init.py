"""Old home of the weight initialisation, now :mod:`mobilenet_tutorial.layers.initialisation`.

``from mobilenet_tutorial.models.init import init_weights_`` still works.
"""

from ..layers.initialisation import init_weights_  # noqa: F401
