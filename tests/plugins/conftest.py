"""Fixtures for the plugin tests (no Temporal server is needed here)."""

import pytest
import structlog


@pytest.fixture(autouse=True)
def _fresh_structlog() -> None:
    """Undo logging set-up left by in-process CLI runs in earlier tests.

    ``onboard`` configures structlog to print to the ``sys.stderr`` of the moment; after
    a test that captured output, that stream is closed, and a plugin warning logged
    later (a plugin failing to load, say) would raise instead of printing.
    """
    structlog.reset_defaults()
