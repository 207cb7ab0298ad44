"""Scope rules: what the FastTrack Center Benefit does not cover, and why.

The conditional rules come from the seed's notes on forests and synchronization
([F-RMS] "Expectations for your source environment" and "Enable phase"); the
standing ones restate the customer's "General" responsibilities that mark the edge
of the benefit (the baseline is configured and tested, the rollout is the
customer's).
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactValue, ScopeExclusion

from .facts import CORE, on_premises, single_forest

_ENV = "[F-RMS] Expectations for your source environment"
_ENABLE = "[F-RMS] Microsoft responsibilities, Enable phase"
_GENERAL = "[F-RMS] Your responsibilities, General"


@hookimpl
def scope_rules(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[ScopeExclusion]:
    """The core exclusions that fire for ``facts`` plus the standing ones."""
    rules = []
    if on_premises(facts) and not single_forest(facts):
        rules.append(
            ScopeExclusion(
                "core.scope.adfs-multi-forest",
                CORE,
                "AD FS deployment",
                f"{facts['forest_count']} forests: for all multiple-forest configurations, "
                "AD FS deployment is out of scope for the FastTrack Center Benefit",
                _ENV,
            )
        )
        if facts["writeback"] not in ("none", "password"):
            rules.append(
                ScopeExclusion(
                    "core.scope.writeback-multi-forest",
                    CORE,
                    f"{facts['writeback']} writeback",
                    "with several forests only password hash sync and password writeback are "
                    "supported; other writeback scenarios are not",
                    _ENABLE,
                )
            )
    if facts["custom_sync_rules"]:
        rules.append(
            ScopeExclusion(
                "core.scope.custom-sync-rules",
                CORE,
                "Custom synchronization rule extensions",
                "development and implementation of custom rules extensions are out of scope",
                f"{_ENABLE} (multiple forest environment, note)",
            )
        )
    rules += [
        ScopeExclusion(
            "core.scope.enhancements",
            CORE,
            "Enhancements and integrations beyond the configurable options in this plan",
            "the benefit configures the options the plan lists; anything beyond them is the "
            "customer's responsibility",
            _GENERAL,
        ),
        ScopeExclusion(
            "core.scope.users-beyond-test",
            CORE,
            "Enrolling user accounts beyond the test accounts",
            "the benefit tests the services' baseline configuration with test users; rolling "
            "out to further users is the customer's responsibility",
            _GENERAL,
        ),
        ScopeExclusion(
            "core.scope.policies-beyond-test",
            CORE,
            "Security policies beyond those created for testing",
            "managing, configuring and applying further security policies is the customer's responsibility",
            _GENERAL,
        ),
        ScopeExclusion(
            "core.scope.decommissioning",
            CORE,
            "Decommissioning source environments and services",
            "removing the environments and services the customer used before is the "
            "customer's responsibility",
            _GENERAL,
        ),
    ]
    return rules
