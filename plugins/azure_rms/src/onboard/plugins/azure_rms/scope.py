"""What Azure RMS onboarding does not cover, and why, for the on-premises servers in use."""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.facts import on_premises
from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactValue, ScopeExclusion

from .facts import CONNECTOR_VERSIONS, connector_applies
from .service import SERVICE


@hookimpl
def scope_rules(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[ScopeExclusion]:
    """Connector versions beyond 2010/2013, the connector without sync, a second server."""
    rules = []
    for product, key in (("Exchange", "exchange_onprem"), ("SharePoint", "sharepoint_onprem")):
        version = facts[key]
        if version not in ("none", *CONNECTOR_VERSIONS):
            rules.append(
                ScopeExclusion(
                    f"azure_rms.scope.connector-{product.lower()}-{version}",
                    SERVICE,
                    f"The RMS connector for {product} {version}",
                    f"FastTrack connects {product} 2010 and 2013 on-premises; {product} {version} is "
                    "supported by the connector but not part of the benefit",
                    "[F-RMS] Exchange/SharePoint 2013/2010; [RMS-SRV]",
                )
            )
    wants_connector = any(facts[k] in CONNECTOR_VERSIONS for k in ("exchange_onprem", "sharepoint_onprem"))
    if wants_connector and not on_premises(facts):
        rules.append(
            ScopeExclusion(
                "azure_rms.scope.connector-cloud-identities",
                SERVICE,
                "The RMS connector",
                "identity=cloud: the RMS connector needs directory synchronization (accounts created "
                "by hand in the cloud are not enough), so on-premises servers cannot be connected",
                "[RMS-CONN] prerequisites",
            )
        )
    if connector_applies(facts):
        rules.append(
            ScopeExclusion(
                "azure_rms.scope.connector-high-availability",
                SERVICE,
                "A second RMS connector server, load balancing and high availability",
                "FastTrack configures one connector server; the connector's documentation asks for "
                "at least two, which the customer adds",
                "[F-RMS] one server; [RMS-CONN] two servers",
            )
        )
    return rules
