"""Tests of chapter 6's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mobilenet_tutorial import transfer
from mobilenet_tutorial.exercises import ch06

BLACK_BLUE = (0 - 0.406) / 0.225


def _right_setup(model: nn.Module) -> None:
    model.train()
    transfer.freeze(model.features)
    model.features.eval()


def _frozen_but_training(model: nn.Module) -> None:
    transfer.freeze(model.features)


def _all_eval(model: nn.Module) -> None:
    transfer.freeze(model.features)
    model.eval()


def _everything_frozen(model: nn.Module) -> None:
    transfer.freeze(model)
    model.features.eval()


def _raises(model: nn.Module) -> None:
    raise RuntimeError("oops")


@pytest.fixture(scope="module")
def model() -> nn.Module:
    return transfer.mobilenet_v2_classifier(10, pretrained=False)


def _optimizer(model: nn.Module, backbone_lr: float, head_lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam([{"params": model.features.parameters(), "lr": backbone_lr},
                             {"params": model.classifier.parameters(), "lr": head_lr}])


def _hint(capsys) -> str:
    out = capsys.readouterr().out
    assert "Hint:" in out and "correct" not in out
    return out


def test_black_pixel(capsys):
    assert ch06.check_black_pixel(BLACK_BLUE) is True
    assert "correct" in capsys.readouterr().out
    assert ch06.check_black_pixel(round(BLACK_BLUE, 3)) is True
    capsys.readouterr()
    for wrong, clue in [(None, "replace None"), (0, "subtracted first"),
                        (-0.406, "divide by the standard deviation"), (-2.1179, "blue"),
                        (True, "replace None")]:
        assert ch06.check_black_pixel(wrong) is False
        out = _hint(capsys)
        assert clue in out and "1.80" not in out


def test_cut_shape(capsys):
    # split_model(model, 3) cuts after features[15], a 160-channel block; 96 / 32 = 3.
    assert ch06.check_cut_shape((160, 3, 3)) is True
    assert ch06.check_cut_shape(torch.Size([160, 3, 3])) is True
    capsys.readouterr()
    for wrong, clue in [(None, "replace None"), ((1, 160, 3, 3), "batch dimension"),
                        ((160, 6, 6), "channels are right"), ((96, 3, 3), "height and width"),
                        ((32, 8, 8), "features[15]"), ((160, 3), "three numbers"),
                        ("160x3x3", "replace None")]:
        assert ch06.check_cut_shape(wrong) is False
        out = _hint(capsys)
        assert clue in out and "160" not in out


def test_head_training_setup(capsys):
    assert ch06.check_head_training_setup(_right_setup) is True
    assert "correct" in capsys.readouterr().out
    for wrong, clue in [(None, "replace None"), (_frozen_but_training, "BatchNorm"),
                        (_all_eval, "dropout"), (_everything_frozen, "head must learn"),
                        (lambda m: None, "freeze model.features"), (_raises, "RuntimeError")]:
        assert ch06.check_head_training_setup(wrong) is False
        assert clue in _hint(capsys)


def test_optimizer(capsys, model):
    assert ch06.check_optimizer(_optimizer(model, 1e-4, 1e-3), model) is True
    assert "correct" in capsys.readouterr().out
    other = transfer.mobilenet_v2_classifier(10, pretrained=False)
    cases = [
        (None, "replace None"),
        (_optimizer(model, 1e-3, 1e-3), "ten times"),
        (_optimizer(model, 1e-4, 1e-4), "larger rate"),
        (_optimizer(other, 1e-4, 1e-3), "same model"),
        (torch.optim.Adam(model.classifier.parameters(), lr=1e-3), "every parameter"),
    ]
    twice = _optimizer(model, 1e-4, 1e-3)  # torch refuses this at construction; sneak it in
    twice.param_groups[0]["params"].append(next(model.classifier.parameters()))
    cases.append((twice, "two groups"))
    for wrong, clue in cases:
        assert ch06.check_optimizer(wrong, model) is False
        assert clue in _hint(capsys)
