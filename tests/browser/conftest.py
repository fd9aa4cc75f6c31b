"""A headless Debian Chromium driven by Selenium (the system chromedriver), and the whole
stack: Redis, the FileMaker emulator, ingress, a Celery worker and the console."""

from __future__ import annotations

import pytest

from browsing import FLAGS
from install_chromium import CHROMEDRIVER, CHROMIUM, ensure_chromium


@pytest.fixture(scope="session")
def chromium() -> str:
    ensure_chromium()
    return CHROMIUM


@pytest.fixture
def browser(chromium, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    driver.shots = []
    yield driver
    driver.quit()


@pytest.fixture
def stack(pipeline):
    from admin.testing import Console, add_admin_section

    p = pipeline()
    add_admin_section(p.config_path, rate_per_s=20)
    p.start_ingress()
    p.start_worker()
    p.console = Console(p.config_path, p.workdir).start()
    yield p
    p.console.stop()

