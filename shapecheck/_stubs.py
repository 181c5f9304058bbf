"""shapecheck's torch stubs: mypy's view of ``torch`` and ``torch.nn`` where torch is not installed.

They ship inside the package (``shapecheck/stubs/torch``), but mypy refuses a ``mypy_path`` inside
site-packages, so :func:`stubs_dir` copies them to a cache directory named by their content. They go
on mypy's path only where torch is not importable: never in front of a real torch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PACKAGED", "mypy_path", "stubs_dir", "torch_importable", "torch_visible"]

PACKAGED = Path(__file__).parent / "stubs"
"""The stubs as shipped: ``torch/__init__.pyi``, ``torch/nn/__init__.pyi``, ``torch/nn/functional.pyi``."""


def torch_importable() -> bool:
    """Whether ``import torch`` would find torch (looked up, never imported)."""
    spec = importlib.util.find_spec("torch")
    return spec is not None and spec.origin is not None


def stubs_dir() -> Path:
    """A directory holding the ``torch`` stubs that mypy accepts on its path: ``<cache>/stubs-<digest>``,
    the cache being ``$XDG_CACHE_HOME/shapecheck`` or ``~/.cache/shapecheck``. Raises ``OSError`` when
    it cannot be written.
    """
    digest = hashlib.sha256()
    for path in sorted(PACKAGED.rglob("*.pyi")):
        digest.update(path.relative_to(PACKAGED).as_posix().encode() + b"\0" + path.read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shapecheck"
    target = cache / f"stubs-{digest.hexdigest()[:16]}"
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        staging = tempfile.mkdtemp(dir=cache)
        shutil.copytree(PACKAGED, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        try:
            os.replace(staging, target)
        except OSError:  # another run copied the same stubs first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def mypy_path() -> list[str]:
    """What mypy's path needs for shapecheck here: the stubs where torch is not importable, else nothing."""
    return [] if torch_importable() else [str(stubs_dir())]


def torch_visible(mypy_paths: Sequence[str]) -> bool:
    """Whether mypy finds types for torch: torch itself, a ``torch-stubs`` package, or ``torch`` stubs in
    one of ``mypy_paths`` (the configuration's) or ``$MYPYPATH``.
    """
    if torch_importable():
        return True
    paths = [*os.environ.get("MYPYPATH", "").split(os.pathsep), *mypy_paths]
    return any(Path(p, "torch", "__init__.pyi").is_file() for p in paths if p) or any(
        Path(p, "torch-stubs").is_dir() for p in sys.path if p
    )
