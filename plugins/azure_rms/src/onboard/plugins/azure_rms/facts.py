"""Azure RMS's facts and the branch they and core's on-premises facts choose.

The RMS connector is in play when on-premises Exchange or SharePoint 2010/2013 is
in use [F-RMS] ("Configuring one server on-premises with the RMS Connector, when
applicable"); it needs directory synchronization [RMS-CONN].  The Exchange Online
IRM configuration points at the tenant's regional key-sharing location [RMS-O365].
"""

from collections.abc import Mapping

from onboard.core.capabilities.facts import on_premises
from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactDefinition, FactKind, FactValue

from .service import SERVICE

#: Exchange/SharePoint versions FastTrack connects through the RMS connector [F-RMS].
CONNECTOR_VERSIONS = ("2010", "2013")

#: Regions of the key-sharing location https://sp-rms.<region>.aadrm.com [RMS-O365].
REGIONS = ("na", "eu", "ap", "sa", "govus")


@hookimpl
def fact_definitions() -> list[FactDefinition]:
    """Azure RMS's facts; their keys are a contract with running engagements."""
    return [
        FactDefinition(
            "rms_region",
            SERVICE,
            "Region of the tenant's RMS key-sharing location for Exchange Online IRM: " + ", ".join(REGIONS),
            FactKind.CHOICE,
            REGIONS,
            "na",
        ),
    ]


def connector_for_exchange(facts: Mapping[str, FactValue]) -> bool:
    """On-premises Exchange 2010/2013 is connected through the RMS connector."""
    return on_premises(facts) and facts["exchange_onprem"] in CONNECTOR_VERSIONS


def connector_for_sharepoint(facts: Mapping[str, FactValue]) -> bool:
    """On-premises SharePoint 2010/2013 is connected through the RMS connector."""
    return on_premises(facts) and facts["sharepoint_onprem"] in CONNECTOR_VERSIONS


def connector_applies(facts: Mapping[str, FactValue]) -> bool:
    """One RMS connector server is configured (for Exchange, SharePoint or both)."""
    return connector_for_exchange(facts) or connector_for_sharepoint(facts)
