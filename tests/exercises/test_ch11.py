"""Tests of chapter 11's exercise checks: right answers pass, wrong ones get a hint, None fails."""

from __future__ import annotations

import pytest
from test_exercises_common import RIGHT, assert_verdict

from mobilenet_tutorial.exercises import ch11

PADDED = (334, 2)  # ceil(1000 / 3) per rank; 3 * 334 - 1000 repeated
TOLERANCE = 8192 * 2.0**-23 * 0.5  # 2**-11


def _right(indices, rank, world_size):
    usable = len(indices) - len(indices) % world_size
    return indices[rank:usable:world_size]


def _no_drop(indices, rank, world_size):
    return indices[rank::world_size]


def _blocks(indices, rank, world_size):
    share = len(indices) // world_size
    return indices[rank * share:(rank + 1) * share]


def _sorted(indices, rank, world_size):
    return sorted(_right(indices, rank, world_size))


def _raises(indices, rank, world_size):
    raise RuntimeError("oops")


@pytest.mark.parametrize(("check", "answer", "clue"), [
    (ch11.check_padded_shards, PADDED, RIGHT),
    (ch11.check_padded_shards, [334.0, 2], RIGHT),
    (ch11.check_padded_shards, None, "replace None"),
    (ch11.check_padded_shards, (333, 1), "drop_last=True"),
    (ch11.check_padded_shards, (334, 0), "count how many"),
    (ch11.check_padded_shards, (500, 2), "rounded up"),
    (ch11.check_padded_shards, (10, 10), "rounding up"),
    (ch11.check_padded_shards, 334, "replace None"),
    (ch11.check_gradient_tolerance, TOLERANCE, RIGHT),
    (ch11.check_gradient_tolerance, 4.883e-4, RIGHT),
    (ch11.check_gradient_tolerance, None, "replace None"),
    (ch11.check_gradient_tolerance, TOLERANCE / 2, "not the unit roundoff"),
    (ch11.check_gradient_tolerance, 8192 * 2.0**-52 * 0.5, "float32's eps"),
    (ch11.check_gradient_tolerance, 8192 * 2.0**-23, "size of the terms"),
    (ch11.check_gradient_tolerance, 2.0**-24, "once per term"),
    (ch11.check_gradient_tolerance, 1.0, "rounding_tolerance"),
    (ch11.check_shard, _right, RIGHT),
    (ch11.check_shard, None, "replace None"),
    (ch11.check_shard, _no_drop, "drop the tail"),
    (ch11.check_shard, _blocks, "like cards"),
    (ch11.check_shard, _sorted, "wrong order"),
    (ch11.check_shard, _raises, "your function raised RuntimeError: oops"),
    (ch11.check_shard, lambda i, r, w: None, "a list of indices"),
    (ch11.check_shard, lambda i, r, w: i[:1], "not its shard"),
    (ch11.check_scaled_run, (256, 0.4), RIGHT),
    (ch11.check_scaled_run, [256.0, 0.4], RIGHT),
    (ch11.check_scaled_run, None, "replace None"),
    (ch11.check_scaled_run, (256, 0.1), "grows with it"),
    (ch11.check_scaled_run, (256, 0.2), "square-root"),
    (ch11.check_scaled_run, (64, 0.4), "global batch grows"),
    (ch11.check_scaled_run, (32, 0.1), "batch of one process"),
    (ch11.check_scaled_run, (100, 1.0), "multiply the batch"),
    (ch11.check_scaled_run, 256, "replace None"),
])
def test_each_answer_gets_its_verdict(check, answer, clue, capsys):
    assert_verdict(capsys, check, answer, clue,
                   hidden=["334", "0.000488", "4.88e-04", "256", "0.4"])
