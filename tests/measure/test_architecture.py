"""Tests of the architecture tables (mobilenet_tutorial.architecture)."""

from __future__ import annotations

import importlib

import pytest

from mobilenet_tutorial.measure.architecture import block_memory, block_table
from mobilenet_tutorial.models import efficientnet_lite0, mobilenet_v2, mobilenet_v3_large
from mobilenet_tutorial.models.mobilenet_v3 import V3_LARGE


def test_block_table_of_mobilenet_v3_large():
    table = block_table(mobilenet_v3_large())
    assert len(table) == 1 + len(V3_LARGE) + 1
    assert table.loc[0, "input"] == "224x224x3" and table.loc[0, "NL"] == "HS"
    assert table.loc[1, "input"] == "112x112x16"
    assert list(table["exp"][1:-1]) == [row.exp for row in V3_LARGE]
    assert list(table["SE"][1:-1]) == [row.se for row in V3_LARGE]
    assert list(table["NL"][1:-1]) == [row.nl for row in V3_LARGE]
    assert table.iloc[-1]["input"] == "7x7x160" and table.iloc[-1]["out"] == 960


def test_block_table_of_lite0_uses_relu6_labels():
    table = block_table(efficientnet_lite0())
    assert len(table) == 18 and set(table["NL"]) == {"RE6"}
    assert not table["SE"].any()


def test_block_memory_of_mobilenet_v2():
    rows = block_memory(mobilenet_v2())
    assert len(rows) == 17 and rows[2]["block"] == "features.3"
    assert rows[2]["inverted"] == 2 * 24 * 56 * 56 and rows[2]["classic"] == 2 * 144 * 56 * 56
    with pytest.raises(ValueError, match="image_size must be at least 32"):
        block_memory(mobilenet_v2(), 16)


def test_old_import_paths_still_work():
    from mobilenet_tutorial.models import blocks

    v2_module = importlib.import_module("mobilenet_tutorial.models.mobilenet_v2")

    assert blocks.block_table is block_table and v2_module.block_memory is block_memory
