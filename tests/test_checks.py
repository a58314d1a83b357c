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
    with pytest.raises(ValueError, match="width_mult must be a positive number \\(such as 1.0"):
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


def test_shown_cuts_a_huge_value_and_survives_a_broken_repr():
    assert checks.shown(3) == "3" and checks.shown("x") == "'x'"
    text = checks.shown(10**400)
    assert len(text) == 60 and text.startswith("1000") and text.endswith("...00")

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert checks.shown(Broken()) == "<Broken>"


def test_non_negative_number():
    assert checks.non_negative_number("weights", 0) == 0
    assert checks.non_negative_number("weights", 2.5) == 2.5
    for bad in (-1, float("nan"), float("inf"), 10**400, True, None, "1"):
        with pytest.raises(ValueError, match=r"^weights must be a number of at least 0 \("):
            checks.non_negative_number("weights", bad)


def test_size_returns_a_tuple_of_ints():
    import torch

    assert checks.size("input_size", [1, 3, 8, 8]) == (1, 3, 8, 8)
    assert checks.size("input_size", torch.Size([2, 3])) == (2, 3)
    assert checks.size("kernel", (3, 3), length=2) == (3, 3)


@pytest.mark.parametrize("bad", [[], (), "abc", None, 3, (1, 0), (1, 2.5), (1, True),
                                 (1, 10**400), {1, 2}, (1, None)])
def test_size_refuses_what_is_not_a_size(bad):
    with pytest.raises(ValueError, match=r"^input_size must be a tuple of positive integers "
                                         r"\(such as \(1, 3, 224, 224\)\), got "):
        checks.size("input_size", bad)


def test_size_of_the_wrong_length_says_how_many():
    with pytest.raises(ValueError, match=r"^kernel must be a tuple of 2 positive integers"):
        checks.size("kernel", (3, 3, 3), length=2)


def test_number_tuple():
    assert checks.number_tuple("mean", [0, 0.5, 1], 3) == (0.0, 0.5, 1.0)
    assert checks.number_tuple("std", (1, 2, 3), 3, positive=True) == (1.0, 2.0, 3.0)
    for bad in (None, (0.5, 0.5), (0.5, 0.5, float("nan")), (0.5, 0.5, True), "abc",
                (0.5, 0.5, 10**400)):
        with pytest.raises(ValueError, match=r"^mean must be a tuple of 3 finite numbers"):
            checks.number_tuple("mean", bad, 3)
    with pytest.raises(ValueError, match=r"^std must be a tuple of 3 positive numbers"):
        checks.number_tuple("std", (1, 0, 1), 3, positive=True)


def test_numpy_numbers_count_and_come_back_as_python_numbers():
    import numpy as np

    assert checks.positive_int("calls", np.int64(3)) == 3
    assert type(checks.positive_int("calls", np.int64(3))) is int
    assert checks.count("n", np.int32(0)) == 0 and checks.seed("seed", np.uint8(7)) == 7
    assert checks.positive_number("peak", np.float32(2.5)) == 2.5
    assert checks.non_negative_number("weights", np.int64(0)) == 0
    for bad in (np.bool_(True), np.float64("nan"), np.int64(-1)):
        with pytest.raises(ValueError, match="calls must be a positive integer"):
            checks.positive_int("calls", bad)
