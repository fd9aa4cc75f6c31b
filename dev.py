#!/usr/bin/env python3
"""Set up and run Hookmaker with nothing but Python 3.11 and pip.

    python3 dev.py run      the whole pipeline (hookmaker up): Redis, emulator, ingress, worker
    python3 dev.py test     the whole test suite (extra arguments go to pytest)

Each creates (or reuses) the virtual environment .venv and installs what it needs; the
install is redone only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"


def ensure_venv(extras: str) -> Path:
    """The venv's python, with the project (and ``extras``) installed and current."""
    python = BIN / "python"
    if not python.exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".hookmaker-installed"
    if not stamp.exists() or stamp.read_text() != want:
        print(f"installing hookmaker[{extras}] into .venv ...", flush=True)
        subprocess.check_call([str(python), "-m", "pip", "install", "--quiet",
                               "--disable-pip-version-check", "-e", f".[{extras}]"], cwd=ROOT)
        stamp.write_text(want)
    return python


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    os.chdir(ROOT)
    if command == "run":
        ensure_venv("test")          # one install serves both commands
        os.execv(BIN / "hookmaker", [str(BIN / "hookmaker"), "up", *rest])
    if command == "test":
        python = ensure_venv("test")
        subprocess.check_call([str(python), "tests/browser/install_chromium.py"])
        os.execv(python, [str(python), "-m", "pytest", *rest])
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
