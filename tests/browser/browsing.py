"""What the browser tests do with the page: log in, wait, click, take screenshots."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable

from selenium.webdriver.common.by import By

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1440,1000")
SHOTS = Path("/tmp")


def shoot(driver, folder: Path, name: str, *, keep: bool = False) -> Path:
    """A PNG of the page into the test's folder (and /tmp/console-NAME.png when kept)."""
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    if keep:
        shutil.copy(path, SHOTS / f"console-{name}.png")
    return path


def wait(check: Callable[[], object], *, timeout_s: float = 20, what: str = "page") -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = check()
        except Exception:       # noqa: BLE001 - the page is still loading
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def css(driver, selector: str):
    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def login(driver, url: str, name: str, password: str) -> None:
    driver.get(url + "/")
    wait(lambda: "/login" in driver.current_url, what="the login page")
    css(driver, "#username").send_keys(name)
    css(driver, "#password").send_keys(password)
    css(driver, "#login").click()
    wait(lambda: css(driver, "#whoami"), what="logged in")
