"""The small network trained from scratch in chapter 6's experiment on training-set size."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial.layers.separable import DepthwiseSeparable
from mobilenet_tutorial.measure.counting import count_params
from mobilenet_tutorial.transfer.scratch import SMALL_CNN_BLOCKS, small_cnn


def test_small_cnn_has_the_documented_layers_and_parameter_count():
    model = small_cnn(10)
    blocks = [m for m in model if isinstance(m, DepthwiseSeparable)]
    assert [b.out_channels for b in blocks] == [16 * f for f, _ in SMALL_CNN_BLOCKS]
    # stem 3*16*9 + BN 2*16; each block: depthwise c*9 + BN 2c, pointwise c*o + BN 2o;
    # the classifier 128*10 + 10
    expected = 3 * 16 * 9 + 2 * 16
    channels = 16
    for factor, _ in SMALL_CNN_BLOCKS:
        out = 16 * factor
        expected += channels * 9 + 2 * channels + channels * out + 2 * out
        channels = out
    expected += channels * 10 + 10
    assert count_params(model) == expected == 20_554


def test_small_cnn_divides_the_side_by_eight_and_outputs_one_logit_per_class():
    model = small_cnn(7, width=8, in_channels=1).eval()
    features = model[:-4](torch.zeros(2, 1, 32, 32))
    assert features.shape == (2, 64, 4, 4)
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 7)
    assert isinstance(model[-2], nn.Dropout) and model[-2].p == 0.2


def test_small_cnn_seed_fixes_the_weights():
    a, b, c = small_cnn(10, seed=3), small_cnn(10, seed=3), small_cnn(10, seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a[-1].weight, c[-1].weight)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"num_classes": 1}, "num_classes"), ({"num_classes": 2.0}, "num_classes"),
    ({"num_classes": True}, "num_classes"), ({"num_classes": 10, "width": 0}, "width"),
    ({"num_classes": 10, "in_channels": 1.5}, "in_channels"),
    ({"num_classes": 10, "seed": -1}, "seed"),
])
def test_small_cnn_names_a_bad_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        small_cnn(**kwargs)
