"""Tests of chapter 6's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
import torch
from test_exercises_common import RIGHT, assert_verdict
from torch import nn

from mobilenet_tutorial import transfer
from mobilenet_tutorial.exercises import ch06

BLACK_BLUE = (0 - 0.406) / 0.225
CUT_SHAPE = (160, 3, 3)  # split_model(model, 3) cuts after features[15]; 96 / 32 = 3


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


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch06.check_black_pixel, BLACK_BLUE, RIGHT),
    (ch06.check_black_pixel, round(BLACK_BLUE, 3), RIGHT),
    (ch06.check_black_pixel, None, "replace None"),
    (ch06.check_black_pixel, 0, "subtracted first"),
    (ch06.check_black_pixel, -0.406, "divide by the standard deviation"),
    (ch06.check_black_pixel, -2.1179, "blue"),
    (ch06.check_black_pixel, True, "replace None"),
    (ch06.check_black_pixel, "-1.8x", "replace None"),  # once the last hint
    (ch06.check_cut_shape, CUT_SHAPE, RIGHT),
    (ch06.check_cut_shape, torch.Size(CUT_SHAPE), RIGHT),
    (ch06.check_cut_shape, [160.0, 3, 3], RIGHT),
    (ch06.check_cut_shape, None, "replace None"),
    (ch06.check_cut_shape, (1, 160, 3, 3), "batch dimension"),
    (ch06.check_cut_shape, (160, 6, 6), "channels are right"),
    (ch06.check_cut_shape, (96, 3, 3), "height and width"),
    (ch06.check_cut_shape, (32, 8, 8), "features[15]"),
    (ch06.check_cut_shape, (160, 3), "three numbers"),
    (ch06.check_cut_shape, "160x3x3", "replace None"),
    (ch06.check_cut_shape, (160.5, 3, 3), "replace None"),  # once read as 160
    (ch06.check_head_training_setup, _right_setup, RIGHT),
    (ch06.check_head_training_setup, None, "replace None"),
    (ch06.check_head_training_setup, _frozen_but_training, "BatchNorm"),
    (ch06.check_head_training_setup, _all_eval, "dropout"),
    (ch06.check_head_training_setup, _everything_frozen, "head must learn"),
    (ch06.check_head_training_setup, lambda m: None, "freeze model.features"),
    (ch06.check_head_training_setup, _raises, "your function raised RuntimeError: oops"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue, hidden=["1.80", "160", "eval()"])


def _optimizer(model: nn.Module, backbone_lr: float, head_lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam([{"params": model.features.parameters(), "lr": backbone_lr},
                             {"params": model.classifier.parameters(), "lr": head_lr}])


def _twice(model: nn.Module) -> torch.optim.Optimizer:
    optimizer = _optimizer(model, 1e-4, 1e-3)  # torch refuses this at construction; sneak it in
    optimizer.param_groups[0]["params"].append(next(model.classifier.parameters()))
    return optimizer


@pytest.mark.parametrize(("build", "clue"), [
    (lambda model: _optimizer(model, 1e-4, 1e-3), RIGHT),
    (None, "replace None"),
    ("an optimizer", "replace None"),
    (lambda model: None, "return a torch.optim optimizer"),
    (lambda model: 1 / 0, "raised ZeroDivisionError"),
    (lambda model: _optimizer(model, 1e-3, 1e-3), "ten times"),
    (lambda model: _optimizer(model, 1e-4, 1e-4), "larger rate"),
    (lambda model: _optimizer(transfer.mobilenet_v2_classifier(10, pretrained=False), 1e-4, 1e-3),
     "build it from the argument"),
    (lambda model: torch.optim.Adam(model.classifier.parameters(), lr=1e-3), "every parameter"),
    (_twice, "two groups"),
])
def test_each_optimizer_gets_its_verdict(build, clue, capsys):
    assert_verdict(capsys, ch06.check_optimizer, build, clue)
