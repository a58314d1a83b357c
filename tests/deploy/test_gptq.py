"""GPTQ rounding: exact values on a hand-worked case, the int8 grid kept, and bad input."""

import numpy as np
import pytest
import torch
from torch import nn

from mobilenet_tutorial import deploy
from mobilenet_tutorial.deploy.gptq import gptq_round, gptq_round_rows


def test_hand_worked_row_compensates_the_first_error():
    # Inputs 0 and 1 are correlated (H01 = 0.5), input 2 is independent. 3 bits: levels
    # -3..3, scale max|w| / 3 = 0.5. Rounding w0 = 0.2 down to 0 moves the output by -0.2 x0;
    # since x1 follows x0, GPTQ raises w1 by 0.1 (to 0.8), which then rounds up to 1.0.
    weight = torch.tensor([[0.2, 0.7, 1.5]], dtype=torch.float64)
    hessian = torch.tensor([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]],
                           dtype=torch.float64)
    rounded = gptq_round_rows(weight, hessian, bits=3, damping=1e-12)
    torch.testing.assert_close(rounded, torch.tensor([[0.0, 1.0, 1.5]], dtype=torch.float64))
    nearest = torch.tensor([[0.0, 0.5, 1.5]], dtype=torch.float64)

    def error(q):
        delta = q - weight
        return (delta @ hessian @ delta.T).item()

    assert error(rounded) == pytest.approx(0.07)
    assert error(nearest) == pytest.approx(0.12)


def test_uncorrelated_inputs_give_round_to_nearest():
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(5, 7, generator=generator)
    rounded = gptq_round_rows(weight, torch.eye(7) * 3.0)
    torch.testing.assert_close(rounded, deploy.fake_quantize_per_channel(weight))


def test_grouped_rows_lie_on_the_grid_and_keep_their_largest_weight():
    generator = torch.Generator().manual_seed(1)
    weight = torch.randn(4, 3, 9, generator=generator)
    x = torch.randn(4, 50, 9, generator=generator)
    hessian = x.transpose(1, 2) @ x
    rounded = gptq_round_rows(weight, hessian, bits=8)
    assert rounded.shape == weight.shape and rounded.dtype == weight.dtype
    scale = weight.abs().amax(2, keepdim=True) / 127
    steps = rounded / scale
    torch.testing.assert_close(steps, steps.round(), atol=1e-4, rtol=0)
    torch.testing.assert_close(rounded.abs().amax(2), weight.abs().amax(2))


def _small_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(),
                         nn.Conv2d(8, 6, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(6, 4)).eval()


def test_model_weights_on_the_engines_grid_and_output_closer_than_nearest():
    model = _small_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    images = torch.randn(12, 3, 10, 10, generator=torch.Generator().manual_seed(2))
    result = gptq_round(model, images, batch_size=5)
    for key, value in model.state_dict().items():  # the original is left alone
        assert torch.equal(value, before[key])
    assert list(result.layers["name"]) == ["0", "2", "4", "7"]
    assert list(result.layers["kind"]) == ["conv 3x3", "depthwise 3x3", "pointwise 1x1",
                                           "linear"]
    for name in result.layers["name"]:
        layer = dict(result.model.named_modules())[name]
        # the nearest-level quantizer (the engines' scale rule) changes nothing any more
        torch.testing.assert_close(deploy.fake_quantize_per_channel(layer.weight),
                                   layer.weight, atol=1e-6, rtol=0)
        torch.testing.assert_close(layer.bias, before[f"{name}.bias"])
    assert (result.layers["gptq_error"] < result.layers["nearest_error"]).all()
    assert (result.layers["gptq_error"] > 0).all()


@pytest.mark.parametrize("kwargs, message", [({"bits": 1}, "bits"), ({"bits": 8.0}, "bits"),
                                             ({"damping": 0.0}, "damping")])
def test_bad_rounding_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gptq_round_rows(torch.ones(2, 3), torch.eye(3), **kwargs)


def test_shapes_that_do_not_match():
    with pytest.raises(ValueError, match="do not match"):
        gptq_round_rows(torch.ones(2, 3), torch.eye(4))


def test_bad_model_arguments():
    model = _small_model()
    with pytest.raises(ValueError, match="non-empty"):
        gptq_round(model, torch.zeros(0, 3, 10, 10))
    with pytest.raises(ValueError, match="batch_size"):
        gptq_round(model, torch.zeros(2, 3, 10, 10), batch_size=0)
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        gptq_round(nn.Sequential(nn.ReLU()), torch.zeros(2, 3))


def _openvino_int8_weights(graph) -> list[np.ndarray]:
    """The dequantized int8 weights of every convolution and matrix product, in graph order."""
    weights = []
    for op in graph.get_ordered_ops():
        if op.get_type_name() not in ("Convolution", "GroupConvolution", "MatMul"):
            continue
        node = op.input_value(1).get_node()
        while node.get_type_name() == "Reshape":  # grouped weights are reshaped last
            node = node.input_value(0).get_node()
        assert node.get_type_name() == "Multiply", node.get_type_name()
        first, second = (node.input_value(i).get_node() for i in range(2))
        convert, scale = (first, second) if first.get_type_name() == "Convert" else (second, first)
        integers = convert.input_value(0).get_node().get_data()
        assert integers.dtype == np.int8
        weights.append(integers.astype(np.float64) * scale.get_data().astype(np.float64))
    return weights


def test_nncf_keeps_the_rounding_that_gptq_chose():
    pytest.importorskip("nncf")
    model = _small_model()
    images = torch.randn(12, 3, 10, 10, generator=torch.Generator().manual_seed(3))
    rounded = gptq_round(model, images).model
    graph = deploy.quantize_openvino(deploy.to_openvino(rounded, images[:1]), images)
    layers = [m for m in rounded.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    found = _openvino_int8_weights(graph)
    assert len(found) == len(layers)
    # NNCF's overflow fix gives the first layer 7-bit weights (a coarser grid, which is why
    # chapter 8 keeps the first block in float); every later layer keeps GPTQ's int8 levels.
    for layer, weight in zip(layers[1:], found[1:], strict=True):
        ours = layer.weight.detach().double().numpy()
        step = np.abs(ours).reshape(len(ours), -1).max(1) / 127
        difference = np.abs(weight.reshape(ours.shape) - ours).reshape(len(ours), -1).max(1)
        assert (difference <= 1e-3 * step).all()  # float32 rounding, not a new int8 level
