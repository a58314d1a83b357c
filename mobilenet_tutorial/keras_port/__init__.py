"""PyTorch and Keras side by side (chapter 7): count a network both ways, then port it.

- :mod:`.backend`: Keras, imported once with the PyTorch backend unless another was chosen;
- :mod:`.counts`: parameters, layers and BatchNorm values as each framework counts them;
- :mod:`.pairing`: pair the layers of a network and its Keras twin, copy the weights;
- :mod:`.divergences`: the padding and BatchNorm-epsilon differences, and their fixes;
- :mod:`.comparison`: the input layout, and :class:`PortComparison`, which measures the
  logits as the fixes are applied.

The preprocessing each framework's weights expect is in
:mod:`mobilenet_tutorial.data.transforms`; the logit comparison is
:func:`~mobilenet_tutorial.measure.agreement.logit_agreement` (here also under its old
name ``agreement``).  Everything the old module ``mobilenet_tutorial.porting`` held is
importable from this package.
"""

from ..data.transforms import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    crop_photos,
    imagenet_normalize,
    unit_range,
)
from ..measure.agreement import logit_agreement
from .backend import backend_name, keras
from .comparison import DIVERGENCES, PortComparison, keras_logits, to_channels_last
from .divergences import (
    batchnorm_epsilon,
    strided_padding_table,
    with_batchnorm_epsilon,
    with_symmetric_padding,
)
from .pairing import (
    LayerPair,
    architecture_table,
    copy_weights,
    paired_layers,
    torch_to_keras_arrays,
)

agreement = logit_agreement
"""Old name of :func:`~mobilenet_tutorial.measure.agreement.logit_agreement`."""

__all__ = ["keras", "backend_name", "IMAGENET_MEAN", "IMAGENET_STD", "DIVERGENCES",
           "LayerPair", "paired_layers", "architecture_table", "torch_to_keras_arrays",
           "copy_weights", "strided_padding_table", "with_symmetric_padding",
           "with_batchnorm_epsilon", "batchnorm_epsilon", "crop_photos",
           "imagenet_normalize", "unit_range", "to_channels_last", "keras_logits",
           "logit_agreement", "agreement", "PortComparison"]
