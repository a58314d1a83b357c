"""Property-based tests (hypothesis): the rules hold for every shape, and bad input never crashes.

Each property is checked on many generated cases, always with the same derandomized
examples, so that a run on any machine tests the same inputs.
"""

from __future__ import annotations

import contextlib
import io
import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from mobilenet_tutorial import count_macs, count_params
from mobilenet_tutorial.exercises import ch01, ch04, ch05
from mobilenet_tutorial.exercises.core import as_number, as_numbers
from mobilenet_tutorial.layers import make_divisible, same_padding
from mobilenet_tutorial.measure import cost
from mobilenet_tutorial.measure.agreement import logit_agreement

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# Anything a student might type into an exercise cell.
ANSWERS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5) | st.complex_numbers(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=8,
)


@SETTINGS
@given(c_in=st.integers(1, 6), c_out=st.integers(1, 6), k=st.integers(1, 5),
       stride=st.integers(1, 3), padding=st.integers(0, 2), size=st.integers(5, 12),
       depthwise=st.booleans())
def test_analytic_cost_equals_the_cost_of_a_real_convolution(c_in, c_out, k, stride, padding,
                                                             size, depthwise):
    groups = c_in if depthwise else 1
    c_out = c_in * c_out if depthwise else c_out
    conv = nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, groups=groups, bias=False)
    analytic = cost.conv2d_cost(c_in, c_out, k, size, stride=stride, padding=padding,
                                groups=groups)
    assert analytic.params == count_params(conv)
    assert analytic.macs == count_macs(conv, (1, c_in, size, size))
    with torch.no_grad():
        out = conv(torch.zeros(1, c_in, size, size))
    assert (analytic.out_h, analytic.out_w) == tuple(out.shape[-2:])


@SETTINGS
@given(size=st.integers(1, 300), k=st.integers(1, 9), stride=st.integers(1, 4))
def test_same_padding_gives_ceil_size_over_stride(size, k, stride):
    before, after = same_padding(size, k, stride)
    assert 0 <= after - before <= 1  # the extra pixel, if any, goes after
    out = (size + before + after - k) // stride + 1
    assert out == math.ceil(size / stride)


@SETTINGS
@given(value=st.integers(1, 10_000), divisor=st.sampled_from([1, 2, 4, 8, 16]))
def test_make_divisible_rounds_to_a_multiple_and_never_loses_a_tenth(value, divisor):
    rounded = make_divisible(value, divisor)
    assert rounded % divisor == 0 and rounded >= divisor
    assert rounded >= 0.9 * value


@SETTINGS
@given(n=st.integers(1, 6), classes=st.integers(5, 12), seed=st.integers(0, 2**31))
def test_logit_agreement_of_logits_with_themselves_is_perfect(n, classes, seed):
    logits = torch.randn(n, classes, generator=torch.Generator().manual_seed(seed))
    shuffled = logits[:, torch.randperm(classes, generator=torch.Generator().manual_seed(1))]
    result = logit_agreement(logits, logits.clone())
    assert result["max_abs_diff"] == 0.0 and result["top1_agreement"] == 1.0
    assert result["top5_overlap"] == 1.0 and result["same_top5"] == 1.0
    other = logit_agreement(logits, shuffled)
    assert 0.0 <= other["top1_agreement"] <= 1.0 and 0.0 <= other["top5_overlap"] <= 1.0
    assert other["same_top5"] <= other["top1_agreement"]


@SETTINGS
@given(answer=ANSWERS)
def test_answer_parsing_never_crashes(answer):
    number = as_number(answer)
    assert number is None or (isinstance(number, float) and math.isfinite(number))
    numbers = as_numbers(answer)
    assert numbers is None or all(math.isfinite(v) for v in numbers)


@pytest.mark.parametrize("check", [ch01.check_conv_params, ch04.check_se_params,
                                   ch04.check_hardswish_minimum, ch05.check_same_padding])
@SETTINGS
@given(answer=ANSWERS)
def test_checks_answer_anything_with_true_or_false(check, answer):
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        verdict = check(answer)
    out = printed.getvalue()
    assert verdict in (True, False) and out.count("\n") == 1
    assert out.startswith("✅" if verdict else "❌")
