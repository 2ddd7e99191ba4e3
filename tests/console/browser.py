"""Headless Debian Chromium driven by Selenium through Debian's chromedriver: nothing is downloaded (Selenium
Manager is never asked for a browser, the driver's path is given)."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def available() -> str | None:
    """None when the browser can be driven, else why not."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (./dev.sh setup installs the test extras)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists() and not shutil.which(Path(path).name):
            return f"{path} is missing (./dev.sh setup installs Debian's chromium and chromium-driver)"
    return None


def driver(width: int = 1366, height: int = 768, mobile: bool = False):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--lang=vi-VN", f"--window-size={width},{height}",
                "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    if mobile:
        opts.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0},
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/126.0 Mobile Safari/537.36"})
    drv = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
    drv.set_page_load_timeout(30)
    if not mobile:
        drv.set_window_size(width, height)
    return drv


def screenshot(drv, path: Path, full_height: bool = False) -> Path:  # type: ignore[no-untyped-def]
    """The viewport as PNG (``full_height``: the whole page at the window's width)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if full_height:
        size = drv.get_window_size()
        height = drv.execute_script("return document.documentElement.scrollHeight")
        drv.set_window_size(size["width"], max(size["height"], min(int(height) + 140, 4000)))
        drv.save_screenshot(str(path))
        drv.set_window_size(size["width"], size["height"])
    else:
        drv.save_screenshot(str(path))
    return path
