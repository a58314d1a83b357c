"""Tests of the shared argument checks (mobilenet_tutorial.checks)."""

from __future__ import annotations

import pytest

from mobilenet_tutorial.checks import one_of, positive_int, positive_number, probability


def test_good_values_are_returned():
    assert positive_int("n", 3) == 3 and positive_number("w", 0.5) == 0.5
    assert probability("p", 0.0) == 0.0 and one_of("mode", "a", ("a", "b")) == "a"


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3", None])
def test_positive_int_names_the_argument_and_the_fix(bad):
    with pytest.raises(ValueError, match=r"^num_classes must be a positive integer "
                                         r"\(1000 for ImageNet\), got "):
        positive_int("num_classes", bad, "1000 for ImageNet")


@pytest.mark.parametrize("bad", [0, -0.5, float("inf"), float("nan"), True, "1.0"])
def test_positive_number_rejects(bad):
    with pytest.raises(ValueError, match="width_mult must be a positive number such as 1.0"):
        positive_number("width_mult", bad, "such as 1.0")


@pytest.mark.parametrize("bad", [1.0, -0.1, True, "0.1"])
def test_probability_rejects(bad):
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        probability("dropout", bad)


def test_one_of_lists_the_choices():
    with pytest.raises(ValueError, match="padding must be one of 'symmetric', 'tf_same', got 'x'"):
        one_of("padding", "x", ("symmetric", "tf_same"))
