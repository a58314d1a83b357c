"""Gluing a value stores myst-nb's hidden bundle and returns the value; bad names are refused."""

from __future__ import annotations

import builtins
import sys

import pytest

from mobilenet_tutorial import glue as glue_module
from mobilenet_tutorial.glue import glue


def test_glue_returns_the_value_and_stores_it_without_display(monkeypatch):
    shown = []

    def fake_display(data, raw=False, metadata=None):
        shown.append((data, raw, metadata))

    import myst_nb.ext.glue as myst_glue

    monkeypatch.setattr(myst_glue, "ipy_display", fake_display)
    assert glue("speedup_int8", 5.25) == 5.25
    (data, raw, metadata), = shown
    assert raw is True
    assert data == {"application/papermill.record/text/plain": "5.25"}
    assert metadata["scrapbook"]["name"] == "speedup_int8"


def test_a_string_is_pasted_without_quotes():
    from myst_nb.core.variables import format_plain_text

    assert format_plain_text(repr("not reached"), "") == "not reached"
    assert format_plain_text(repr(0.98765), ".1%") == "98.8%"


def test_without_myst_nb_glue_does_nothing(monkeypatch):
    real_import = builtins.__import__

    def no_myst(name, *args, **kwargs):
        if name.startswith("myst_nb"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "myst_nb", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_myst)
    assert glue("top1", "71.9%") == "71.9%"


@pytest.mark.parametrize("name", ["", "Speedup", "a:b", "1x", "a-b", "a b"])
def test_a_bad_name_is_refused_by_name(name):
    with pytest.raises(ValueError, match="name must be lower-case"):
        glue(name, 1)


def test_a_name_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="name must be a string"):
        glue(3, 1)


def test_the_name_pattern():
    assert glue_module.NAME_PATTERN.fullmatch("ch8_int8_b1_speedup")


def test_numpy_and_torch_scalars_are_stored_as_python_numbers(monkeypatch):
    import numpy as np
    import torch

    shown = []
    import myst_nb.ext.glue as myst_glue

    monkeypatch.setattr(myst_glue, "ipy_display",
                        lambda data, raw=False, metadata=None: shown.append(data))
    value = np.float64(2.5)
    assert glue("ratio", value) is value
    glue("count", np.int64(7))
    glue("loss", torch.tensor(0.25))
    glue("table", np.array([1, 2]))
    texts = [d["application/papermill.record/text/plain"] for d in shown]
    assert texts == ["2.5", "7", "0.25", "array([1, 2])"]
