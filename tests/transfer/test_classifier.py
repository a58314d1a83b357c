"""Transfer learning pieces: the new head, the cut, freezing, learning rates, prediction, saving.

The last test runs the whole path on a folder of images made in ``tmp_path``:
ImageFolder dataset, cached features (computed once), a trained head, and a
prediction for one image file.
"""

from __future__ import annotations

import pytest
import torch
import torchvision
from PIL import Image
from torch import nn
from torch.utils.data import TensorDataset

from mobilenet_tutorial import rounding_tolerance, transfer, weights
from mobilenet_tutorial.data import image_folders as td
from mobilenet_tutorial.layers.separable import DepthwiseSeparable
from mobilenet_tutorial.measure.counting import count_params
from mobilenet_tutorial.storage import CorruptFileError
from mobilenet_tutorial.train import fit
from mobilenet_tutorial.transfer.features import FeatureCache, Features


@pytest.fixture(scope="module")
def pretrained() -> torchvision.models.MobileNetV2:
    return transfer.mobilenet_v2_classifier(10)


def test_pretrained_classifier_keeps_imagenet_features_and_gets_a_new_head(pretrained):
    weights.install_torchvision_checkpoint()  # offline: torchvision finds the packaged file
    reference = torchvision.models.mobilenet_v2(weights=transfer.WEIGHTS)
    for (name, ours), theirs in zip(pretrained.features.state_dict().items(),
                                    reference.features.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs), name
    head = pretrained.classifier[1]
    assert head.weight.shape == (10, 1280)
    assert torch.equal(head.bias, torch.zeros(10))
    assert 0.008 < float(head.weight.detach().std()) < 0.012
    assert isinstance(pretrained.classifier[0], nn.Dropout)
    assert count_params(pretrained) == 2_236_682  # 2,223,872 in features + 12,810 in the head


def test_seed_fixes_the_new_head_and_random_init_differs(pretrained):
    again = transfer.mobilenet_v2_classifier(10, seed=0)
    assert torch.equal(again.classifier[1].weight, pretrained.classifier[1].weight)
    other = transfer.mobilenet_v2_classifier(10, seed=1)
    assert not torch.equal(other.classifier[1].weight, pretrained.classifier[1].weight)
    scratch = transfer.mobilenet_v2_classifier(10, pretrained=False)
    assert not torch.equal(scratch.features[0][0].weight, pretrained.features[0][0].weight)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "10"])
def test_bad_class_counts_are_refused(bad):
    with pytest.raises(ValueError, match="num_classes"):
        transfer.mobilenet_v2_classifier(bad, pretrained=False)


@pytest.mark.parametrize(("blocks", "front_shape"),
                         [(0, (2, 1280)), (5, (2, 96, 2, 2)), (19, (2, 3, 32, 32))])
def test_split_model_recomposes_the_model(pretrained, blocks, front_shape):
    front, back = transfer.split_model(pretrained, blocks)
    pretrained.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        middle = front(x)
        assert torch.equal(back(middle), pretrained(x))  # the same layers, the same order
    assert middle.shape == front_shape
    shared = {id(p) for p in pretrained.parameters()}
    assert {id(p) for p in front.parameters()} | {id(p) for p in back.parameters()} == shared


def test_split_model_refuses_bad_input(pretrained):
    with pytest.raises(ValueError, match="0 to 19"):
        transfer.split_model(pretrained, 20)
    with pytest.raises(TypeError, match="MobileNetV2"):
        transfer.split_model(nn.Linear(2, 2))


def test_freeze_stops_gradients_but_not_batchnorm_updates():
    model = transfer.mobilenet_v2_classifier(10, pretrained=False)
    front, _ = transfer.split_model(model, 2)
    assert transfer.freeze(front) is front
    assert count_params(front, trainable_only=True) == 0
    assert count_params(model, trainable_only=True) == 473_920 + 412_160 + 12_810
    bn = model.features[0][1]
    before = bn.running_mean.clone()
    front.train()
    with torch.no_grad():
        front(torch.randn(4, 3, 32, 32))
    assert not torch.equal(bn.running_mean, before)  # why a frozen part must also be .eval()


