"""The mypy plugin: shape errors of ``shapecheck.nn`` and ``torch.nn`` models at the offending layer.

Enable it with ``plugins = ["shapecheck.mypy"]`` under ``[tool.mypy]`` (or ``plugins = shapecheck.mypy``
in mypy.ini). Errors carry the code ``shape``. Supported: mypy 2.x.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Final

from mypy.plugin import Plugin

from shapecheck._mypy.plugin import ShapecheckPlugin

__all__ = ["__version__", "plugin"]

__version__: Final = "0.1.0"

SUPPORTED_MYPY: Final = ((2, 0), (3, 0))
"""The mypy versions this plugin is tested with: ``2.0 <= mypy < 3.0``."""


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point. Outside the supported range the plugin disables itself (with a warning)."""
    if not supported(version):
        low, high = (".".join(map(str, v)) for v in SUPPORTED_MYPY)
        print(f"shapecheck.mypy: mypy {version} is not supported (needs {low} <= mypy < {high}); shape checks are off", file=sys.stderr)
        return Plugin
    ShapecheckPlugin.fingerprint = _fingerprint()
    return ShapecheckPlugin


def supported(version: str) -> bool:
    """Whether mypy ``version`` (``"2.4.1"``, ``"2.5.0+dev.abc"``) is in :data:`SUPPORTED_MYPY`."""
    parts = []
    for piece in version.split("+")[0].split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            return False
        parts.append(int(digits))
    low, high = SUPPORTED_MYPY
    return low <= tuple(parts) < high


def _fingerprint() -> str:
    """The plugin version and a digest of shapecheck's sources: mypy's cache is stale when either changes."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"
