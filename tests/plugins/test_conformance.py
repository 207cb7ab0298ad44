"""The conformance kit on core capabilities and the four built-in service plugins.

Each plugin's id lock file lives beside its ``pyproject.toml``: the ids running
engagements may refer to.  ``pytest --onboard-update-ids`` records new ones.
"""

from onboard.core.conformance import conformance_suite

TestCoreConformance = conformance_suite("onboard.core.capabilities", ids_file="../../core/onboard-ids.lock")
TestAadPremiumConformance = conformance_suite(
    "onboard.plugins.aad_premium", ids_file="../../plugins/aad_premium/onboard-ids.lock"
)
TestIntuneConformance = conformance_suite(
    "onboard.plugins.intune", ids_file="../../plugins/intune/onboard-ids.lock"
)
TestAzureRmsConformance = conformance_suite(
    "onboard.plugins.azure_rms", ids_file="../../plugins/azure_rms/onboard-ids.lock"
)
TestEmsConformance = conformance_suite("onboard.plugins.ems", ids_file="../../plugins/ems/onboard-ids.lock")
