"""The book's run-time table: mode detection, the stored record and its checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import runtimes  # noqa: E402


@pytest.mark.parametrize(("value", "mode"), [(None, "full"), ("", "full"), ("0", "full"),
                                             ("false", "full"), ("1", "quick"), ("yes", "quick")])
def test_build_mode_follows_the_quick_variable(monkeypatch, value, mode):
    if value is None:
        monkeypatch.delenv("MOBILENET_TUTORIAL_QUICK", raising=False)
    else:
        monkeypatch.setenv("MOBILENET_TUTORIAL_QUICK", value)
    assert runtimes.build_mode() == mode


@pytest.mark.parametrize(("seconds", "text"), [(None, "not measured"), (4.4, "4 s"),
                                               (59.6, "1 min 00 s"), (125.0, "2 min 05 s")])
def test_duration_is_rounded_to_whole_seconds(seconds, text):
    assert runtimes._duration(seconds) == text


def test_record_round_trips_and_is_written_atomically(tmp_path):
    path = tmp_path / "runtimes.json"
    assert runtimes.read_record(path) == {}
    record = {"quick": {"date": "2026-12-01", "cpu": "AMD EPYC", "cores": 2,
                        "seconds": {"notebooks/01_x": 12.5}}}
    runtimes.write_record(record, path)
    assert runtimes.read_record(path) == record
    assert [p.name for p in tmp_path.iterdir()] == ["runtimes.json"]  # no partial file left


@pytest.mark.parametrize("content", [[], {"slow": {}},
                                     {"full": {"date": "2026-12-01", "cpu": "x"}}])
def test_malformed_record_is_refused(tmp_path, content):
    path = tmp_path / "runtimes.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match="runtimes.json"):
        runtimes.read_record(path)


def test_committed_record_is_well_formed():
    record = runtimes.read_record()
    for entry in record.values():
        assert set(entry["seconds"]) <= {f"notebooks/{p.stem}" for p in
                                         (runtimes.RECORD.parents[1] / "notebooks").glob("*.ipynb")}
