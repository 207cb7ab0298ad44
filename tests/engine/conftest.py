"""Fixtures of the engine tests."""

import pytest
from onboard.core.plugins import reset_default_plugin_manager


@pytest.fixture
def address(client) -> str:
    """The test server's address, for CLI runs (with the default plugins reloaded)."""
    reset_default_plugin_manager()
    return client.service_client.config.target_host
