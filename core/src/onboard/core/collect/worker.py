"""The customer-side worker's activities: assessments and automated steps inside the
customer's network, from the live directory and DNS.

``onboard worker --collector --collect-config FILE --task-queue Q`` runs these
activities only (no workflows) on the engagement's ``collector_queue``, with an
outbound connection to Temporal and credentials of its own.  An assessment of the
bundle ``live:`` collects and assesses in one pass (:func:`~.live.assess_live`):
the directory never leaves the customer's network, only the findings and the
remediation items travel back.  Any other bundle is a folder this worker reads.

The configuration file (TOML) names the directory and DNS, never a password::

    servers = ["ldap://dc1.corp.example"]      # one domain controller per domain
    user = "svc-onboard@corp.example"          # or CORP\\svc-onboard (NTLM)
    auth = "simple"                            # simple | ntlm | anonymous
    password = "env:ONBOARD_LDAP_PASSWORD"     # or keyring:SERVICE, file:PATH
    security = "starttls"                      # starttls | ldaps | none
    tls_ca_file = "/etc/onboard/corp-ca.pem"   # optional
    dns_servers = ["10.0.0.53"]                # optional: the system's resolver
"""

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
from onboard.core.collect.config import CollectConfig, ConfigError, parse_server
from onboard.core.collect.credentials import CredentialError, parse_ref
from onboard.core.collect.live import assess_live, plan_records
from onboard.core.engagement.activities import EngagementActivities
from onboard.core.engagement.messages import AssessInput, AssessOutcome
from onboard.core.errors import OnboardError
from onboard.core.plugins import ServicePluginManager
from onboard.core.remediation import plan_remediation

T = TypeVar("T")

#: Keys of the configuration file beyond the servers and the password.
_PLAIN = (
    "user",
    "auth",
    "tls_ca_file",
    "tls_verify",
    "tls_name",
    "timeout",
    "page_size",
    "dns",
    "dns_port",
    "axfr",
)
_LISTS = ("bases", "dns_servers", "domains")


def load_collect_config(path: Path) -> CollectConfig:
    """The collector configuration in ``path``; an error names the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the collector configuration: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"servers", "password", "security", *_PLAIN, *_LISTS}
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r} (misspelt?)")
    servers = data.get("servers")
    if not isinstance(servers, list) or not servers or not all(isinstance(s, str) for s in servers):
        raise ConfigError(
            f"{path}: 'servers' must list the domain controllers, e.g. [\"ldap://dc1.corp.example\"]"
        )
    try:
        config = CollectConfig(
            servers=tuple(parse_server(s, data.get("security")) for s in servers),
            password=parse_ref(data["password"]) if "password" in data else parse_ref("none"),
            **{k: data[k] for k in _PLAIN if k in data},
            **{k: tuple(data[k]) for k in _LISTS if k in data},
        )
        config.check()
    except (ConfigError, CredentialError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return config


class CollectorActivities(EngagementActivities):
    """``assess`` and ``run_step`` for a customer-side worker.

    ``in_network`` runs the collection where the directory is reachable: by default
    right here (the worker runs inside the customer's network); the tests pass a
    function that enters the network namespace their domain controller listens in.
    """

    def __init__(
        self,
        config: CollectConfig,
        manager: ServicePluginManager | None = None,
        in_network: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__(manager)
        self.config = config
        self._in_network = in_network or (lambda function, *args, **kwargs: function(*args, **kwargs))

    def all(self) -> list[Callable]:
        return [self.assess, self.run_step]

    def _assess_live(self, inp: AssessInput) -> AssessOutcome:
        plan = inp.plan
        config = attrs.evolve(self.config, records=plan_records(plan.requirements))
        result = self._in_network(assess_live, config, plan.requirements, manager=self.manager)
        try:
            findings = list(result.findings)
        finally:
            result.close()
        if not findings:  # never a pass on nothing
            raise OnboardError(
                f"the live assessment of {', '.join(s.url for s in config.servers)} gave no findings"
            )
        items = plan_remediation(self.manager, plan.services, plan.requirements, findings, plan.facts)
        return AssessOutcome(findings=findings, items=items)
