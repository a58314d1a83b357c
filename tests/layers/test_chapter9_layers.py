"""Chapter 9's layers: Mish, Triplet Attention, CrossNorm and SelfNorm, exact and on bad input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial import count_macs, count_params, rounding_tolerance
from mobilenet_tutorial.layers import (
    AttentionGate,
    BlockConfig,
    CrossNorm,
    InvertedResidual,
    Mish,
    SelfNorm,
    TripletAttention,
    activation_layer,
    instance_stats,
    v2_config,
)
from mobilenet_tutorial.layers.mish import mish
from mobilenet_tutorial.layers.triplet_attention import BRANCH_PARAMS, z_pool


def _x(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- Mish -----------------------------------------------------------------------------------

def test_mish_layer_equals_torch_mish_exactly():
    x = _x(4, 8, 5, 5) * 6
    assert torch.equal(Mish()(x), nn.Mish()(x))


def test_mish_formula_agrees_with_torch_mish_to_rounding():
    x = torch.linspace(-20, 20, 4001)
    reference = nn.Mish()(x)
    # softplus, tanh and the product round once each, plus the fused kernel's own rounding
    assert (mish(x) - reference).abs().max() <= rounding_tolerance(reference, 8)


def test_mish_minimum_is_where_the_paper_puts_it():
    x = torch.linspace(-3, 0, 300_001, dtype=torch.float64)
    y = mish(x)
    i = int(y.argmin())
    assert abs(float(x[i]) - (-1.1924)) < 2e-4
    assert abs(float(y[i]) - (-0.30884)) < 1e-5


def test_mish_is_in_the_activation_vocabulary():
    assert activation_layer("mish") is Mish
    assert count_params(Mish()) == 0


# --- Triplet Attention -------------------------------------------------------------------

def test_z_pool_is_max_then_mean_over_dimension_one():
    x = _x(2, 5, 3, 4)
    pooled = z_pool(x)
    assert pooled.shape == (2, 2, 3, 4)
    assert torch.equal(pooled[:, 0], x.amax(dim=1))
    assert torch.equal(pooled[:, 1], x.mean(dim=1))


@pytest.mark.parametrize("channels", [1, 16, 96, 320])
def test_triplet_attention_params_are_exact_and_independent_of_channels(channels):
    assert BRANCH_PARAMS == 100
    layer = TripletAttention(channels)
    assert count_params(layer) == 300
    assert count_params(TripletAttention(channels, spatial=False)) == 200
    assert count_params(AttentionGate()) == 100
    x = _x(2, channels, 6, 7)
    assert layer.eval()(x).shape == x.shape


def test_triplet_attention_with_zero_convs_and_identity_bn_halves_its_input_exactly():
    layer = TripletAttention(32).eval()
    for gate in (layer.cw, layer.hc, layer.hw):
        nn.init.zeros_(gate.conv.weight)
        gate.bn.reset_parameters()  # weight 1, bias 0
        gate.bn.reset_running_stats()  # mean 0, variance 1
    x = _x(3, 32, 9, 11)
    assert torch.equal(layer(x), 0.5 * x)


def test_triplet_attention_equals_the_average_of_three_gated_tensors():
    torch.manual_seed(0)
    layer = TripletAttention(12)
    for module in layer.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.fill_(0.3)
            module.running_var.fill_(2.0)
    layer.eval()
    x = _x(2, 12, 5, 8)
    cw = x * layer.cw(x.transpose(1, 2)).transpose(1, 2)
    hc = x * layer.hc(x.transpose(1, 3)).transpose(1, 3)
    hw = x * layer.hw(x)
    reference = (cw + hc + hw) / 3
    assert (layer(x) - reference).abs().max() <= rounding_tolerance(reference, 8)


def test_triplet_attention_macs_are_the_three_7x7_convolutions():
    c, h, w = 24, 10, 6
    with_attention = InvertedResidual(v2_config(c, c, 1, 6, attention="triplet"))
    plain = InvertedResidual(v2_config(c, c, 1, 6))
    extra = count_macs(with_attention, (1, c, h, w)) - count_macs(plain, (1, c, h, w))
    assert extra == 98 * (h * w + c * w + c * h)


@pytest.mark.parametrize("kernel_size", [0, 4, -1, 2.5])
def test_attention_gate_rejects_a_bad_kernel(kernel_size):
    with pytest.raises(ValueError, match="kernel_size"):
        AttentionGate(kernel_size)


def test_triplet_attention_rejects_a_non_4d_input():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        TripletAttention(3)(torch.zeros(3, 4, 5))


# --- CrossNorm ------------------------------------------------------------------------------

def test_crossnorm_is_the_identity_in_eval_mode():
    layer = CrossNorm(0.9).eval()
    x = _x(4, 3, 5, 5)
    assert layer(x) is x
    assert count_params(layer) == 0


def test_crossnorm_gives_each_instance_another_instances_statistics():
    scale = torch.arange(1, 5.0)[:, None, None, None]
    x = _x(4, 6, 7, 7) * scale + scale
    perm = torch.tensor([2, 0, 3, 1])
    layer = CrossNorm(0.5)
    mixed = layer.mix(x, perm)
    mean, std = instance_stats(x, layer.eps)
    new_mean, new_var = mixed.flatten(2).mean(2), mixed.flatten(2).var(2)
    assert torch.allclose(new_mean, mean[perm].flatten(1), atol=1e-5)
    # the new variance is sigma_j^2 * var_i / (var_i + eps): sigma_j^2 up to eps
    assert torch.allclose(new_var, (std[perm] ** 2).flatten(1), rtol=1e-4)
    # and the content (the normalised map) is each instance's own
    own = (x - mean) / std
    assert torch.allclose((mixed - new_mean[..., None, None]) / std[perm], own, atol=1e-5)


def test_crossnorm_in_train_mode_mixes_with_probability_p_repeatably():
    layer = CrossNorm(0.5).train()
    x = _x(8, 4, 5, 5)
    torch.manual_seed(3)
    first = [not torch.equal(layer(x), x) for _ in range(200)]
    torch.manual_seed(3)
    again = [not torch.equal(layer(x), x) for _ in range(200)]
    assert first == again
    assert 60 < sum(first) < 140  # Binomial(200, 0.5): about 7 standard deviations of room
    assert CrossNorm(0.0).train()(x) is x


@pytest.mark.parametrize("p", [-0.1, 1.0, 2, "0.5", True, None])
def test_crossnorm_rejects_a_bad_probability(p):
    with pytest.raises(ValueError, match="p must be a number in"):
        CrossNorm(p)


# --- SelfNorm -------------------------------------------------------------------------------

def test_selfnorm_preserves_shapes_and_is_deterministic_in_eval_mode():
    torch.manual_seed(0)
    layer = SelfNorm(16).eval()
    x = _x(3, 16, 7, 5)
    out = layer(x)
    assert out.shape == x.shape
    assert torch.equal(out, layer(x))
    assert count_params(layer) == 8 * 16


def test_selfnorm_rescales_mean_and_deviation_by_its_gates():
    torch.manual_seed(1)
    layer = SelfNorm(5).eval()
    x = _x(2, 5, 6, 6) * 3 + 1
    mean, f, g = layer.gates(x)
    out = layer(x)
    assert torch.allclose(out.flatten(2).mean(2), (f * mean).flatten(1), atol=1e-5)
    assert torch.allclose(out.flatten(2).std(2), (g * x.flatten(2).std(2)[..., None, None])
                          .flatten(1), rtol=1e-5)
    assert bool(((f > 0) & (f < 1) & (g > 0) & (g < 1)).all())


@pytest.mark.parametrize("channels", [0, -2, 1.5, True, None])
def test_selfnorm_rejects_a_bad_channel_count(channels):
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        SelfNorm(channels)


def test_selfnorm_names_a_wrong_input():
    with pytest.raises(ValueError, match=r"SelfNorm\(4\) takes \(N, 4, H, W\)"):
        SelfNorm(4)(torch.zeros(2, 3, 5, 5))


# --- in the inverted residual -------------------------------------------------------------

def test_a_plain_block_has_no_insertions_and_its_old_keys():
    block = InvertedResidual(v2_config(16, 16, 1, 6))
    assert block.config.insertions == ()
    assert all(key.startswith("block.") for key in block.state_dict())


def test_insertions_come_after_the_projection_in_order():
    config = v2_config(16, 16, 1, 6, activation="mish", attention="triplet", crossnorm=0.5,
                       selfnorm=True)
    assert config.insertions == ("crossnorm", "selfnorm", "attention")
    block = InvertedResidual(config).eval()
    assert isinstance(block.block[0][2], Mish)
    x = _x(2, 16, 8, 8)
    expected = x + block.attention(block.selfnorm(block.block(x)))  # CrossNorm: eval identity
    assert torch.equal(block(x), expected)
    plain = InvertedResidual(v2_config(16, 16, 1, 6))
    assert count_params(block) - count_params(plain) == 300 + 8 * 16


@pytest.mark.parametrize(("changes", "message"), [
    ({"attention": "cbam"}, "attention must be one of"),
    ({"crossnorm": 1.5}, "crossnorm must be a number in"),
    ({"selfnorm": "yes"}, "selfnorm must be True or False"),
])
def test_block_config_rejects_bad_insertions(changes, message):
    with pytest.raises(ValueError, match=message):
        BlockConfig(16, 96, 16, **changes)


def test_crossnorm_in_train_mode_hands_each_instance_anothers_statistics():
    x = _x(6, 4, 5, 5) * torch.arange(1, 7.0)[:, None, None, None]  # six different scales
    layer = CrossNorm(0.99).train()
    torch.manual_seed(0)
    out = layer(x)
    assert not torch.equal(out, x)
    mean, std = instance_stats(x, layer.eps)
    new_mean, new_std = instance_stats(out, layer.eps)
    sources = []
    for i in range(len(x)):  # the instance whose statistics image i now has
        matches = [j for j in range(len(x))
                   if torch.allclose(new_mean[i], mean[j], atol=1e-5)
                   and torch.allclose(new_std[i], std[j], rtol=1e-3)]
        assert len(matches) == 1
        sources.append(matches[0])
    assert sorted(sources) == list(range(len(x)))  # a permutation of the batch
