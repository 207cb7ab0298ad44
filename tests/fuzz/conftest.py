"""The fuzz suite's Hypothesis profile: few examples, no deadline, the same examples on every run.

``HYPOTHESIS_PROFILE=fuzz-long`` runs many more (locally, to hunt for new bugs).
The profiles are applied by the tests' own ``@settings(parent=...)``, so the rest
of the test session keeps Hypothesis' defaults.
"""

import os

from hypothesis import HealthCheck, settings

COMMON = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "database": None,
}
settings.register_profile("fuzz", max_examples=40, **COMMON)
settings.register_profile("fuzz-long", max_examples=2_000, **COMMON)


def fuzz_settings() -> settings:
    """The profile the fuzz tests run with (``$HYPOTHESIS_PROFILE`` if it names a fuzz one)."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "fuzz")
    return settings.get_profile(name if name.startswith("fuzz") else "fuzz")
