"""Old home of TensorFlow's "same" padding, now :mod:`mobilenet_tutorial.layers.padding`.

``from mobilenet_tutorial.models.tf_padding import same_padding, Conv2dSame`` still works.
"""

from ..layers.padding import Conv2dSame, same_padding  # noqa: F401
