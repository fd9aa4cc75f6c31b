"""Make sure Debian's Chromium and its chromedriver are installed (idempotent).

Run by the test command before the browser tests (``python tests/browser/install_chromium.py``)
and by the browser tests' fixture as a fallback. Installs with apt-get when either is missing
(needs root, as on the developers' machines and CI); exits non-zero if it cannot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PACKAGES = ("chromium", "chromium-driver")


def installed() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


def ensure_chromium() -> None:
    """Install Chromium and chromedriver when missing.

    Raises:
        RuntimeError: apt-get is not there, or the install failed (its output is included).
    """
    if installed():
        return
    apt = shutil.which("apt-get")
    if apt is None:
        raise RuntimeError("Chromium is missing and there is no apt-get to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in ([apt, "update"], [apt, "install", "-y", "--no-install-recommends",
                                   *PACKAGES]):
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}"
                               f"\n{done.stderr[-2000:]}")
    if not installed():
        raise RuntimeError(f"installed {PACKAGES}, yet {CHROMIUM} or {CHROMEDRIVER} is missing")


if __name__ == "__main__":
    try:
        ensure_chromium()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    print(f"chromium ready: {CHROMIUM}, {CHROMEDRIVER}")
