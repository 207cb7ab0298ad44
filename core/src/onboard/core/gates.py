"""The human sign-offs between phases (design.md, "The engagement")."""

from onboard.core.models import GateDefinition, Party, Phase

KICKOFF = "kickoff"
REMEDIATION_PLAN = "remediation-plan"
JOINT_VERIFICATION = "joint-verification"

#: In order. A gate belongs to the phase it closes.
GATES: tuple[GateDefinition, ...] = (
    GateDefinition(KICKOFF, Phase.INITIATE, "Kick-off meeting held", (Party.PROVIDER,)),
    GateDefinition(REMEDIATION_PLAN, Phase.ASSESS, "Remediation plan agreed", (Party.CUSTOMER,)),
    GateDefinition(
        JOINT_VERIFICATION,
        Phase.REMEDIATE,
        "Remediation outcomes jointly verified",
        (Party.PROVIDER, Party.CUSTOMER),
    ),
)