def test_frozen_part_stays_in_eval_mode_inside_a_training_network():
    model = transfer.mobilenet_v2_classifier(10, pretrained=False)
    front, back = transfer.split_model(model, 5)
    network = nn.Sequential(transfer.Frozen(front), back)
    network.train()
    assert not front.training and not any(m.training for m in front.modules())
    assert back.training
    assert count_params(network, trainable_only=True) == count_params(back)
    before = {k: v.clone() for k, v in front.state_dict().items()}
    optimizer = torch.optim.SGD([p for p in network.parameters() if p.requires_grad], lr=0.1)
    loss = network(torch.randn(4, 3, 32, 32)).sum()
    loss.backward()
    optimizer.step()
    for key, value in front.state_dict().items():
        assert torch.equal(value, before[key]), key  # weights and BatchNorm statistics
    assert network[0].module is front


def test_param_groups_give_two_learning_rates():
    model = transfer.mobilenet_v2_classifier(10, pretrained=False)
    groups = transfer.param_groups(model, backbone_lr=1e-4, head_lr=1e-3)
    assert [(g["name"], g["lr"]) for g in groups] == [("backbone", 1e-4), ("head", 1e-3)]
    assert sum(p.numel() for p in groups[0]["params"]) == 2_223_872
    assert sum(p.numel() for p in groups[1]["params"]) == 12_810
    optimizer = torch.optim.Adam(groups)
    assert [g["lr"] for g in optimizer.param_groups] == [1e-4, 1e-3]
    transfer.freeze(model.features)
    assert [g["name"] for g in transfer.param_groups(model, 1e-4, 1e-3)] == ["head"]
    with pytest.raises(ValueError, match="backbone_lr"):
        transfer.param_groups(model, 0.0, 1e-3)
    transfer.freeze(model.classifier)
    with pytest.raises(ValueError, match="unfreeze"):
        transfer.param_groups(model, 1e-4, 1e-3)


def test_train_head_learns_separable_features():
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(60) % 3
    features = Features(torch.eye(3)[labels] * 3 + 0.1 * torch.randn(60, 3, generator=generator),
                        labels, seconds=0.0)
    head = nn.Linear(3, 3)
    training_calls = []  # forward passes in training mode: one per optimizer step
    head.register_forward_hook(lambda module, *_: training_calls.append(module.training))
    history = transfer.train_head(head, features, epochs=30, val_features=features, lr=0.05,
                                  batch_size=16, progress=False)
    assert history.last("val_accuracy") == 1.0
    assert len(history.records) == 30
    assert sum(training_calls) == 30 * 4  # exactly epochs * ceil(60 / 16) steps


def test_train_head_is_reproducible_and_has_no_time_budget():
    labels = torch.arange(40) % 2
    features = Features(torch.randn(40, 4, generator=torch.Generator().manual_seed(1)),
                        labels, seconds=0.0)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        head = nn.Linear(4, 2)
        history = transfer.train_head(head, features, epochs=3, batch_size=8, progress=False)
        runs.append((history.to_frame()["train_loss"].tolist(), head.weight.detach().clone()))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
    with pytest.raises(TypeError, match="max_seconds"):
        transfer.train_head(nn.Linear(4, 2), features, epochs=1, max_seconds=1.0)


def test_round_loader_draws_rounds_without_repeats():
    data = TensorDataset(torch.arange(100.0), torch.arange(100))
    loader = transfer.round_loader(data, images_per_round=30, batch_size=8, seed=0)
    first = torch.cat([labels for _, labels in loader])
    second = torch.cat([labels for _, labels in loader])
    assert len(first) == len(second) == 30
    assert len(set(first.tolist())) == 30
    assert first.tolist() != second.tolist()
    assert [len(y) for _, y in loader] == [8, 8, 8, 6]
    # The order depends on the seed and the dataset's length only: images and their
    # cached features (another dataset of the same length) are drawn alike.
    other = TensorDataset(torch.zeros(100, 5), torch.arange(100))
    again = transfer.round_loader(other, images_per_round=30, batch_size=8, seed=0)
    assert torch.cat([labels for _, labels in again]).tolist() == first.tolist()
    assert list(transfer.round_loader(data, 30, 8, seed=1).sampler) != first.tolist()
    for bad in ((0, 8), (30, 0), (2.5, 8), (30, 8.0), (True, 8)):
        with pytest.raises(ValueError, match="integers of at least 1"):
            transfer.round_loader(data, *bad)


