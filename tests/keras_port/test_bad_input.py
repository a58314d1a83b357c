"""The Keras port refuses what is not a model or an image batch by name, and keeps modes."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial.keras_port import (
    PortComparison,
    batchnorm_epsilon,
    keras,
    keras_logits,
    paired_layers,
    to_channels_last,
    with_batchnorm_epsilon,
    with_symmetric_padding,
)
from mobilenet_tutorial.keras_port.counts import (
    framework_comparison,
    keras_param_counts,
    torch_param_counts,
)
from mobilenet_tutorial.models import mobilenet_v2
from mobilenet_tutorial.modes import training_flags

BAD_MODELS = [None, 3, "model", torch.zeros(1)]


@pytest.fixture(scope="module")
def pair():
    torch_model = mobilenet_v2(width_mult=0.35)
    keras_model = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35,
                                                 weights=None, classifier_activation=None)
    return torch_model, keras_model


@pytest.mark.parametrize("bad", BAD_MODELS)
def test_keras_functions_name_a_model_that_is_not_one(bad):
    for function in (keras_param_counts, with_symmetric_padding):
        with pytest.raises(TypeError, match=r"^model must be a keras.Model"):
            function(bad)
    with pytest.raises(TypeError, match=r"^model must be a keras.Model"):
        with_batchnorm_epsilon(bad, 1e-5)
    with pytest.raises(TypeError, match=r"^model must be a keras.Model"):
        keras_logits(bad, torch.zeros(1, 32, 32, 3))


@pytest.mark.parametrize("bad", BAD_MODELS)
def test_torch_functions_name_a_module_that_is_not_one(bad, pair):
    with pytest.raises(TypeError, match=r"^model must be a PyTorch nn.Module"):
        torch_param_counts(bad)
    with pytest.raises(TypeError, match=r"^model must be a PyTorch nn.Module"):
        batchnorm_epsilon(bad)
    with pytest.raises(TypeError, match=r"^torch_model must be a PyTorch nn.Module"):
        framework_comparison(bad, pair[1])
    with pytest.raises(TypeError, match=r"^torch_model must be a PyTorch nn.Module"):
        paired_layers(bad, pair[1])


def test_a_keras_model_is_not_a_torch_module(pair):
    with pytest.raises(TypeError, match=r"^torch_model must be a PyTorch nn.Mod.*got Functional"):
        paired_layers(pair[1], pair[1])
    with pytest.raises(TypeError, match=r"^keras_model must be a keras.Model .*, got MobileNetV2$"):
        framework_comparison(pair[0], pair[0])


@pytest.mark.parametrize(("x", "error", "message"), [
    (None, TypeError, r"^x must be a 4-D torch.Tensor"),
    (torch.zeros(3, 8, 8), ValueError, r"^x must be a 4-D tensor .*got shape \(3, 8, 8\)"),
    (torch.zeros(0, 3, 8, 8), ValueError, "holding at least one image"),
])
def test_to_channels_last_names_a_bad_batch(x, error, message):
    with pytest.raises(error, match=message):
        to_channels_last(x)


@pytest.mark.parametrize("epsilon", [0, -1e-3, float("nan"), 10**400, True, None])
def test_with_batchnorm_epsilon_refuses_a_bad_epsilon(epsilon, pair):
    with pytest.raises(ValueError, match=r"^epsilon must be a positive number"):
        with_batchnorm_epsilon(pair[1], epsilon)


def test_port_comparison_checks_its_inputs_and_leaves_the_model_s_modes(pair):
    torch_model, keras_model = pair
    pixels = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"^pixels must hold RGB images"):
        PortComparison(torch_model, keras_model, pixels[:, :1])
    with pytest.raises(TypeError, match=r"^keras_model must be a keras.Model"):
        PortComparison(torch_model, None, pixels)
    with pytest.raises(TypeError, match=r"^keras_preprocess must be a function"):
        PortComparison(torch_model, keras_model, pixels, keras_preprocess=3)
    torch_model.train()
    torch_model.features.eval()  # a frozen backbone, as chapter 6 teaches
    before = training_flags(torch_model)
    PortComparison(torch_model, keras_model, pixels)
    assert training_flags(torch_model) == before
