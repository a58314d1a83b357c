"""Tests of the shared argument checks (mobilenet_tutorial.checks)."""

from __future__ import annotations

import pytest

from mobilenet_tutorial import checks
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


@pytest.mark.parametrize("bad", [1, 0, True, None, 2.5, b"file", ""])
def test_file_path_refuses_what_is_not_a_path(bad):
    with pytest.raises(TypeError, match="weights_file must be the path of a file"):
        checks.file_path("weights_file", bad)


def test_file_path_takes_str_and_pathlike(tmp_path):
    assert checks.file_path("p", str(tmp_path / "a")) == tmp_path / "a"
    assert checks.file_path("p", tmp_path) == tmp_path


def test_an_integer_path_never_closes_a_file_descriptor():
    import os

    from mobilenet_tutorial.weights.files import sha256_of

    read, write = os.pipe()
    try:
        with pytest.raises(TypeError, match="path of a file"):
            sha256_of(read)
        os.write(write, b"still open")  # the descriptor was not closed by the refusal
        assert os.read(read, 10) == b"still open"
    finally:
        os.close(read)
        os.close(write)


def test_huge_integers_are_not_finite_numbers():
    with pytest.raises(ValueError, match="width_mult must be a positive number"):
        positive_number("width_mult", 10**400)


@pytest.mark.parametrize("bad", [-1, 2.5, True, 2**64, "0", None])
def test_seed_must_be_a_whole_number_in_range(bad):
    with pytest.raises(ValueError, match="seed must be a whole number from 0"):
        checks.seed("seed", bad)


def test_module_names_the_argument():
    with pytest.raises(TypeError, match="backbone must be a torch.nn.Module"):
        checks.module("backbone", "resnet")


def test_positive_int_has_an_upper_bound():
    assert positive_int("channels", checks.LARGEST_INT) == 2**31 - 1
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        positive_int("channels", 10**400)
