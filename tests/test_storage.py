"""Tests of mobilenet_tutorial.storage: a write lands whole or not at all."""

from __future__ import annotations

import pytest

from mobilenet_tutorial.storage import atomic_path


def test_the_file_appears_only_when_the_block_ends(tmp_path):
    target = tmp_path / "sub" / "model.pt"
    with atomic_path(target) as partial:
        partial.write_bytes(b"abc")
        assert not target.exists() and partial.parent == target.parent
        assert partial.name.startswith(".model.pt.") and partial.suffix == ".partial"
    assert target.read_bytes() == b"abc"
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.pt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "model.pt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_two_writers_get_two_temporary_files(tmp_path):
    target = tmp_path / "x.bin"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second
        first.write_bytes(b"1")
        second.write_bytes(b"2")
    assert target.read_bytes() == b"1"  # the outer block ends last: its file wins


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"), atomic_path(tmp_path):
        pass
