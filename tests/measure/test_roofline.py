"""Unit tests of mobilenet_tutorial.roofline: exact bytes and MACs, the roof, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from mobilenet_tutorial import count_macs, rounding_tolerance
from mobilenet_tutorial.measure import roofline


def test_roof_is_the_lower_of_the_two_ceilings():
    intensity = np.array([0.5, 2.0, 10.0])
    np.testing.assert_array_equal(roofline.roof(intensity, peak=100.0, bandwidth=20.0),
                                  [10.0, 40.0, 100.0])
    assert roofline.ridge_point(100.0, 20.0) == 5.0
    with pytest.raises(ValueError, match="positive"):
        roofline.ridge_point(0.0, 1.0)


def test_layer_timings_counts_macs_and_bytes_exactly():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False),            # full 3x3
        nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),  # depthwise 3x3
        nn.Conv2d(8, 16, 1),                                  # pointwise, with bias
        nn.Flatten(), nn.Linear(16 * 10 * 10, 5),
    )
    table = roofline.layer_timings(model, (2, 3, 10, 10), threads=1, min_run_time=0.001)
    assert table["kind"].tolist() == ["conv 3x3", "depthwise 3x3", "pointwise 1x1", "linear"]
    assert table["macs"].sum() == count_macs(model, (2, 3, 10, 10))
    hw = 2 * 10 * 10  # batch times positions
    assert table["macs"].tolist() == [hw * 8 * 27, hw * 8 * 9, hw * 16 * 8, 2 * 5 * 1600]
    expected_bytes = [
        4 * (hw * 3 + hw * 8 + 8 * 27),
        4 * (hw * 8 + hw * 8 + 8 * 9),
        4 * (hw * 8 + hw * 16 + 16 * 8 + 16),
        4 * (2 * 1600 + 2 * 5 + 5 * 1600 + 5),
    ]
    assert table["bytes"].tolist() == expected_bytes
    assert table["weight_bytes"].tolist() == [4 * 8 * 27, 4 * 8 * 9, 4 * (16 * 8 + 16),
                                              4 * (5 * 1600 + 5)]
    assert table["output_shape"].tolist() == [(2, 8, 10, 10), (2, 8, 10, 10), (2, 16, 10, 10),
                                              (2, 5)]
    costs = roofline.layer_costs(model, (2, 3, 10, 10))
    assert costs.columns.tolist() == ["name", "kind", "output_shape", "macs", "bytes",
                                      "weight_bytes", "intensity"]
    assert costs["bytes"].tolist() == expected_bytes
    np.testing.assert_array_equal(table["intensity"], table["macs"] / table["bytes"])  # same /
    assert (table["seconds"] > 0).all()
    np.testing.assert_array_equal(table["macs_per_s"], table["macs"] / table["seconds"])


def test_layer_timings_restores_the_mode_and_refuses_models_without_layers():
    model = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Dropout()).train()
    roofline.layer_timings(model, (1, 1, 4, 4), threads=1, min_run_time=0.001)
    assert model.training
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        roofline.layer_timings(nn.ReLU(), (1, 1, 2, 2))
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        roofline.layer_costs(nn.ReLU(), (1, 1, 2, 2))


def test_by_kind_sums_and_divides_sums():
    import pandas as pd

    layers = pd.DataFrame({"kind": ["a", "b", "a"], "macs": [10, 30, 30],
                           "bytes": [10, 10, 30], "seconds": [1.0, 3.0, 1.0]})
    table = roofline.by_kind(layers)
    assert table.index.tolist() == ["b", "a"]  # sorted by time
    assert table.loc["a", "macs"] == 40 and table.loc["a", "layers"] == 2
    assert table.loc["a", "intensity"] == 1.0 and table.loc["a", "macs_per_s"] == 20.0
    assert table.loc["b", "time_share"] == 60.0
    # each share rounds twice (100 * macs / total), the sum once per term
    assert abs(table["mac_share"].sum() - 100.0) <= rounding_tolerance(100.0, len(table) + 2)
    with pytest.raises(ValueError, match="missing"):
        roofline.by_kind(layers.drop(columns="seconds"))


def test_peak_and_bandwidth_are_positive_and_plausible():
    peak = roofline.peak_matmul_rate(size=128, threads=1, min_run_time=0.01)
    bandwidth = roofline.copy_bandwidth(megabytes=4, threads=1, min_run_time=0.01)
    assert 1e7 < peak < 1e13  # MACs per second of one core: between 10 M and 10 T
    assert 1e7 < bandwidth < 1e13
    assert torch.get_num_threads() >= 1
    with pytest.raises(ValueError, match="size"):
        roofline.peak_matmul_rate(size=0)
    with pytest.raises(ValueError, match="megabytes"):
        roofline.copy_bandwidth(megabytes=0)


def test_arithmetic_intensity_is_exact():
    # a 3x3 depthwise layer on 8 x 4 x 4: 9 * 128 MACs over (128 + 128 + 72) * 4 bytes
    assert roofline.arithmetic_intensity(9 * 128, 128, 128, 72) == 1152 / 1312
    # a batch of 4 moves the weights once
    assert roofline.arithmetic_intensity(10, 3, 2, 5, bytes_per_value=1, batch=4) == 40 / 25
    with pytest.raises(ValueError, match="batch"):
        roofline.arithmetic_intensity(1, 1, 1, 1, batch=0)
    with pytest.raises(ValueError, match="no bytes"):
        roofline.arithmetic_intensity(1, 0, 0, 0)


def test_network_intensity_reads_weights_once_per_batch():
    costs = pd.DataFrame({"macs": [100, 300], "bytes": [60, 140], "weight_bytes": [20, 80]})
    assert roofline.network_intensity(costs) == 400 / 200
    assert roofline.network_intensity(costs, batch=8) == 3200 / (8 * 100 + 100)


@pytest.mark.parametrize("bad", [0, -4, 2.5])
def test_bytes_per_element_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="bytes_per_element must be a positive integer"):
        roofline.layer_costs(nn.Linear(4, 2), (1, 4), bytes_per_element=bad)


def test_peak_conv_rate_is_positive_and_refuses_bad_sizes():
    rate = roofline.peak_conv_rate(channels=16, size=8, threads=1, min_run_time=0.01)
    assert 1e6 < rate < 1e13
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        roofline.peak_conv_rate(channels=0)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        roofline.peak_conv_rate(size=2.5)


@pytest.mark.parametrize("name", ["macs", "input_values", "output_values", "weights"])
@pytest.mark.parametrize("bad", [None, -1, float("nan"), 10**400, True, "x"])
def test_arithmetic_intensity_names_a_bad_count(name, bad):
    counts = {"macs": 10, "input_values": 3, "output_values": 2, "weights": 5, name: bad}
    with pytest.raises(ValueError, match=f"^{name} must be a number of at least 0"):
        roofline.arithmetic_intensity(**counts)


@pytest.mark.parametrize("bad", [None, -1, float("nan"), 10**400, True, "x", [], [1.0, -2.0]])
def test_roof_refuses_an_intensity_that_is_not_one(bad):
    with pytest.raises(ValueError, match="^intensity must be a number"):
        roofline.roof(bad, 1e9, 1e9)
    assert roofline.roof([0.0, 2.0], 1e9, 1e9).tolist() == [0.0, 1e9]


@pytest.mark.parametrize("size", [None, [], (1, 4, 0), "abc"])
def test_layer_costs_checks_the_input_size(size):
    with pytest.raises(ValueError, match="input_size must be a tuple of positive integers"):
        roofline.layer_costs(nn.Linear(4, 2), size)
