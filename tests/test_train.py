"""The training loop: learning, exact values, reproducibility, work fixed in steps, bad input."""

from __future__ import annotations

import math
import time

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from mobilenet_tutorial import rounding_tolerance, train

matplotlib.use("Agg")


def _blobs(n: int = 256, seed: int = 0) -> TensorDataset:
    """Two well-separated Gaussian blobs in 2-D, labels 0 and 1."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    centres = torch.tensor([[-2.0, -2.0], [2.0, 2.0]])[labels]
    return TensorDataset(centres + 0.5 * torch.randn(n, 2, generator=generator), labels)


def _loader(dataset, batch_size: int = 32, shuffle: bool = True) -> DataLoader:
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))


def test_fit_learns_and_records_every_epoch():
    data = _blobs()
    history = train.fit(_model(), _loader(data), epochs=3, val_loader=_loader(data),
                        lr=0.05, device="cpu", progress=False)
    frame = history.to_frame()
    assert list(frame.index) == [1, 2, 3]
    assert set(frame.columns) == {"train_loss", "train_accuracy", "seconds",
                                  "val_loss", "val_accuracy"}
    assert history.last("val_accuracy") == 1.0
    assert frame["train_loss"].iloc[-1] < frame["train_loss"].iloc[0]
    total = frame["seconds"].sum()  # the same positive numbers, perhaps summed in another order
    assert abs(history.seconds - total) <= rounding_tolerance(total, len(frame))


def test_fit_is_reproducible_with_a_seed():
    runs = []
    for run in range(2):
        torch.manual_seed(0)
        model = _model()
        torch.manual_seed(99 + run)  # a different global state each run: fit must reseed
        history = train.fit(model, _loader(_blobs()), epochs=2, lr=0.01, device="cpu",
                            seed=7, progress=False)
        runs.append((history.to_frame()["train_loss"].tolist(), model[0].weight.clone()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])


def _fixed_model_and_data() -> tuple[nn.Linear, torch.Tensor, torch.Tensor]:
    """A fixed linear model, logits = (x, -x) (class 0 when x > 0), and four labelled inputs
    of which it gets the first two right and the last two wrong."""
    model = nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    inputs = torch.tensor([[1.0], [2.0], [-1.0], [3.0]])
    labels = torch.tensor([0, 0, 0, 1])  # right, right, wrong, wrong
    return model, inputs, labels


def test_evaluate_exact_values():
    model, inputs, labels = _fixed_model_and_data()
    result = train.evaluate(model, _loader(TensorDataset(inputs, labels), 3, shuffle=False))
    assert result["accuracy"] == 0.5
    expected = nn.functional.cross_entropy(torch.cat([inputs, -inputs], 1), labels)
    # float32, batches of 3 and 1 against one of 4: a 2-class log-softmax (5 roundings) and
    # a mean over at most 4 losses
    assert abs(result["loss"] - expected.item()) <= rounding_tolerance(expected, 5 + 4)
    assert not model.training


def test_predict_returns_classes_and_labels():
    model = nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    inputs = torch.tensor([[1.0], [-2.0], [3.0]])
    labels = torch.tensor([0, 0, 1])
    predicted, targets = train.predict(model, _loader(TensorDataset(inputs, labels), 2, False))
    assert predicted.tolist() == [0, 1, 0]
    assert targets.tolist() == [0, 0, 1]


class _SlowLoader:
    """A loader that sleeps before every batch, as on a busy machine."""

    def __init__(self, loader, seconds: float) -> None:
        self.loader, self.seconds = loader, seconds

    def __iter__(self):
        for batch in self.loader:
            time.sleep(self.seconds)
            yield batch

    def __len__(self) -> int:
        return len(self.loader)


def _shuffled(data, seed: int = 0) -> DataLoader:
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(data, batch_size=8, shuffle=True, generator=generator)


def _steps_and_weights(loader, epochs: int) -> tuple[int, list[float], torch.Tensor]:
    torch.manual_seed(0)
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []
    optimizer.register_step_post_hook(lambda *_: steps.append(1))
    history = train.fit(model, loader, epochs=epochs, optimizer=optimizer, device="cpu",
                        seed=0, progress=False)
    return len(steps), history.to_frame()["train_loss"].tolist(), model[0].weight.detach()


def test_fit_does_the_work_asked_however_slow_the_machine():
    data = _blobs(64)
    fast = _steps_and_weights(_shuffled(data), epochs=3)
    slow = _steps_and_weights(_SlowLoader(_shuffled(data), seconds=0.01), epochs=3)
    assert fast[0] == slow[0] == 3 * 8  # every epoch, every batch: one optimizer step each
    assert fast[1] == slow[1]  # the same losses, bit for bit
    assert torch.equal(fast[2], slow[2])  # and the same weights
    history = train.fit(_model(), _SlowLoader(_shuffled(data), 0.01), epochs=2, device="cpu",
                        progress=False)
    assert len(history.records) == 2 and history.seconds >= 2 * 8 * 0.01  # measured, not used


def test_fit_records_exact_training_loss_and_accuracy():
    # SGD with a learning rate of 0 keeps the model fixed: logits = (x, -x).
    model, inputs, labels = _fixed_model_and_data()
    history = train.fit(model, _loader(TensorDataset(inputs, labels), 3, shuffle=False),
                        epochs=2, optimizer=torch.optim.SGD(model.parameters(), lr=0.0),
                        device="cpu", progress=False)
    expected = nn.functional.cross_entropy(torch.cat([inputs, -inputs], 1), labels).item()
    frame = history.to_frame()
    assert frame["train_accuracy"].tolist() == [0.5, 0.5]
    assert frame["train_loss"].tolist() == pytest.approx([expected, expected], rel=1e-6)


def test_fit_has_no_time_budget():
    with pytest.raises(TypeError, match="max_seconds"):
        train.fit(_model(), _loader(_blobs()), epochs=1, max_seconds=1.0, progress=False)


def test_scheduler_is_stepped_every_batch():
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    train.fit(model, _loader(_blobs(64), batch_size=16), epochs=2, optimizer=optimizer,
              scheduler=scheduler, device="cpu", progress=False)
    assert optimizer.param_groups[0]["lr"] == 0.1 * 0.5**8  # halving is exact in binary


def test_loader_without_length_and_progress_bar():
    batches = list(_loader(_blobs(64), batch_size=16))
    history = train.fit(_model(), iter(batches), epochs=1, device="cpu", progress=True)
    assert len(history.records) == 1 and math.isfinite(history.last("train_loss"))


def test_history_plot_draws_both_curves():
    data = _blobs(64)
    history = train.fit(_model(), _loader(data), epochs=2, val_loader=_loader(data),
                        device="cpu", progress=False)
    axes = history.plot(label="tiny")
    assert len(axes) == 2
    labels = [line.get_label() for line in axes[1].get_lines()]
    assert labels == ["tiny train", "tiny val"]
    assert list(axes[0].get_lines()[0].get_xdata()) == [1, 2]
    train_line, val_line = axes[1].get_lines()
    assert train_line.get_color() == val_line.get_color()
    assert train_line.get_linestyle() == "--" and val_line.get_linestyle() == "-"
    history.plot(axes, label="again")  # a second run on the same axes, in a new colour
    assert len(axes[1].get_lines()) == 4
    assert axes[1].get_lines()[2].get_color() != train_line.get_color()


def test_bad_input():
    for epochs in (0, -1, 2.5, True, "3", None):
        with pytest.raises(ValueError, match="epochs must be an integer of at least 1"):
            train.fit(_model(), _loader(_blobs()), epochs=epochs, progress=False)
    history = train.fit(_model(), _loader(_blobs(16)), epochs=np.int64(2), device="cpu",
                        progress=False)  # NumPy integers count as integers
    assert len(history.records) == 2
    frozen = _model().requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        train.fit(frozen, _loader(_blobs()), epochs=1, progress=False)
    with pytest.raises(ValueError, match="yielded no data"):
        train.fit(_model(), [], epochs=1, device="cpu", progress=False)
    with pytest.raises(ValueError, match="yielded no data"):
        train.evaluate(_model(), [])
    with pytest.raises(ValueError, match="history is empty"):
        train.History().last("val_accuracy")
    assert train.History().to_frame().empty


def test_seed_everything_repeats_random_numbers():
    train.seed_everything(3)
    first = torch.rand(3)
    train.seed_everything(3)
    assert torch.equal(first, torch.rand(3))


@pytest.mark.parametrize("seed", [-1, 2.5, None, True, "0", 2**32, 10**400])
def test_seed_everything_refuses_a_bad_seed_by_name(seed):
    with pytest.raises(ValueError, match="seed must be"):
        train.seed_everything(seed)
