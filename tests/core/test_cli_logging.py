"""The CLI's logging: structlog is configured when something first imports it (most
commands never do), and then logs as before: on stderr, warnings and worse."""

import subprocess
import sys

PROBE = """
import sys
from onboard.core.logging import configure_cli_logging
configure_cli_logging({verbose})
print("imported before:", "structlog" in sys.modules, file=sys.stderr)
import structlog
log = structlog.get_logger("probe")
log.warning("a warning", engagement="e1")
log.info("an info line")
"""


def run(verbose: bool) -> subprocess.CompletedProcess[str]:
    code = PROBE.format(verbose=verbose)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_structlog_is_configured_when_first_imported():
    done = run(verbose=False)
    assert done.stdout == ""  # unconfigured, structlog would print every level to stdout
    assert "imported before: False" in done.stderr
    assert "a warning" in done.stderr and "engagement=e1" in done.stderr
    assert "an info line" not in done.stderr


def test_verbose_configures_it_at_once_and_shows_every_level():
    done = run(verbose=True)
    assert done.stdout == "" and "imported before: True" in done.stderr
    assert "a warning" in done.stderr and "an info line" in done.stderr
