"""Unit tests of mobilenet_tutorial.cost: exact analytic costs, and errors on bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from mobilenet_tutorial import rounding_tolerance
from mobilenet_tutorial.measure import cost


def test_output_size_follows_pytorchs_formula():
    assert cost.conv_output_size(224, 3, stride=2, padding=1) == 112
    assert cost.conv_output_size(14, 3, stride=1, padding=1) == 14
    assert cost.conv_output_size(7, 3, dilation=2) == 3  # reach 5: positions 0, 1, 2
    assert cost.conv_output_size(10, 1, stride=3) == 4  # 0, 3, 6, 9


def test_paper_table_3_layer():
    # MobileNetV1 paper, Table 3: a 14x14x512 layer, 3x3 kernel, 512 output channels.
    full = cost.conv2d_cost(512, 512, 3, 14, padding=1)
    assert (full.params, full.macs, full.out_h, full.out_w) == (2_359_296, 462_422_016, 14, 14)
    separable = cost.depthwise_separable_cost(512, 512, 3, 14)
    assert (separable.params, separable.macs) == (266_752, 52_283_392)
    assert (separable.out_h, separable.out_w) == (14, 14)


def test_bias_adds_parameters_but_no_macs():
    without = cost.conv2d_cost(16, 32, 3, 8, padding=1)
    with_bias = cost.conv2d_cost(16, 32, 3, 8, padding=1, bias=True)
    assert with_bias.params - without.params == 32
    assert with_bias.macs == without.macs == 3 * 3 * 16 * 32 * 8 * 8


def test_grouped_rectangular_strided_convolution():
    # groups=4: each output channel sees 8 / 4 = 2 input channels through a 1x3 kernel.
    c = cost.conv2d_cost(8, 16, (1, 3), 10, 12, stride=(1, 2), padding=(0, 1), groups=4)
    assert (c.out_h, c.out_w) == (10, 6)
    assert c.params == 16 * 1 * 3 * 2
    assert c.macs == 16 * 10 * 6 * (1 * 3 * 2)


def test_depthwise_and_pointwise_parts():
    dw = cost.depthwise_cost(32, 5, 20, stride=2)  # padding defaults to 2
    assert (dw.params, dw.out_h, dw.macs) == (32 * 25, 10, 32 * 25 * 10 * 10)
    pw = cost.pointwise_cost(32, 64, 10, bias=True)
    assert (pw.params, pw.macs) == (32 * 64 + 64, 32 * 64 * 100)
    both = cost.depthwise_separable_cost(32, 64, 5, 20, stride=2)
    assert both.params == dw.params + 32 * 64
    assert both.macs == dw.macs + pw.macs


@pytest.mark.parametrize(("n", "k"), [(1, 1), (32, 3), (512, 3), (64, 5), (1024, 7)])
def test_separable_ratio_is_one_over_n_plus_one_over_k_squared(n: int, k: int):
    ratio = cost.separable_ratio(n, k)
    assert ratio == 1 / n + 1 / k**2  # the same expression, the same roundings
    standard = cost.conv2d_cost(48, n, k, 9, padding=k // 2)
    separable = cost.depthwise_separable_cost(48, n, k, 9)
    # a quotient of two integers (one rounding) against the formula (three): four in all
    tolerance = rounding_tolerance(ratio, 4)
    assert abs(separable.macs / standard.macs - ratio) <= tolerance
    assert abs(separable.params / standard.params - ratio) <= tolerance


@settings(max_examples=60, deadline=None)
@given(
    groups=st.integers(1, 4), per_group_in=st.integers(1, 4), per_group_out=st.integers(1, 4),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)), bias=st.booleans(),
)
def test_params_match_nn_conv2d(groups, per_group_in, per_group_out, kernel, bias):
    layer = nn.Conv2d(groups * per_group_in, groups * per_group_out, kernel, groups=groups,
                      bias=bias)
    c = cost.conv2d_cost(groups * per_group_in, groups * per_group_out, kernel, 8,
                         padding=2, groups=groups, bias=bias)
    assert c.params == sum(p.numel() for p in layer.parameters())


def test_groups_that_do_not_divide_the_channels_are_rejected():
    with pytest.raises(ValueError, match="groups=3"):
        cost.conv2d_cost(8, 12, 3, 10, groups=3)
    with pytest.raises(ValueError, match="groups=4"):
        cost.conv2d_cost(8, 6, 3, 10, groups=4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"in_channels": 0}, "in_channels must be a positive integer"),
        ({"out_channels": -2}, "out_channels must be a positive integer"),
        ({"height": 2.5}, "height must be a positive integer"),
        ({"groups": 0}, "groups must be a positive integer"),
        ({"in_channels": True}, "in_channels must be a positive integer"),
        ({"stride": 0}, "stride must be a positive integer"),
        ({"kernel_size": 0}, "kernel_size must be a positive integer"),
        ({"dilation": 0}, "dilation must be a positive integer"),
        ({"padding": -1}, "padding must be an integer of at least 0"),
        # nothing is truncated: a kernel of 2.5 or a stride of 1.5 is refused
        ({"kernel_size": 2.5}, "kernel_size must be a positive integer up to 2147483647, got 2.5"),
        ({"stride": (1.5, 1)}, "stride must be a positive integer up to 2147483647, got 1.5"),
        ({"padding": 0.5}, "padding must be an integer of at least 0 up to 2147483647, got 0.5"),
        ({"kernel_size": 10**400}, r"kernel_size must be a positive integer up to 2147483647, "
                                   r"got 10000.*\.\.\.00"),
        ({"kernel_size": (3, 3, 3)}, "kernel_size must be an int or a pair"),
        ({"kernel_size": 11}, "smaller than the kernel's reach 11"),
    ],
)
def test_bad_sizes_are_rejected_with_the_name_of_the_culprit(kwargs: dict, message: str):
    args = {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "height": 10}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        cost.conv2d_cost(**args)


def test_separable_ratio_rejects_non_positive_sizes():
    with pytest.raises(ValueError, match="out_channels"):
        cost.separable_ratio(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        cost.separable_ratio(32, -1)


def test_depthwise_cost_pads_each_side_of_a_rectangular_kernel_and_names_a_missing_one():
    from mobilenet_tutorial.measure.cost import depthwise_cost

    rect = depthwise_cost(8, (3, 5), 16)
    assert (rect.params, rect.macs, rect.out_h, rect.out_w) == (120, 30720, 16, 16)
    with pytest.raises(ValueError, match="kernel_size must be a positive integer"):
        depthwise_cost(8, None, 16)
