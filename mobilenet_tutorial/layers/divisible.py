"""Channel rounding: :func:`make_divisible`, the rule every MobileNet and EfficientNet uses."""

from __future__ import annotations

from ..checks import positive_int, positive_number

__all__ = ["make_divisible"]


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to the nearest multiple of ``divisor``, never more than 10% down.

    This is the rule of the TensorFlow MobileNet code that torchvision copies (channel
    counts that are multiples of 8 run well on hardware): ``make_divisible(37.5) == 40``,
    ``make_divisible(12) == 16``, ``make_divisible(10) == 16`` (8 would lose 20%).

    Args:
        value: the channel count before rounding (e.g. ``32 * width_mult``).
        divisor: the multiple to round to.
        min_value: the smallest result; ``divisor`` by default.
    """
    positive_number("value", value, "a channel count, such as 32 * width_mult")
    positive_int("divisor", divisor, "8 for MobileNets and EfficientNets")
    min_value = divisor if min_value is None else positive_int("min_value", min_value,
                                                               "None for the divisor")
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:  # rounding down removed more than 10%: go up one step
        rounded += divisor
    return rounded
