"""Feature extraction and its cache: exact outputs, computed once, keyed by weights and data."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mobilenet_tutorial import accumulation_length, rounding_tolerance
from mobilenet_tutorial.storage import CorruptFileError
from mobilenet_tutorial.transfer.features import (
    FeatureCache,
    Features,
    extract_features,
    module_fingerprint,
)


def _backbone(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(1))


def _images(n: int = 10) -> TensorDataset:
    generator = torch.Generator().manual_seed(1)
    return TensorDataset(torch.randn(n, 3, 8, 8, generator=generator), torch.arange(n) % 3)


class _Counter:
    """Counts forward calls of a module through a hook."""

    def __init__(self, module: nn.Module) -> None:
        self.calls = 0
        module.register_forward_hook(self._hook)

    def _hook(self, *_: object) -> None:
        self.calls += 1


def test_fingerprint_follows_weights_and_buffers():
    a, b = _backbone(0), _backbone(0)
    assert module_fingerprint(a) == module_fingerprint(b)
    assert len(module_fingerprint(a)) == 16
    with torch.no_grad():
        b[0].weight[0, 0, 0, 0] += 1e-3
    assert module_fingerprint(a) != module_fingerprint(b)
    c = _backbone(0)
    c[1].running_mean.fill_(0.5)  # a BatchNorm statistic, not a parameter
    assert module_fingerprint(a) != module_fingerprint(c)
    with pytest.raises(TypeError, match="nn.Module"):
        module_fingerprint("not a model")


def test_extract_features_is_the_eval_mode_output_and_changes_nothing():
    model, data = _backbone(), _images(10)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = extract_features(model, data, batch_size=4, progress=False)
    assert model.training  # mode restored
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), f"{key} changed"
    model.eval()
    with torch.no_grad():
        expected = model(data.tensors[0])
    assert result.features.shape == (10, 4)
    # batches of 4 against one of 10: float32 rounding of the convolution, BatchNorm and the
    # average pool's sum of 8 x 8
    atol = rounding_tolerance(expected, accumulation_length(model) + 8 * 8)
    torch.testing.assert_close(result.features, expected, rtol=0, atol=atol)
    assert torch.equal(result.labels, data.tensors[1])
    assert result.seconds > 0
    # A DataLoader works too, in its own order.
    again = extract_features(model, DataLoader(data, batch_size=3), progress=False)
    torch.testing.assert_close(again.features, expected, rtol=0, atol=atol)


def test_extract_features_rejects_empty_data():
    empty = TensorDataset(torch.zeros(0, 3, 8, 8), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match="empty"):
        extract_features(_backbone(), empty, progress=False)


def test_cache_computes_once_per_weights_and_data():
    model, data = _backbone(), _images(10)
    counter = _Counter(model)
    cache = FeatureCache()
    first = cache.features(model, data, "toy-train", batch_size=4, progress=False)
    assert counter.calls == 3  # 10 images in batches of 4
    assert cache.computed == 1
    second = cache.features(model, data, "toy-train", batch_size=4, progress=False)
    assert counter.calls == 3  # no forward pass the second time
    assert cache.computed == 1
    assert second is first
    assert len(cache) == 1 and first.key in cache
    cache.features(model, data, "toy-other", batch_size=4, progress=False)
    assert counter.calls == 6 and cache.computed == 2  # another name: computed
    with torch.no_grad():
        model[0].bias.add_(1.0)
    changed = cache.features(model, data, "toy-train", batch_size=4, progress=False)
    assert counter.calls == 9 and cache.computed == 3  # new weights: computed again
    assert not torch.equal(changed.features, first.features)


def test_cache_on_disk_is_found_by_a_new_cache(tmp_path):
    model, data = _backbone(), _images(6)
    first = FeatureCache(tmp_path).features(model, data, "toy", progress=False)
    files = list(tmp_path.glob("*.pt"))
    assert [f.name for f in files] == [f"{first.key}.pt"]
    counter = _Counter(model)
    fresh = FeatureCache(tmp_path)
    loaded = fresh.features(model, data, "toy", progress=False)
    assert counter.calls == 0 and fresh.computed == 0
    assert torch.equal(loaded.features, first.features)
    assert torch.equal(loaded.labels, first.labels)
    assert loaded.seconds == first.seconds  # the cost of computing, kept
    fresh.clear()
    assert len(fresh) == 0 and first.key in fresh  # still on disk
    # a cache file that changed on disk is refused, naming the file
    data = bytearray(files[0].read_bytes())
    data[data.index(first.features.numpy().tobytes()[:32]) + 2] ^= 0x10
    files[0].write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match=f"{first.key}.pt.*delete it"):
        FeatureCache(tmp_path).features(model, data=_images(6), data_key="toy", progress=False)


def test_fingerprint_sees_settings_that_hold_no_weights():
    base = nn.Sequential(nn.Conv2d(3, 4, 3, stride=1), nn.AdaptiveAvgPool2d(2))
    strided = copy.deepcopy(base)
    strided[0].stride = (2, 2)
    pooled = copy.deepcopy(base)
    pooled[1].output_size = 1
    fingerprints = {module_fingerprint(m) for m in (base, strided, pooled)}
    assert len(fingerprints) == 3
    assert module_fingerprint(copy.deepcopy(base)) == module_fingerprint(base)


@pytest.mark.parametrize("bad", ["", "has space", "a/b", None])
def test_cache_rejects_bad_data_keys(bad):
    with pytest.raises(ValueError, match="data_key"):
        FeatureCache().key(_backbone(), bad)


def test_features_loader_yields_every_pair():
    features = Features(torch.arange(10.0).reshape(5, 2), torch.arange(5), seconds=0.0)
    assert len(features) == 5
    batches = list(features.loader(batch_size=2))
    assert [len(labels) for _, labels in batches] == [2, 2, 1]
    shuffled = torch.cat([labels for _, labels in features.loader(2, shuffle=True)])
    assert sorted(shuffled.tolist()) == [0, 1, 2, 3, 4]
