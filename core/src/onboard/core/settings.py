"""Names and places shared by the CLI, the workers and the tests."""

import os
from pathlib import Path

#: The task queue engagement workflows and activities run on.
TASK_QUEUE = "onboard-engagements"

#: Temporal's local default, used when no address, profile or env var says otherwise.
DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_NAMESPACE = "default"


def onboard_home() -> Path:
    """Where onboard keeps local state: ``$ONBOARD_HOME``, else a per-user data dir."""
    configured = os.environ.get("ONBOARD_HOME")
    if configured:
        home = Path(configured)
    else:  # imported here: every command imports this module, few need the default home
        import platformdirs

        home = Path(platformdirs.user_data_dir("onboard"))
    home.mkdir(parents=True, exist_ok=True)
    return home
