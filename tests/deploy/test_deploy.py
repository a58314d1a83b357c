"""Tests of mobilenet_tutorial.deploy: every faster model must agree with the original.

Tolerances come from the computation (:mod:`mobilenet_tutorial.tolerance`): the number of
roundings along the network (fan-ins, 8 per BatchNorm) times the dtype's epsilon times the
largest output.  Folding BatchNorm is exact algebra, so it is checked in float64, where a wrong
fold would be off by many orders of magnitude more than that; in float32 (ONNX Runtime
included) the same rule bounds what rounding alone can do.  int8 keeps the top-1 class of
the real photos.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import torchvision
from torch import nn

from mobilenet_tutorial import accumulation_length, deploy, rounding_tolerance, weights
from mobilenet_tutorial.data import photo_views
from mobilenet_tutorial.measure.agreement import logit_agreement
from mobilenet_tutorial.models.compare import randomize_batchnorm_


def _randomise_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator))
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.1)
            if module.affine:
                module.weight.data.copy_(torch.randn(n, generator=generator))
                module.bias.data.copy_(torch.randn(n, generator=generator))
    return model.eval()


class _Tiny(nn.Module):
    """Stem, a depthwise-separable block and a classifier: small enough to export in seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
            nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
            nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16),
        )
        self.classifier = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean((2, 3)))


@pytest.fixture(scope="module")
def mobilenet_v2() -> nn.Module:
    weights.install_torchvision_checkpoint()
    return torchvision.models.mobilenet_v2(weights="IMAGENET1K_V1").eval()


@pytest.fixture(scope="module")
def photos() -> torch.Tensor:
    """The five photos and their mirror images, preprocessed."""
    views = [v for image in photo_views.load_sources(photo_views.PHOTO_NAMES).values()
             for v in photo_views.grid_views(image, fractions=())]
    return photo_views.view_batch(views)


@pytest.fixture(scope="module")
def exported(mobilenet_v2, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "mobilenet_v2.onnx"
    example = torch.zeros(2, 3, 224, 224)
    return deploy.export_onnx(deploy.fold_batchnorm(mobilenet_v2), path, example)


# --- folding BatchNorm ------------------------------------------------------------------


@pytest.mark.parametrize("groups", [1, 4])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("affine", [False, True])
def test_fold_conv_bn_equals_conv_then_batchnorm(groups, bias, affine):
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=groups, bias=bias).double()
    bn = _randomise_batchnorm(nn.BatchNorm2d(8, affine=affine).double())
    x = torch.randn(2, 4, 9, 9, dtype=torch.float64)
    folded = deploy.fold_conv_bn(conv, bn)
    assert folded.bias is not None and folded.groups == groups and folded.stride == (2, 2)
    expected = bn(conv(x))
    atol = rounding_tolerance(expected, accumulation_length(nn.Sequential(conv, bn)))
    torch.testing.assert_close(folded(x), expected, rtol=0, atol=atol)


def test_fold_conv_bn_computes_the_textbook_formula():
    conv = nn.Conv2d(1, 1, 1, bias=True)
    bn = nn.BatchNorm2d(1, eps=0.0).eval()
    with torch.no_grad():
        conv.weight.fill_(2.0)
        conv.bias.fill_(1.0)
        bn.running_mean.fill_(3.0)
        bn.running_var.fill_(4.0)
        bn.weight.fill_(5.0)
        bn.bias.fill_(6.0)
    folded = deploy.fold_conv_bn(conv, bn)
    # scale = 5 / sqrt(4) = 2.5; weight 2 * 2.5 = 5; bias (1 - 3) * 2.5 + 6 = 1
    assert folded.weight.item() == 5.0
    assert folded.bias.item() == 1.0


def test_fold_batchnorm_is_exact_in_float64_and_removes_all_of_mobilenet_v2s():
    torch.manual_seed(0)
    model = _randomise_batchnorm(_Tiny()).double()
    folded = deploy.fold_batchnorm(model)
    assert deploy.count_batchnorms(model) == 3 and deploy.count_batchnorms(folded) == 0
    x = torch.randn(2, 3, 16, 16, dtype=torch.float64)
    with torch.no_grad():
        expected = model(x)
        atol = rounding_tolerance(expected, accumulation_length(model) + 8 * 8)  # and the mean
        torch.testing.assert_close(folded(x), expected, rtol=0, atol=atol)
    mobilenet = torchvision.models.mobilenet_v2()
    assert deploy.count_batchnorms(mobilenet) == 52
    assert deploy.count_batchnorms(deploy.fold_batchnorm(mobilenet)) == 0


