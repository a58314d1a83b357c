"""Tests of mobilenet_tutorial.tolerance: exact values, bad input, and the bound at work."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

import mobilenet_tutorial
from mobilenet_tutorial.measure.tolerance import (
    BATCHNORM_ROUNDINGS,
    accumulation_length,
    rounding_tolerance,
)


def test_tolerance_is_operations_times_eps_times_the_largest_magnitude():
    reference = torch.tensor([[0.5, -4.0], [3.0, 1.0]])
    assert rounding_tolerance(reference, 3) == 3 * 2.0**-23 * 4.0
    assert rounding_tolerance(reference.double(), 3) == 3 * 2.0**-52 * 4.0
    assert rounding_tolerance(reference.double(), 1, dtype=torch.float32) == 2.0**-23 * 4.0
    assert rounding_tolerance(torch.tensor([1.0], dtype=torch.bfloat16), 2) == 2 * 2.0**-7
    assert rounding_tolerance(0.25, 8) == 8 * 2.0**-52 * 0.25  # a number: float64
    assert rounding_tolerance(torch.tensor([2, -6]), 1, dtype=torch.float64) == 6 * 2.0**-52
    assert rounding_tolerance(torch.zeros(3), 5) == 0.0  # zeros are computed exactly


def test_tolerance_refuses_bad_input():
    ones = torch.ones(2)
    for operations in (0, -3, 2.0, True, "4", None):
        with pytest.raises(ValueError, match="positive integer"):
            rounding_tolerance(ones, operations)
    with pytest.raises(ValueError, match="empty"):
        rounding_tolerance(torch.zeros(0), 1)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite"):
            rounding_tolerance(torch.tensor([1.0, bad]), 1)
    with pytest.raises(ValueError, match="finite"):
        rounding_tolerance(torch.ones(2, dtype=torch.complex64), 1, dtype=torch.float32)
    with pytest.raises(ValueError, match="floating-point dtype"):
        rounding_tolerance(torch.tensor([1, 2]), 1)
    with pytest.raises(ValueError, match="floating-point dtype"):
        rounding_tolerance(ones, 1, dtype=torch.int32)


def test_the_bound_holds_for_reordered_sums_and_catches_a_changed_term():
    """One dot product of 4096 terms, summed in three orders: all within the tolerance."""
    generator = torch.Generator().manual_seed(0)
    x, y = torch.rand(4096, generator=generator), torch.rand(4096, generator=generator)
    exact = torch.dot(x.double(), y.double())
    tolerance = rounding_tolerance(exact, x.numel(), dtype=torch.float32)
    in_order = torch.zeros((), dtype=torch.float32)
    for product in (x * y).tolist():  # sequential, the worst order for rounding
        in_order += product
    for result in (torch.dot(x, y), (x * y).flip(0).sum(), in_order):
        assert abs(result.double() - exact) <= tolerance
    assert abs(in_order.double() - exact) > 0  # the orders do round differently
    assert tolerance < 1e-3 * abs(exact)  # so an error of one part in a thousand is caught
    assert abs(torch.dot(1.001 * x, y).double() - exact) > tolerance


def test_accumulation_length_sums_the_fan_ins():
    model = nn.Sequential(nn.Conv2d(4, 8, 3, groups=2), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv1d(8, 8, 5), nn.Flatten(), nn.Linear(8, 10))
    assert accumulation_length(model) == 2 * 3 * 3 + 8 * 5 + 8 + BATCHNORM_ROUNDINGS
    assert BATCHNORM_ROUNDINGS == 8
    assert accumulation_length(nn.Linear(7, 2)) == 7
    assert accumulation_length(torchvision.models.mobilenet_v2()) == 10_100 + 52 * 8
    with pytest.raises(ValueError, match="no convolution or linear"):
        accumulation_length(nn.Sequential(nn.ReLU(), nn.BatchNorm2d(3)))
    with pytest.raises(TypeError, match="nn.Module"):
        accumulation_length("model")


def test_exported_from_the_top_level():
    assert mobilenet_tutorial.rounding_tolerance is rounding_tolerance
    assert mobilenet_tutorial.accumulation_length is accumulation_length


@pytest.mark.parametrize(("reference", "error", "match"), [
    (None, TypeError, "reference must be a tensor or a number, got NoneType"),
    ("x", TypeError, "got str"),
    (True, TypeError, "got a bool"),
    (10**400, ValueError, "beyond float64's range"),
])
def test_references_that_are_not_numbers_are_named(reference, error, match):
    with pytest.raises(error, match=match):
        rounding_tolerance(reference, 10)
