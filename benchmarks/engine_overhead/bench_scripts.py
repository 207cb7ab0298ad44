"""The scripts the bare workflow plays, by id: filled by the worker process from its stdin.

Imported passed through the workflow sandbox, so the worker and every workflow see
the one dict (a workflow's input names its script; the script itself would weigh
more than the engagement's input it stands for).
"""

from typing import Any

SCRIPTS: dict[str, dict[str, Any]] = {}
