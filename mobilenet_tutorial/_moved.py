"""Old module paths of the package, and where each module went.

The package was regrouped into folders named for concepts (``measure``, ``data``,
``transfer``, ``keras_port``, ``deploy``, ``layers``, ...).  Code written for the old
layout keeps working: importing an old path such as ``mobilenet_tutorial.profile``
gives the module that now holds its names (here :mod:`mobilenet_tutorial.measure.counting`),
with a ``DeprecationWarning`` naming the new path.  :data:`MOVED` is the whole list.
(``data``, ``transfer`` and ``deploy`` kept their names and became folders; their
``__init__`` re-exports what the old modules held.)
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType

__all__ = ["MOVED", "install"]

_PACKAGE = __name__.rpartition(".")[0]

MOVED: dict[str, str] = {
    "profile": "measure.counting",
    "cost": "measure.cost",
    "bench": "measure.timing",
    "roofline": "measure.roofline",
    "tolerance": "measure.tolerance",
    "architecture": "measure.architecture",
    "transfer_data": "data.image_folders",
    "photos": "data.photos",
    "photo_views": "data.photo_views",
    "preprocessing": "data.transforms",
    "features": "transfer.features",
    "keras_counts": "keras_port.counts",
    "porting": "keras_port",
    "models.tf_padding": "layers.padding",
    "models.init": "layers.initialisation",
}
"""Old module path -> new module path, both relative to ``mobilenet_tutorial``."""


def moved_module(old: str) -> ModuleType:
    """The module that now holds the names of the old module ``old`` (a key of :data:`MOVED`).

    Raises:
        KeyError: if ``old`` is not an old path; the message lists the ones there are.
    """
    if old not in MOVED:
        raise KeyError(f"{old!r} is not an old module path of {_PACKAGE}; the old paths are "
                       f"{', '.join(sorted(MOVED))}")
    new = f"{_PACKAGE}.{MOVED[old]}"
    warnings.warn(f"{_PACKAGE}.{old} moved to {new}; import it from there",
                  DeprecationWarning, stacklevel=3)
    return importlib.import_module(new)


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module path and loads it as the module that now holds its names."""

    def find_spec(self, fullname: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        prefix = _PACKAGE + "."
        if fullname.startswith(prefix) and fullname[len(prefix):] in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = moved_module(spec.name[len(_PACKAGE) + 1:])
        spec.loader_state = module.__spec__  # the import system overwrites it; put it back
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = module.__spec__.loader_state


def install() -> None:
    """Let the old paths of :data:`MOVED` be imported (done once, on importing the package)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