def test_fold_batchnorm_on_real_photos_is_exact_in_float64_and_keeps_the_classes(mobilenet_v2,
                                                                                 photos):
    operations = accumulation_length(mobilenet_v2)
    model = copy.deepcopy(mobilenet_v2).double()
    with torch.no_grad():  # float64: only float64 rounding is left of the difference
        reference = model(photos.double())
        result = deploy.fold_batchnorm(model)(photos.double())
    torch.testing.assert_close(result, reference, rtol=0,
                               atol=rounding_tolerance(reference, operations))
    folded = deploy.fold_batchnorm(mobilenet_v2)
    with torch.no_grad():  # float32, as deployed: float32 rounding, the same classes
        reference, result = mobilenet_v2(photos), folded(photos)
    torch.testing.assert_close(result, reference, rtol=0,
                               atol=rounding_tolerance(reference, operations))
    assert logit_agreement(reference, result)["top1_agreement"] == 1.0


def test_fold_batchnorm_copies_and_only_folds_pairs_inside_sequentials():
    torch.manual_seed(0)
    model = _randomise_batchnorm(torchvision.models.resnet18()).double()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = deploy.fold_batchnorm(model)
    # ResNet's conv1/bn1 pairs are attributes of plain modules; only downsample branches fold.
    assert deploy.count_batchnorms(model) == 20
    assert deploy.count_batchnorms(folded) == 20 - 3
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    x = torch.randn(1, 3, 64, 64, dtype=torch.float64)
    with torch.no_grad():
        expected = model(x)
        atol = rounding_tolerance(expected, accumulation_length(model))
        torch.testing.assert_close(folded(x), expected, rtol=0, atol=atol)


def test_fold_batchnorm_makes_a_copy_in_eval_mode():
    model = _Tiny().train()
    folded = deploy.fold_batchnorm(model)
    assert model.training and not folded.training
    assert isinstance(folded.features[1], nn.Identity)
    assert isinstance(folded.features[7], nn.Identity)


def test_fold_refuses_what_cannot_be_folded():
    with pytest.raises(ValueError, match="track_running_stats"):
        deploy.fold_conv_bn(nn.Conv2d(2, 2, 1), nn.BatchNorm2d(2, track_running_stats=False))
    with pytest.raises(ValueError, match="3 channels"):
        deploy.fold_conv_bn(nn.Conv2d(2, 2, 1), nn.BatchNorm2d(3))
    with pytest.raises(TypeError, match="nn.Conv2d"):
        deploy.fold_conv_bn(nn.Linear(2, 2), nn.BatchNorm2d(2))
    with pytest.raises(TypeError, match="nn.Module"):
        deploy.fold_batchnorm("model")


# --- ONNX export and ONNX Runtime ----------------------------------------------------------


def test_onnx_runtime_fp32_agrees_with_pytorch_to_float32_rounding(mobilenet_v2, photos, exported):
    model = deploy.OrtModel(exported, threads=1)
    assert model.session.get_inputs()[0].name == "images"
    assert not Path(str(exported) + ".data").exists()  # one self-contained file
    assert 13.0 < model.size_mb < 15.0  # 3.5 million fp32 weights, 4 bytes each
    assert onnx.load(str(exported)).opset_import[0].version == 18
    with torch.no_grad():
        reference = mobilenet_v2(photos)
    result = model(photos)  # a batch of 10: the exported batch size is dynamic
    atol = rounding_tolerance(reference, accumulation_length(mobilenet_v2))  # float32 rounding
    torch.testing.assert_close(result, reference, rtol=0, atol=atol)
    torch.testing.assert_close(model(photos[:1]), reference[:1], rtol=0, atol=atol)


def test_int8_keeps_the_top_class_of_the_real_photos(mobilenet_v2, photos, exported, tmp_path):
    generator = torch.Generator().manual_seed(0)
    sources = photo_views.load_sources()
    calibration = photo_views.view_batch(
        v for image in sources.values() for v in photo_views.random_views(image, 1, generator))
    path = deploy.quantize_int8(exported, tmp_path / "int8.onnx", calibration,
                                method="percentile",
                                keep_float=("features.0", "features.1.conv.0"))
    int8 = deploy.OrtModel(path, threads=1)
    assert int8.size_mb < 0.35 * deploy.file_size_mb(exported)
    with torch.no_grad():
        reference = mobilenet_v2(photos)
    agreement = logit_agreement(reference, int8(photos))
    assert agreement["top1_agreement"] >= 0.9  # at most one of the ten views changes class
    assert agreement["top5_overlap"] >= 0.8
    assert agreement["max_abs_diff"] < 5.0


def test_onnx_nodes_of_finds_nodes_by_module_name(exported):
    nodes = deploy.onnx_nodes_of(exported, ["features.0", "classifier"])
    ops = {n.name: n.op_type for n in onnx.load(str(exported)).graph.node}
    assert sorted(ops[n] for n in nodes) == ["Clip", "Conv", "Gemm"]
    with pytest.raises(ValueError, match="no ONNX node"):
        deploy.onnx_nodes_of(exported, ["features.99"])


