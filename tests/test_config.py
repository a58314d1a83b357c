"""Quick mode is read from the environment."""

from __future__ import annotations

import pytest

from mobilenet_tutorial import config


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_quick_mode_on(monkeypatch, value):
    monkeypatch.setenv(config.QUICK_ENV_VAR, value)
    assert config.is_quick()
    assert config.pick(full=10, quick=2) == 2


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_quick_mode_off(monkeypatch, value):
    monkeypatch.setenv(config.QUICK_ENV_VAR, value)
    assert not config.is_quick()
    assert config.pick(full=10, quick=2) == 10


def test_quick_mode_off_when_unset(monkeypatch):
    monkeypatch.delenv(config.QUICK_ENV_VAR, raising=False)
    assert config.pick(full="full", quick="quick") == "full"
