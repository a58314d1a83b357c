"""Counting one network in two frameworks: the numbers of the uncited comparison chapter 7 tests."""

from __future__ import annotations

import pytest
import torchvision
from torch import nn

from mobilenet_tutorial import count_params
from mobilenet_tutorial.keras_port import counts as kc

keras = kc.keras


@pytest.fixture(scope="module")
def v2_pair():
    return (torchvision.models.mobilenet_v2(),
            keras.applications.MobileNetV2(weights=None, classifier_activation=None))


@pytest.fixture(scope="module")
def v3_pair():
    return (torchvision.models.mobilenet_v3_small(),
            keras.applications.MobileNetV3Small(input_shape=(224, 224, 3), weights=None))


def test_backend_is_torch_by_default():
    assert keras.backend.backend() == "torch"


def test_mobilenet_v2_parameter_counts(v2_pair):
    torch_model, keras_model = v2_pair
    t, k = kc.torch_param_counts(torch_model), kc.keras_param_counts(keras_model)
    assert t.reported == 3_504_872 == count_params(torch_model)
    assert k.reported == 3_538_984 == keras_model.count_params()
    assert (k.trainable, k.non_trainable) == (3_504_872, 34_112)
    assert (t.trainable, t.non_trainable) == (3_504_872, 34_112)
    assert k.reported - t.reported == 34_112
    assert t.stored == k.stored == 3_538_984


def test_mobilenet_v2_batchnorm_values(v2_pair):
    torch_model, keras_model = v2_pair
    channels = sum(m.num_features for m in torch_model.modules() if isinstance(m, nn.BatchNorm2d))
    assert channels == 17_056
    assert kc.torch_batchnorm_values(torch_model) == 34_112 == 2 * channels
    assert kc.torch_batchnorm_values(torch_model, include_buffers=True) == 68_224
    assert kc.keras_batchnorm_values(keras_model) == 68_224 == 4 * channels


def test_mobilenet_v2_layer_counts(v2_pair):
    torch_model, keras_model = v2_pair
    t = kc.torch_layer_counts(torch_model, split_convolutions=True)
    k = kc.keras_layer_counts(keras_model)
    assert (t["Conv2d"], t["BatchNorm2d"], t["Linear"]) == (52, 52, 1)
    assert t["depthwise 3x3"] == 17 and t["pointwise 1x1"] + t["conv 3x3"] == 35
    assert (k["Conv2D"], k["DepthwiseConv2D"], k["BatchNormalization"], k["Dense"]) == (
        35, 17, 52, 1)
    assert "Sequential" not in t  # containers are not layers


def test_mobilenet_v3_small_counts(v3_pair):
    torch_model, keras_model = v3_pair
    t, k = kc.torch_param_counts(torch_model), kc.keras_param_counts(keras_model)
    assert (t.reported, k.reported) == (2_542_856, 2_554_968)
    assert k.non_trainable == 12_112 == k.reported - t.reported
    tl, kl = kc.torch_layer_counts(torch_model), kc.keras_layer_counts(keras_model)
    assert (tl["Conv2d"], tl["Linear"], kl["Conv2D"], kl["DepthwiseConv2D"]) == (52, 2, 43, 11)
    assert kl["Rescaling"] == 1 and kl["Dense"] == 0


def test_sizes_in_mib():
    assert f"{kc.mib(3_538_984):.2f}" == "13.50"
    assert f"{kc.mib(3_504_872):.2f}" == "13.37"
    assert kc.mib(2**18) == 1.0
    assert kc.mib(2**19, bytes_per_value=2) == 1.0
    with pytest.raises(ValueError, match="values >= 0"):
        kc.mib(-1)
    with pytest.raises(ValueError, match="bytes_per_value"):
        kc.mib(10, bytes_per_value=0)


def test_framework_comparison_rows(v2_pair):
    table = kc.framework_comparison(*v2_pair)
    assert table.loc["reported parameters"].tolist() == [3_504_872, 3_538_984]
    assert table.loc["BatchNorm values in the reported count"].tolist() == [34_112, 68_224]
    assert table.loc["DepthwiseConv2D layers"].tolist() == [0, 17]
    assert round(table.loc["MiB with running statistics", "PyTorch"], 2) == 13.50


def test_small_models_exactly():
    torch_model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    torch_model[2].weight.requires_grad_(False)
    t = kc.torch_param_counts(torch_model)
    assert (t.trainable, t.non_trainable, t.reported) == (9 + 6 + 1, 3 + 6, 9 + 6 + 4)
    inputs = keras.Input((2,))
    keras_model = keras.Model(inputs, keras.layers.BatchNormalization()(
        keras.layers.Dense(3)(inputs)))
    k = kc.keras_param_counts(keras_model)
    assert (k.trainable, k.non_trainable, k.reported) == (9 + 6, 6, 21)
    assert kc.keras_batchnorm_values(keras_model) == 12


def test_wrong_framework_is_refused(v2_pair):
    torch_model, keras_model = v2_pair
    with pytest.raises(TypeError, match="keras.Model"):
        kc.keras_param_counts(torch_model)
    with pytest.raises(TypeError, match="nn.Module"):
        kc.torch_param_counts(keras_model)  # a Keras model on the torch backend is a Module too
    with pytest.raises(TypeError, match="nn.Module"):
        kc.torch_layer_counts("mobilenet")