def test_export_of_a_small_model_with_fixed_batch(tmp_path):
    torch.manual_seed(0)
    model = _randomise_batchnorm(_Tiny())
    x = torch.randn(3, 3, 16, 16)
    path = deploy.export_onnx(model, tmp_path / "tiny.onnx", x, opset=19, dynamic_batch=False)
    assert onnx.load(str(path)).opset_import[0].version == 19
    with torch.no_grad():
        expected = model(x)
    roundings = accumulation_length(model) + 8 * 8  # the layers, then the mean over 8 x 8
    torch.testing.assert_close(deploy.OrtModel(path)(x), expected, rtol=0,
                               atol=rounding_tolerance(expected, roundings))


def test_without_inplace_copies_and_switches_every_inplace_flag_off():
    model = torchvision.models.mobilenet_v2()
    copied = deploy.without_inplace(model)
    flags = [m.inplace for m in copied.modules() if isinstance(m, nn.ReLU6)]
    assert len(flags) == 35 and not any(flags)  # 35 ReLU6 layers
    assert all(m.inplace for m in model.modules() if isinstance(m, nn.ReLU6))
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(copied.eval()(x), model.eval()(x))
    with pytest.raises(TypeError, match="nn.Module"):
        deploy.without_inplace(None)


def test_export_and_runtime_refuse_bad_input(tmp_path):
    with pytest.raises(ValueError, match="opset 17 is too old"):
        deploy.export_onnx(_Tiny(), tmp_path / "a.onnx", torch.zeros(2, 3, 8, 8), opset=17)
    with pytest.raises(ValueError, match="N, C, H, W"):
        deploy.export_onnx(_Tiny(), tmp_path / "a.onnx", torch.zeros(3, 8, 8))
    with pytest.raises(FileNotFoundError, match="export_onnx"):
        deploy.OrtModel(tmp_path / "missing.onnx")
    with pytest.raises(ValueError, match="threads"):
        deploy.OrtModel(tmp_path / "missing.onnx", threads=0)


def test_quantize_int8_refuses_an_unknown_method(tmp_path):
    with pytest.raises(ValueError, match="minmax"):
        deploy.quantize_int8(tmp_path / "a.onnx", tmp_path / "b.onnx",
                             torch.zeros(1, 3, 8, 8), method="entropy")


# --- calibration reader and agreement ------------------------------------------------------


def test_calibration_reader_gives_every_image_once_then_none():
    images = torch.arange(5 * 3 * 2 * 2, dtype=torch.float32).reshape(5, 3, 2, 2)
    reader = deploy.ImageCalibrationReader(images, input_name="x", batch_size=2)
    batches = [reader.get_next() for _ in range(3)]
    assert [b["x"].shape[0] for b in batches] == [2, 2, 1]
    np.testing.assert_array_equal(np.concatenate([b["x"] for b in batches]), images.numpy())
    assert reader.get_next() is None
    reader.rewind()
    np.testing.assert_array_equal(reader.get_next()["x"], images[:2].numpy())
    with pytest.raises(ValueError, match="non-empty batch"):
        deploy.ImageCalibrationReader(torch.zeros(0, 3, 2, 2))
    with pytest.raises(ValueError, match="batch_size"):
        deploy.ImageCalibrationReader(images, batch_size=0)


def test_prediction_agreement_is_the_one_logit_agreement():
    assert deploy.prediction_agreement is logit_agreement


def test_file_size_mb(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 2_500_000)
    assert deploy.file_size_mb(path) == 2.5


# --- int8 rounding and sensitivity -------------------------------------------------------


def test_fake_quantize_per_channel_rounds_to_each_channels_grid():
    weight = torch.tensor([[1.27, -0.5, 0.004], [0.0, 0.0, 0.0], [-254.0, 100.0, 1.2]])
    result = deploy.fake_quantize_per_channel(weight)
    # channel 0: scale 1.27 / 127 = 0.01, rounded once, then multiplied: two roundings
    expected = torch.tensor([1.27, -0.5, 0.0])
    torch.testing.assert_close(result[0], expected, rtol=0, atol=rounding_tolerance(expected, 2))
    assert torch.equal(result[1], torch.zeros(3))  # an all-zero channel stays zero
    # channel 2: scale 254 / 127 = 2, a power of two: every step is exact
    assert torch.equal(result[2], torch.tensor([-254.0, 100.0, 2.0]))
    assert result.shape == weight.shape
    four_bit = deploy.fake_quantize_per_channel(torch.tensor([[7.0, 3.2, -1.4]]), bits=4)
    assert torch.equal(four_bit, torch.tensor([[7.0, 3.0, -1.0]]))  # scale 7 / 7 = 1
    with pytest.raises(ValueError, match="bits"):
        deploy.fake_quantize_per_channel(weight, bits=1)
    with pytest.raises(ValueError, match="output-channel"):
        deploy.fake_quantize_per_channel(torch.ones(3))