def test_rounds_fix_the_work_of_fit():
    data = TensorDataset(torch.randn(50, 2, generator=torch.Generator().manual_seed(0)),
                         torch.arange(50) % 2)
    counting = transfer.CountingLoader(transfer.round_loader(data, 20, batch_size=8, seed=0))
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []
    optimizer.register_step_post_hook(lambda *_: steps.append(1))
    history = fit(model, counting, epochs=4, optimizer=optimizer, device="cpu", progress=False)
    assert counting.images == 4 * 20 and len(steps) == 4 * 3 and len(history.records) == 4


def test_counting_loader_counts_images_over_passes():
    data = TensorDataset(torch.zeros(10, 2), torch.zeros(10, dtype=torch.long))
    counting = transfer.CountingLoader(transfer.round_loader(data, 7, batch_size=3))
    assert counting.images == 0 and len(counting) == 3
    assert [len(labels) for _, labels in counting] == [3, 3, 1]
    assert counting.images == 7
    for _ in counting:
        break
    assert counting.images == 10  # a pass cut short counts what it handed out


class _Tiny(nn.Module):
    """A stand-in classifier: mean colour of the image, then a fixed linear layer."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3)
        with torch.no_grad():
            self.linear.weight.copy_(torch.eye(3))
            self.linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.mean(dim=(2, 3)))


def test_predict_image_from_pil_tensor_and_path(tmp_path):
    transform = td.pretrained_transform(8, [0, 0, 0], [1, 1, 1])
    classes = ["red", "green", "blue"]
    image = Image.new("RGB", (10, 10), color=(0, 51, 255))
    prediction = transfer.predict_image(_Tiny(), image, transform, classes, top_k=2)
    expected = torch.tensor([0.0, 0.2, 1.0]).softmax(0)
    # float32: pixels scaled, the mean of 8 x 8, a 3-input linear layer, a 3-class softmax
    tolerance = rounding_tolerance(expected, 1 + 8 * 8 + 3 + 5)
    assert (prediction.index, prediction.label) == (2, "blue")
    assert abs(prediction.probability - float(expected[2])) <= tolerance
    assert [name for name, _ in prediction.top] == ["blue", "green"]
    assert abs(prediction.top[1][1] - float(expected[1])) <= tolerance
    image.save(tmp_path / "blue.png")
    from_file = transfer.predict_image(_Tiny(), tmp_path / "blue.png", transform, classes)
    assert from_file.label == "blue"
    tensor = torch.zeros(3, 10, 10, dtype=torch.uint8)
    tensor[1] = 255
    assert transfer.predict_image(_Tiny(), tensor, transform, classes).label == "green"
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        transfer.predict_image(_Tiny(), tensor[None], transform, classes)
    with pytest.raises(ValueError, match="3 outputs but 2"):
        transfer.predict_image(_Tiny(), image, transform, classes[:2])


def test_save_and_reload_give_identical_predictions(tmp_path):
    model = transfer.mobilenet_v2_classifier(4, pretrained=False, seed=3)
    with torch.no_grad():  # make the BatchNorm statistics non-default, so they must be saved
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
    path = transfer.save_classifier(model, tmp_path / "sub" / "model.pt")
    reloaded = transfer.load_classifier(path, num_classes=4)
    assert not reloaded.training
    model.eval()
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(reloaded(x), model(x))
    with pytest.raises(ValueError, match="for 10 classes"):
        transfer.load_classifier(path, num_classes=10)
    # one flipped byte of a weight: refused, never loaded with other weights
    data = bytearray(path.read_bytes())
    weight = model.classifier[1].weight.detach().numpy().tobytes()[:64]
    data[data.index(weight) + 1] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match="model.pt.*delete it"):
        transfer.load_classifier(path, num_classes=4)


def test_a_failed_save_keeps_the_good_checkpoint(tmp_path, monkeypatch):
    model = transfer.mobilenet_v2_classifier(4, pretrained=False, seed=3)
    path = transfer.save_classifier(model, tmp_path / "model.pt")
    good = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(OSError, match="No space"):
        transfer.save_classifier(model, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def _colour_folder(root, per_class: int = 6):
    """Two classes of 24 x 20 images: reddish noise and bluish noise."""
    generator = torch.Generator().manual_seed(0)
    for name, channel in (("reddish", 0), ("bluish", 2)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = torch.randint(0, 90, (20, 24, 3), generator=generator, dtype=torch.uint8)
            pixels[..., channel] += 150
            Image.fromarray(pixels.numpy()).save(root / name / f"{i}.png")
    return root


def test_image_folder_end_to_end(tmp_path, pretrained):
    root = _colour_folder(tmp_path / "mine")
    mean, std = td.normalisation(transfer.WEIGHTS)
    transform = td.pretrained_transform(32, mean, std)
    train, classes = td.load_image_dataset(root, "train", transform, test_fraction=0.25)
    test, _ = td.load_image_dataset(root, "test", transform, test_fraction=0.25)
    assert classes == ["bluish", "reddish"] and (len(train), len(test)) == (9, 3)

    model = transfer.mobilenet_v2_classifier(len(classes), seed=0)
    front, back = transfer.split_model(model, 0)
    calls = []
    front.register_forward_hook(lambda *_: calls.append(1))
    cache = FeatureCache(tmp_path / "cache")
    features = cache.features(front, train, "mine-train-32px", batch_size=4, progress=False)
    assert features.features.shape == (9, 1280) and len(calls) == 3
    assert cache.features(front, train, "mine-train-32px", progress=False) is features
    assert len(calls) == 3 and cache.computed == 1

    transfer.train_head(back, features, epochs=30, lr=1e-2, batch_size=4, progress=False)
    test_images = [test.dataset.samples[i][0] for i in test.indices]
    for path in test_images:
        prediction = transfer.predict_image(model, path, transform, classes)
        assert prediction.label in path, (path, prediction)


# The small network trained from scratch in chapter 6's experiment on training-set size.


def test_small_cnn_has_the_documented_layers_and_parameter_count():
    model = transfer.small_cnn(10)
    blocks = [m for m in model if isinstance(m, DepthwiseSeparable)]
    assert [b.out_channels for b in blocks] == [16 * f for f, _ in transfer.SMALL_CNN_BLOCKS]
    # stem 3*16*9 + BN 2*16; each block: depthwise c*9 + BN 2c, pointwise c*o + BN 2o;
    # the classifier 128*10 + 10
    expected = 3 * 16 * 9 + 2 * 16
    channels = 16
    for factor, _ in transfer.SMALL_CNN_BLOCKS:
        out = 16 * factor
        expected += channels * 9 + 2 * channels + channels * out + 2 * out
        channels = out
    expected += channels * 10 + 10
    assert count_params(model) == expected == 20_554


def test_small_cnn_divides_the_side_by_eight_and_outputs_one_logit_per_class():
    model = transfer.small_cnn(7, width=8, in_channels=1).eval()
    features = model[:-4](torch.zeros(2, 1, 32, 32))
    assert features.shape == (2, 64, 4, 4)
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 7)
    assert isinstance(model[-2], nn.Dropout) and model[-2].p == 0.2


def test_small_cnn_seed_fixes_the_weights():
    a, b = transfer.small_cnn(10, seed=3), transfer.small_cnn(10, seed=3)
    c = transfer.small_cnn(10, seed=4)
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
        transfer.small_cnn(**kwargs)


@pytest.mark.parametrize(("arguments", "error", "message"), [
    ({"num_classes": 10**400}, ValueError, r"num_classes must be an integer .*got 1000.*\.\.\.00"),
    ({"num_classes": True}, ValueError, "num_classes must be an integer of at least 2"),
    ({"num_classes": 10, "seed": -1}, ValueError, "seed must be a whole number"),
    ({"num_classes": 10, "seed": 2.5}, ValueError, "seed must be a whole number"),
    ({"num_classes": 10, "seed": "x"}, ValueError, "seed must be a whole number"),
    ({"num_classes": 10, "pretrained": "yes"}, TypeError, "pretrained must be True or False"),
])
def test_mobilenet_v2_classifier_names_a_bad_argument_before_building(arguments, error, message):
    from mobilenet_tutorial.transfer.classifier import mobilenet_v2_classifier

    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    with pytest.raises(error, match=message):
        mobilenet_v2_classifier(**arguments)
    assert torch.equal(torch.rand(2), expected)  # refused before seeding anything


@pytest.mark.parametrize("path", [None, 3, 2.5, ""])
def test_save_classifier_names_a_path_that_is_not_one(path):
    from mobilenet_tutorial.transfer.classifier import save_classifier

    with pytest.raises(TypeError, match="path must be the path of a file"):
        save_classifier(torch.nn.Linear(2, 2), path)
