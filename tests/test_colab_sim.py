"""The pure parts of tools/colab_sim.py (the Colab simulation behind `make colab`)."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_sim  # noqa: E402  (tools/colab_sim.py)

FREEZE = """\
# a comment
Keras==3.15.1
numpy==2.4.6
scikit_image==0.26.0
torch @ file:///opt/wheels/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl
zope.interface===7.0

-e git+https://example.org/repo.git@abc#egg=My_Pkg
"""


def test_canonical_name():
    assert colab_sim.canonical_name("Scikit_Image") == "scikit-image"
    assert colab_sim.canonical_name("zope.interface") == "zope-interface"
    assert colab_sim.canonical_name(" a__b-.c ") == "a-b-c"


def test_parse_freeze_exact():
    assert colab_sim.parse_freeze(FREEZE) == {
        "keras": "Keras==3.15.1",
        "numpy": "numpy==2.4.6",
        "scikit-image": "scikit_image==0.26.0",
        "torch": "torch @ file:///opt/wheels/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        "zope-interface": "zope.interface===7.0",
        "my-pkg": "-e git+https://example.org/repo.git@abc#egg=My_Pkg",
    }


def test_parse_freeze_editable_without_egg_is_keyed_by_line():
    assert colab_sim.parse_freeze("-e /some/path\n") == {"-e /some/path": "-e /some/path"}


def test_parse_freeze_rejects_garbage():
    with pytest.raises(ValueError, match="unexpected line"):
        colab_sim.parse_freeze("numpy==1\n!!! not a requirement\n")


def test_plan_reset_clean():
    baseline = colab_sim.parse_freeze(FREEZE)
    plan = colab_sim.plan_reset(baseline, dict(baseline))
    assert plan == colab_sim.ResetPlan((), ())
    assert plan.empty


def test_plan_reset_added_changed_removed():
    baseline = colab_sim.parse_freeze("numpy==2.4.6\npandas==3.1.1\ntorch==2.14.1\n")
    current = colab_sim.parse_freeze(
        "numpy==2.0.0\npandas==3.1.1\nonnx==1.23.2\nmobilenet-tutorial @ file:///w.whl\n"
        "protobuf==6.0\n")
    plan = colab_sim.plan_reset(baseline, current)
    assert plan.uninstall == ("mobilenet-tutorial", "numpy", "onnx", "protobuf")
    assert plan.reinstall == ("numpy==2.4.6", "torch==2.14.1")
    assert not plan.empty


def test_forbidden_in():
    assert colab_sim.forbidden_in(["numpy", "ONNX", "mobilenet_tutorial", "keras"]) == [
        "mobilenet-tutorial", "onnx"]
    assert colab_sim.forbidden_in(["torch", "ipywidgets"]) == []


def test_preinstalled_has_nothing_forbidden_and_pins_colab_versions():
    names = [colab_sim.canonical_name(r.split("==")[0])
             for r in colab_sim.COLAB_PREINSTALLED + colab_sim.COLAB_KERNEL]
    assert colab_sim.forbidden_in(names) == []
    assert "ipywidgets==7.7.1" in colab_sim.COLAB_PREINSTALLED
    assert {"torch==2.14.1", "torchvision==0.29.1"} <= set(colab_sim.COLAB_PREINSTALLED)
    assert "ipykernel" in names


def test_stub_is_a_namespace_subpackage_imported_at_startup():
    # a .pth line is executed only if it starts with "import"
    assert colab_sim.STUB_PTH == "import google.colab\n"
    assert colab_sim.STUB_PTH_NAME.endswith(".pth")
    compile(colab_sim.STUB_INIT, "google/colab/__init__.py", "exec")


def test_venv_spec_and_stamp_matching():
    spec = colab_sim.venv_spec("3.11.7")
    assert spec["python"] == "3.11.7"
    assert spec["preinstalled"] == list(colab_sim.COLAB_PREINSTALLED)
    assert spec["kernel"] == list(colab_sim.COLAB_KERNEL)
    assert spec == colab_sim.venv_spec("3.11.7")
    assert spec != colab_sim.venv_spec("3.12.0")
    stamp = json.loads(json.dumps({"spec": spec, "baseline": "numpy==2.4.6\n"}))
    assert colab_sim.stamp_matches(stamp, spec)
    assert not colab_sim.stamp_matches(None, spec)
    assert not colab_sim.stamp_matches({"spec": spec, "baseline": ""}, spec)
    assert not colab_sim.stamp_matches({"spec": spec}, spec)
    assert not colab_sim.stamp_matches(stamp, colab_sim.venv_spec("3.12.0"))


def test_kernel_env_exact(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    base = {
        "PATH": f"{repo}/.venv/bin:/usr/local/bin:{repo}:/usr/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PYTHONPATH": str(repo),
        "PYTHONDONTWRITEBYTECODE": "1",
        "VIRTUAL_ENV": f"{repo}/.venv",
        "MOBILENET_TUTORIAL_DATA": "/data",
        "MOBILENET_TUTORIAL_QUICK": "0",
        "TORCH_HOME": "/root/.cache/torch",
        "JUPYTER_PATH": "/tmp/kernels",
        "XDG_CACHE_HOME": "/root/.cache",
        "KERAS_BACKEND": "torch",
        "OMP_NUM_THREADS": "1",
    }
    home = tmp_path / "sandbox" / "root"
    venv = tmp_path / "venv"
    wheel = tmp_path / "dist" / "mobilenet_tutorial-0.1.0-py3-none-any.whl"
    env = colab_sim.kernel_env(base, home=home, venv=venv, wheel=wheel, repository=repo)
    assert env == {
        "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PYTHONDONTWRITEBYTECODE": "1",
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TORCH_HOME": str(home / ".cache" / "torch"),
        "MOBILENET_TUTORIAL_QUICK": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "MOBILENET_TUTORIAL_SOURCE": f"file://{wheel}",
    }
    assert base["PYTHONPATH"] == str(repo)  # the input is not modified


def test_kernelspec():
    python = Path("/x/venv/bin/python")
    spec = colab_sim.kernelspec(python)
    assert spec["argv"] == ["/x/venv/bin/python", "-m", "ipykernel_launcher", "-f",
                            "{connection_file}"]
    assert spec["language"] == "python"


def test_foreign_wheel_entries():
    names = [
        "mobilenet_tutorial/__init__.py",
        "mobilenet_tutorial/models/v2.py",
        "mobilenet_tutorial-0.1.0.dist-info/METADATA",
        "mobilenet_tutorial-0.1.0.dist-info/licenses/LICENSE",
        "notebooks/01.ipynb",
        "tests/test_x.py",
        "mobilenet_tutorial_extra/x.py",
    ]
    assert colab_sim.foreign_wheel_entries(names) == [
        "notebooks/01.ipynb", "tests/test_x.py", "mobilenet_tutorial_extra/x.py"]


def test_select_notebooks():
    available = [Path("nb/01_cost.ipynb"), Path("nb/05_efficientnet.ipynb"),
                 Path("nb/08_practice.ipynb")]
    assert colab_sim.select_notebooks(available, []) == available
    assert colab_sim.select_notebooks(available, ["8", "05"]) == [available[1], available[2]]
    assert colab_sim.select_notebooks(available, ["05_efficientnet"]) == [available[1]]
    assert colab_sim.select_notebooks(available, ["notebooks/01_cost.ipynb", "1"]) == [
        available[0]]
    with pytest.raises(ValueError, match="no notebook matches '9'"):
        colab_sim.select_notebooks(available, ["9"])
    with pytest.raises(ValueError, match="no notebook matches 'cost'"):
        colab_sim.select_notebooks(available, ["cost"])


def test_first_error():
    notebook = {"cells": [
        {"cell_type": "markdown", "source": "x"},
        {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "hi"}]},
        {"cell_type": "code", "outputs": [
            {"output_type": "error", "ename": "WeightsNotFoundError", "evalue": "no file"}]},
        {"cell_type": "code", "outputs": [
            {"output_type": "error", "ename": "ValueError", "evalue": "later"}]},
    ]}
    assert colab_sim.first_error(notebook) == (2, "WeightsNotFoundError", "no file")
    assert colab_sim.first_error({"cells": [{"cell_type": "code", "outputs": []}]}) is None


def test_one_line():
    assert colab_sim.one_line("\x1b[31mError\x1b[0m:\n  bad   thing\n") == "Error: bad thing"
    assert colab_sim.one_line("x" * 300, limit=10) == "xxxxxxx..."


def test_the_real_wheel_holds_the_package_only(tmp_path):
    """Build the wheel as `make colab` does (a copy of the sources; nothing written here)."""
    had_build = (ROOT / "build").exists()
    wheel = colab_sim.build_wheel(ROOT, tmp_path / "dist")
    assert (ROOT / "build").exists() == had_build  # setuptools built in a copy
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert colab_sim.foreign_wheel_entries(names) == []
    assert "mobilenet_tutorial/weights/__init__.py" in names
    assert "mobilenet_tutorial/layers/inverted_residual.py" in names
    assert "mobilenet_tutorial/models/__init__.py" in names


def test_select_notebooks_accepts_an_edited_copy(tmp_path):
    available = [tmp_path / "nb" / "01_cost.ipynb", tmp_path / "nb" / "05_efficientnet.ipynb"]
    for path in available:
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}")
    copy = tmp_path / "elsewhere" / "05_efficientnet.ipynb"
    copy.parent.mkdir()
    copy.write_text("{}")
    assert colab_sim.select_notebooks(available, [str(copy), "1", str(copy)]) == [
        available[0], copy]
    assert colab_sim.select_notebooks(available, [str(available[1])]) == [available[1]]
    with pytest.raises(ValueError, match="no notebook matches"):
        colab_sim.select_notebooks(available, [str(tmp_path / "missing.ipynb")])


def test_requirement_name():
    assert colab_sim.requirement_name("Pandas==2.2.2") == "pandas"
    assert colab_sim.requirement_name("scikit_image>=0.22") == "scikit-image"
    assert colab_sim.requirement_name("keras") == "keras"
    with pytest.raises(ValueError, match="not a requirement"):
        colab_sim.requirement_name("==1.0")


def test_pins_replace_in_place_or_add():
    requirements = ("torch==2.14.1", "numpy", "pandas", "ipywidgets==7.7.1")
    pins = ["pandas==2.2.2", "NumPy==2.0.2", "seaborn==0.13.2"]
    assert colab_sim.apply_pins(requirements, pins) == (
        "torch==2.14.1", "NumPy==2.0.2", "pandas==2.2.2", "ipywidgets==7.7.1")
    assert colab_sim.extra_pins(pins, requirements) == ("seaborn==0.13.2",)
    assert colab_sim.apply_pins(requirements, []) == requirements


def test_venv_spec_with_pins():
    default = colab_sim.venv_spec("3.11.7")
    pinned = colab_sim.venv_spec("3.11.7", ["pandas==2.2.2", "ipython==8.0.0", "seaborn"])
    assert pinned != default
    assert pinned["preinstalled"] == [
        "pandas==2.2.2" if r == "pandas" else r for r in colab_sim.COLAB_PREINSTALLED
    ] + ["seaborn"]
    assert pinned["kernel"] == ["ipykernel==6.17.1", "ipython==8.0.0", "notebook==6.5.7"]


def test_cell_label():
    notebook = {"cells": [{"cell_type": "markdown"}, {"cell_type": "code", "execution_count": 7},
                          {"cell_type": "code", "execution_count": None}]}
    assert colab_sim.cell_label(notebook, 1) == "cell 1 (In [7])"
    assert colab_sim.cell_label(notebook, 2) == "cell 2"
    assert colab_sim.cell_label(notebook, 0) == "cell 0"
    assert colab_sim.cell_label(notebook, -1) == "cell -1"
