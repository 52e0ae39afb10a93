"""Debian's chromium driven by selenium against the app served on 127.0.0.1 by the test.
Skipped, with the reason, where chromium, its driver, selenium or the built pages are
missing (`.ci/run` installs chromium where apt can)."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("MOTCUA_CHROMEDRIVER", "/usr/bin/chromedriver")


def why_not() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK)):
        return f"no chromium at {CHROMIUM} and {DRIVER} (apt-get install chromium " \
               "chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if not (ROOT / "web" / "dist" / "inbox.js").is_file():
        return "the pages are not built (make install)"
    return None


def skip_without_browser() -> None:
    reason = why_not()
    if reason:
        pytest.skip(reason)


@contextmanager
def served(app: Any) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, on threads, for as long as the block runs."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium(width: int = 1366, height: int = 768) -> Iterator[Any]:
    """Headless chromium at a laptop's screen size, its clock in UTC: the pages must show
    the province's time whatever the browser's zone."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--lang=vi"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(DRIVER, env={**os.environ, "TZ": "UTC"})
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def csp_violations(driver: Any) -> list[str]:
    """What the page's console said about its Content Security Policy since last asked
    (chromium logs each refused script, style or style attribute there)."""
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"]]


def screenshot(driver: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def wait_for(driver: Any, css: str, timeout: float = 15.0) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_text(driver: Any, css: str, text: str, timeout: float = 15.0) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def rmtree_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


def leave_valid(driver: Any, field: Any, scope: str, timeout: float = 15.0) -> None:
    """Tab out of `field` and wait until nothing in `scope` is marked invalid: the errors
    going away move the buttons below, and a click sent before would land where a button
    had been."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    field.send_keys(Keys.TAB)
    WebDriverWait(driver, timeout).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f"{scope} .invalid"))

