"""Helpers shared by the workers tests (imported by name: this folder is on sys.path)."""

import asyncio
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from onboard.core.models import EngagementSpec, Party, Person, Policy
from onboard.core.trust.keys import KeyRing
from onboard.core.trust.sshsig import Ed25519KeySigner

ROSTER = (
    Person("pat", "Pat Provider", Party.PROVIDER),
    Person("casey", "Casey Customer", Party.CUSTOMER),
)
#: The personas' keys: conftest.py writes them to the workers' allowed-signers file.
PERSONA_KEYS = {p.id: Ed25519KeySigner(Ed25519PrivateKey.generate()) for p in ROSTER}
KEYS = KeyRing(PERSONA_KEYS)


def onboard_executable() -> str:
    """The ``onboard`` console script of this environment (as an operator runs it)."""
    return str(Path(sys.executable).parent / "onboard")


def make_spec(engagement_id: str) -> EngagementSpec:
    """The smallest engagement: the core capabilities only."""
    return EngagementSpec(
        engagement_id=engagement_id,
        tenant="contoso.onmicrosoft.com",
        customer="Contoso",
        services=("core",),
        licenses={"core": 250},
        purchased_on=datetime.now(UTC),
        roster=ROSTER,
        policy=Policy(),
    )


def json_lines(path: Path) -> list[dict]:
    """Every line of a JSON-lines file, parsed; a line that is not JSON fails the test."""
    lines = path.read_text().splitlines()
    parsed = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"{path}:{number} is not JSON: {line!r}")
    return parsed


async def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` every 0.1 s until it returns something truthy (then return that)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
