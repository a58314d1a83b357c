"""The one builder contract that every network's builder follows.

Every builder (:func:`~.mobilenet_v1.mobilenet_v1`, :func:`~.mobilenet_v2.mobilenet_v2`,
:func:`~.mobilenet_v3.mobilenet_v3_large`, :func:`~.mobilenet_v3.mobilenet_v3_small`,
:func:`~.efficientnet.efficientnet`, :func:`~.efficientnet_lite.efficientnet_lite0`) is
called with keywords only::

    builder(*, weights=None, progress=True, num_classes=1000, width_mult=1.0, **kwargs)

(``efficientnet`` takes ``variant=`` too), and checks them with :func:`check_builder_arguments`:

- ``num_classes`` a positive integer, ``width_mult`` a positive number;
- ``weights`` ``None``, a member of the model's weights enum
  (:mod:`mobilenet_tutorial.weights.catalog`) or its name (``"IMAGENET1K_V1"``);
- with weights, ``num_classes=1000`` and ``width_mult=1.0``: the weights have the
  ImageNet classifier, and the message says how to replace it afterwards.

Other keyword arguments go to the network's class.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from .. import checks
from ..checks import positive_int, positive_number
from ..weights.catalog import WeightsEnum

__all__ = ["check_builder_arguments"]


def check_builder_arguments(builder: str, *, weights: object, num_classes: object,
                            width_mult: object, weights_enum: type[WeightsEnum] | None = None,
                            head: str = "classifier[1]",
                            aliases: Mapping[str, str] | None = None) -> WeightsEnum | None:
    """Check a builder's common arguments; return the weights member, or ``None``.

    Args:
        builder: the builder's name, for the messages.
        weights, num_classes, width_mult: as the builder received them.
        weights_enum: the model's weights enum; ``None`` if the model has no weights.
        head: the last layer, for the message that says how to replace it.
        aliases: deprecated weight names and the names they stand for (a warning is given).

    Raises:
        ValueError: naming the bad argument and saying what to pass instead.
    """
    positive_int("num_classes", num_classes, "1000 for ImageNet, 10 for Fashion-MNIST")
    positive_number("width_mult", width_mult, "such as 1.0, 0.75, 0.5 or 0.25")
    if weights is None:
        return None
    names = [] if weights_enum is None else [member.name for member in weights_enum]
    if weights_enum is None:
        raise ValueError(f"unknown weights {checks.shown(weights)}: {builder} has no "
                         "pretrained weights in this package (none reach it offline); weights "
                         "must be None")
    if isinstance(weights, weights_enum):
        member = weights
    else:
        name = getattr(weights, "name", weights)  # torchvision's enum members too
        if not isinstance(name, str):
            raise TypeError(f"weights must be None, a name such as {names[0]!r} or "
                            f"{weights_enum.__name__}.{names[0]}, got {checks.shown(weights)}")
        if aliases and name in aliases:
            warnings.warn(f"{builder}(weights={name!r}) is deprecated: use "
                          f"weights={aliases[name]!r}", DeprecationWarning, stacklevel=3)
            name = aliases[name]
        if name not in names:
            raise ValueError(f"unknown weights {checks.shown(weights)} for {builder}: weights "
                             f"must be None or one of {', '.join(map(repr, names))} (or "
                             f"{weights_enum.__name__}.<name>)")
        member = weights_enum[name]
    if num_classes != 1000:
        raise ValueError(f"{member.name} weights have 1000 ImageNet classes, but num_classes="
                         f"{num_classes}; build with num_classes=1000 and replace the last "
                         f"layer afterwards: model.{head} = nn.Linear(model.{head}"
                         f".in_features, {num_classes})")
    if width_mult != 1.0:
        raise ValueError(f"{member.name} weights exist only for width_mult=1.0, got "
                         f"width_mult={width_mult}")
    return member
