"""Collection: the assessment's inputs read live, from Active Directory over LDAP and DNS.

``onboard collect`` (and a customer-side worker's activity) call :func:`collect`,
which writes the bundle a person would export by hand, or :func:`assess_live`,
which feeds the same checks without writing one.  See ``docs/collector.md``.

* :mod:`.config`: what to read (:class:`CollectConfig`, plain data with no secret);
* :mod:`.credentials`: where the password comes from (environment, keyring, file);
* :mod:`.ldap_client`: one LDAP session (ldap3) and its faults;
* :mod:`.ad_facts`, :mod:`.directory`, :mod:`.ldif_writer`: forest, domains, objects;
* :mod:`.dns_collect`: the customer's zones (transfer, else queries);
* :mod:`.collector`: the bundle; :mod:`.live`: the assessment fed directly.
"""

from onboard.core.collect.collector import MANIFEST, CollectResult, collect
from onboard.core.collect.config import CollectConfig, ConfigError, LdapServer, parse_server
from onboard.core.collect.credentials import CredentialError, CredentialRef, Secret, parse_ref
from onboard.core.collect.ldap_client import CollectError, SearchCutOff

__all__ = [
    "MANIFEST",
    "CollectConfig",
    "CollectError",
    "CollectResult",
    "ConfigError",
    "CredentialError",
    "CredentialRef",
    "LdapServer",
    "SearchCutOff",
    "Secret",
    "collect",
    "parse_ref",
    "parse_server",
]
