"""Transfer learning (chapter 6): a pretrained MobileNetV2 with a new head, and cached features.

- :mod:`.classifier`: the pretrained network with a new last layer, split, frozen or
  fine-tuned, trained in rounds of a fixed number of images, saved and loaded;
- :mod:`.features`: a frozen backbone's outputs, computed once and cached on disk.

The names of :mod:`.classifier` are importable from this package too, as they were from
the old module ``mobilenet_tutorial.transfer``.
"""

from . import classifier, features
from .classifier import *  # noqa: F403  (the old module's names)
from .features import *  # noqa: F403

__all__ = list(classifier.__all__) + list(features.__all__)
