"""A real headless browser for the HTML reports: Debian's chromium.

Tests that need it skip, naming how to get it, only when it is not installed
(``.ci/run`` installs it where apt-get can).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120


def chromium() -> str:
    """The browser's path, or a skip that says how to install it."""
    found = next((path for path in map(shutil.which, NAMES) if path), None)
    if found is None:
        pytest.skip("no chromium to render the HTML reports in (apt-get install chromium; .ci/run does)")
    return found


def _run(page: Path, profile: Path, *flags: str) -> subprocess.CompletedProcess:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",  # the tests may run as root (CI containers), where the sandbox refuses to start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",  # its own profile: runs in parallel do not share a lock
        *flags,
        page.resolve().as_uri(),
    ]
    # HOME too: chromium writes caches there, and a shared HOME may not be writable.
    env = {**os.environ, "HOME": str(profile)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM after chromium has parsed and laid out ``page``, serialized."""
    return _run(page, profile, "--dump-dom").stdout


def print_pdf(page: Path, profile: Path) -> bytes:
    """``page`` printed to PDF by chromium (its print stylesheet applied)."""
    out = profile / f"{page.stem}.pdf"
    _run(page, profile, "--no-pdf-header-footer", f"--print-to-pdf={out}")
    return out.read_bytes()


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def pdf_title(pdf: bytes) -> str:
    """The document title chromium writes into the PDF's info (UTF-16 in hex)."""
    match = re.search(rb"/Title\s*<FEFF([0-9A-Fa-f]*)>", pdf)
    if match:
        return bytes.fromhex(match.group(1).decode()).decode("utf-16-be")
    match = re.search(rb"/Title\s*\(([^)]*)\)", pdf)
    return match.group(1).decode("latin-1") if match else ""
