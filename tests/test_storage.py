"""Tests of mobilenet_tutorial.storage: a write lands whole or not at all."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial.storage import (
    CorruptFileError,
    atomic_path,
    load_checked,
    save_checked,
    tensors_digest,
)


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


# ------------------------------------------------------------------ checked tensor files


def test_checked_files_round_trip_with_their_info(tmp_path):
    tensors = {"w": torch.arange(6.0).reshape(2, 3), "n": torch.tensor([1, 2])}
    path = save_checked(tensors, tmp_path / "a.pt", kind="test", seconds=1.5)
    loaded, info = load_checked(path)
    assert info == {"kind": "test", "seconds": 1.5}
    assert loaded.keys() == tensors.keys()
    assert all(torch.equal(loaded[k], tensors[k]) for k in tensors)


def test_a_flipped_byte_is_caught(tmp_path):
    path = save_checked({"w": torch.full((256,), 7.0)}, tmp_path / "a.pt")
    data = bytearray(path.read_bytes())
    seven = torch.tensor([7.0]).numpy().tobytes() * 4
    at = data.index(seven) + 5  # inside the tensor's stored bytes
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match="a.pt.*delete it"):
        load_checked(path)


def test_unreadable_and_unchecked_files_are_refused(tmp_path):
    truncated = save_checked({"w": torch.ones(64)}, tmp_path / "t.pt")
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(CorruptFileError, match="cannot be read"):
        load_checked(truncated)
    plain = tmp_path / "plain.pt"
    torch.save({"w": torch.ones(3)}, plain)
    with pytest.raises(CorruptFileError, match="no checksum"):
        load_checked(plain)
    wrong = tmp_path / "wrong.pt"
    torch.save({"tensors": {"w": torch.ones(3)}, "info": {}, "sha256": "0" * 64}, wrong)
    with pytest.raises(CorruptFileError, match="has changed"):
        load_checked(wrong)
    with pytest.raises(FileNotFoundError):
        load_checked(tmp_path / "missing.pt")


def test_digest_depends_on_names_dtypes_shapes_and_values():
    base = tensors_digest({"w": torch.zeros(2, 2)})
    assert base == tensors_digest({"w": torch.zeros(2, 2)})
    assert len({base, tensors_digest({"v": torch.zeros(2, 2)}),
                tensors_digest({"w": torch.zeros(4)}),
                tensors_digest({"w": torch.zeros(2, 2, dtype=torch.float64)}),
                tensors_digest({"w": torch.eye(2)})}) == 5
    with pytest.raises(TypeError, match="not a tensor"):
        tensors_digest({"w": [0.0]})


@pytest.mark.parametrize("target", [None, 3, ""])
def test_atomic_path_refuses_a_bad_target_when_called(target):
    with pytest.raises(TypeError, match="target must be the path of a file"):
        atomic_path(target)  # no `with`


def test_file_size_mb_names_a_missing_file_and_measures_a_real_one(tmp_path):
    from mobilenet_tutorial.measure.sizes import file_size_mb

    with pytest.raises(FileNotFoundError, match="path .*missing.onnx' is not a file"):
        file_size_mb(tmp_path / "missing.onnx")
    with pytest.raises(TypeError, match="path must be the path of a file"):
        file_size_mb(None)
    (tmp_path / "m.bin").write_bytes(b"\0" * 1_500_000)
    assert file_size_mb(tmp_path / "m.bin") == 1.5