def test_weight_sensitivity_ranks_layers_and_restores_the_weights():
    torch.manual_seed(0)
    model = _randomise_batchnorm(_Tiny())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    table = deploy.weight_sensitivity(model, torch.randn(4, 3, 16, 16))
    assert sorted(table["name"]) == ["classifier", "features.0", "features.3", "features.6"]
    assert table["mean_logit_change"].is_monotonic_decreasing
    assert (table["mean_logit_change"] > 0).all()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_state_dict_mb_counts_four_bytes_a_weight():
    size = deploy.state_dict_mb(nn.Linear(1000, 1000, bias=False))
    assert 4.0 <= size < 4.01  # a million float32 weights plus a little pickle overhead


def test_folding_keeps_tensorflow_same_padding():
    from mobilenet_tutorial.layers.padding import Conv2dSame
    from mobilenet_tutorial.models import efficientnet_lite0

    model = randomize_batchnorm_(efficientnet_lite0(num_classes=10)).double().eval()
    folded = deploy.fold_batchnorm(model)  # in float64: only float64 rounding is left
    same = [m for m in folded.modules() if isinstance(m, Conv2dSame)]
    assert same and len(same) == sum(isinstance(m, Conv2dSame) for m in model.modules())
    assert deploy.count_batchnorms(folded) == 0
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0)).double()
    with torch.no_grad():
        reference, result = model(x), folded(x)
    assert (result - reference).abs().max() <= rounding_tolerance(reference,
                                                                  accumulation_length(model))


def test_openvino_scope_matches_a_module_and_what_is_inside_it_only():
    import re

    (pattern,) = deploy.openvino_scope(["features.1"])
    assert re.fullmatch(pattern, "__module.features.1.conv.0.0/aten::_convolution/Convolution")
    assert re.fullmatch(pattern, "__module.features.1/aten::add/Add")
    assert not re.fullmatch(pattern, "__module.features.10.conv.0.0/aten::_convolution/Add")


def test_engines_refuse_empty_calibration_and_bad_threads():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    empty = torch.zeros(0, 3, 8, 8)
    with pytest.raises(ValueError, match="calibration_images is empty"):
        deploy.quantize_pt2e(model, torch.zeros(2, 3, 8, 8), empty)
    with pytest.raises(ValueError, match="at least two"):
        deploy.quantize_pt2e(model, torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8),
                             dynamic_batch=True)
    with pytest.raises(ValueError, match="calibration_images is empty"):
        deploy.quantize_openvino(None, empty)
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        deploy.OvModel(None, threads=0)
    with pytest.raises(ValueError, match="batch"):
        deploy.to_openvino(model, torch.zeros(3, 8, 8))


def test_openvino_fp32_matches_pytorch_and_graph_size_counts_bytes():
    pytest.importorskip("openvino")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    x = torch.randn(2, 3, 8, 8)
    engine = deploy.OvModel(deploy.to_openvino(model, x[:1]), threads=1)
    with torch.no_grad():
        assert torch.allclose(engine(x), model(x), atol=1e-5)
    assert engine.size_mb > 0
    assert deploy.graph_size_mb(model) == (4 * 3 * 9 + 4) * 4 / 1e6


def test_pt2e_int8_takes_any_batch_and_its_graph_holds_int8_weights():
    pytest.importorskip("torchao")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU()).eval()
    x = torch.randn(4, 3, 8, 8)
    int8 = deploy.quantize_pt2e(model, x[:2], x, dynamic_batch=True)
    with torch.no_grad():
        assert int8(x[:1]).shape == (1, 8, 6, 6) and int8(x).shape == (4, 8, 6, 6)
        assert (int8(x) - model(x)).abs().max() < 0.1 * model(x).abs().max()
    assert deploy.graph_size_mb(int8) < deploy.graph_size_mb(model)


def test_openvino_layer_times_need_profiling_and_name_the_operations():
    pytest.importorskip("openvino")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    x = torch.randn(1, 3, 8, 8)
    graph = deploy.to_openvino(model, x)
    with pytest.raises(ValueError, match="profiling=True"):
        deploy.OvModel(graph).layer_times(x)
    table = deploy.OvModel(graph, profiling=True).layer_times(x, calls=2)
    assert list(table.columns) == ["name", "node_type", "exec_type", "ms"]
    assert "Convolution" in set(table["node_type"]) and (table["ms"] >= 0).all()
    with pytest.raises(ValueError, match="calls must be a positive integer"):
        deploy.OvModel(graph, profiling=True).layer_times(x, calls=0)
