"""The package itself passes ``mypy --strict``."""

from __future__ import annotations

from pathlib import Path

from mypy import api

from shapecheck._stubs import PACKAGED

ROOT = Path(__file__).resolve().parents[1]


def test_package_passes_mypy_strict() -> None:
    out, err, status = api.run(["--strict", "--no-incremental", str(ROOT / "shapecheck")])
    assert status == 0, out + err


def test_user_code_importing_shapecheck_does_not_pull_torch_into_mypy(tmp_path: Path) -> None:
    """``import shapecheck`` must not make mypy analyse the torch bridge, which imports torch (with torch
    installed, 1,800 more modules in a cold run): ``to_torch``/``from_torch`` load lazily, as ``Any``."""
    user = tmp_path / "user.py"
    user.write_text("import shapecheck\nfrom shapecheck import nn\nm = nn.Sequential(nn.Input(1, 3), nn.Linear(3, 4))\n")
    ini = tmp_path / "mypy.ini"
    ini.write_text(f"[mypy]\nmypy_path = {ROOT}:{PACKAGED}\nplugins = shapecheck.mypy\n")
    out, err, status = api.run(["--config-file", str(ini), "--no-incremental", "-v", str(user)])
    assert status == 0, out + err
    parsed = [line for line in err.splitlines() if line.startswith("LOG:  Parsing")]
    assert any("(shapecheck.nn)" in line for line in parsed), err[-2000:]
    assert not [line for line in parsed if "(shapecheck.bridge" in line or "(torch.fx" in line]
