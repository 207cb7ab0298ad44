"""``onboard collect OUT``: read Active Directory and DNS live into an assessment bundle.

::

    export ONBOARD_LDAP_PASSWORD=...            # or --password-from keyring:onboard / file:PATH
    onboard collect bundles/contoso --server dc1.corp.example --user svc-onboard@corp.example \\
        --dns-server 10.0.0.10 --engagement examples/contoso.toml
    onboard assess bundles/contoso --engagement examples/contoso.toml

The bundle has the files a manual export has (forest.json, domains.json,
directory.ldf, dns/<domain>.zone) and collection.json.  Exit status 0: collected
whole; 1: an error (nothing written), or a collection that is incomplete (a search
cut short; the bundle says so, and ``onboard assess`` reports it).  The password
is read from where ``--password-from`` says, never from the command line.
"""

from pathlib import Path

import click
from onboard.core.cli.output import console, print_json
from onboard.core.collect import CollectConfig, collect, parse_ref, parse_server
from onboard.core.collect.config import AUTH, SECURITY
from onboard.core.collect.credentials import DEFAULT_ENV
from onboard.core.collect.live import plan_records
from onboard.core.errors import OnboardError


def _records(engagement: Path | None, services: str | None) -> tuple[tuple[str, str], ...]:
    if engagement is None and not services:
        return ()
    from onboard.core.cli.plan_cmd import plan_spec
    from onboard.core.planning import build_plan
    from onboard.core.plugins import load_plugin_manager

    manager = load_plugin_manager()
    spec = plan_spec(engagement, services, (), (), manager.facts())
    return plan_records(build_plan(manager, spec).requirements)


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--server",
    "servers",
    multiple=True,
    required=True,
    metavar="HOST|URL",
    help="A domain controller (repeat for each domain): dc1.corp.example, ldap://dc1:389, ldaps://dc1.",
)
@click.option(
    "--security",
    type=click.Choice(SECURITY),
    default="starttls",
    show_default=True,
    help="How the session is protected (ldaps:// in --server means ldaps).",
)
@click.option("--user", default="", help="Bind user: svc@corp.example (UPN), CORP\\svc or a DN.")
@click.option(
    "--password-from",
    "password_from",
    default=f"env:{DEFAULT_ENV}",
    show_default=True,
    help="Where the password is: env:VARIABLE, keyring:SERVICE (the user is --user), file:PATH, or none.",
)
@click.option(
    "--auth",
    type=click.Choice(AUTH),
    default="simple",
    show_default=True,
    help="Bind method: simple, ntlm (SASL GSS-SPNEGO; --user CORP\\svc or svc@corp.example) or anonymous.",
)
@click.option(
    "--base", "bases", multiple=True, help="Naming context to search, one per --server (default: its domain)."
)
@click.option(
    "--tls-ca-file",
    type=click.Path(dir_okay=False),
    help="CA certificate(s) that signed the DCs' certificates.",
)
@click.option(
    "--tls-name", default="", help="The name the DC's certificate carries (when --server is an address)."
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Accept any certificate (a first contact or a test DC; never in production).",
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for the DC.")
@click.option(
    "--page-size", type=int, default=500, show_default=True, help="Objects per page of the paged search."
)
@click.option(
    "--size-limit",
    type=int,
    default=0,
    help="Stop after N objects (a sample: the bundle says it is incomplete).",
)
@click.option(
    "--dns-server",
    "dns_servers",
    multiple=True,
    metavar="ADDRESS",
    help="DNS server to ask (repeatable; default: this machine's resolver, and no zone transfer).",
)
@click.option("--dns-port", type=int, default=53, show_default=True)
@click.option("--dns-timeout", type=float, default=3.0, show_default=True)
@click.option("--no-axfr", is_flag=True, help="Do not try zone transfers; query the records services need.")
@click.option("--no-dns", is_flag=True, help="Read no DNS (the bundle then has no dns/ folder).")
@click.option(
    "--domain", "domains", multiple=True, help="A customer domain beyond those the directory names."
)
@click.option(
    "--engagement",
    "engagement_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also query the DNS records this engagement's plan checks.",
)
@click.option("--services", help="Or the DNS records these offers' plan checks (e.g. ems).")
@click.option("--json", "as_json", is_flag=True, help="Print what was collected as JSON.")
def collect_command(
    out: Path,
    servers: tuple[str, ...],
    security: str,
    user: str,
    password_from: str,
    auth: str,
    bases: tuple[str, ...],
    tls_ca_file: str | None,
    tls_name: str,
    insecure: bool,
    timeout: float,
    page_size: int,
    size_limit: int,
    dns_servers: tuple[str, ...],
    dns_port: int,
    dns_timeout: float,
    no_axfr: bool,
    no_dns: bool,
    domains: tuple[str, ...],
    engagement_file: Path | None,
    services: str | None,
    as_json: bool,
) -> int:
    """Read Active Directory (LDAP) and DNS into the assessment bundle folder OUT."""
    config = CollectConfig(
        servers=tuple(parse_server(s, security) for s in servers),
        user=user,
        password=parse_ref(password_from) if auth != "anonymous" else parse_ref("none"),
        auth=auth,
        bases=bases,
        tls_ca_file=tls_ca_file,
        tls_verify=not insecure,
        tls_name=tls_name,
        timeout=timeout,
        page_size=page_size,
        size_limit=size_limit,
        dns=not no_dns,
        dns_servers=dns_servers,
        dns_port=dns_port,
        dns_timeout=dns_timeout,
        axfr=not no_axfr,
        domains=domains,
        records=_records(engagement_file, services),
    )
    result = collect(config, out)
    for problem in result.problems:
        click.echo(f"onboard: warning: {problem}", err=True)
    if not result.complete:  # an error prints nothing on stdout
        raise OnboardError(f"the collection is incomplete ({result.problems[0]}); {out} says so")
    if as_json:
        import json

        print_json(json.loads((out / "collection.json").read_text(encoding="utf-8")))
    else:
        zones = ", ".join(f"{z.domain} ({z.method or 'none'})" for z in result.zones) or "none"
        console.print(f"{result.objects:,} directory objects, zones: {zones}; bundle: {out}")
        if result.schema_missing:
            console.print(
                f"the schema has no {', '.join(result.schema_missing)}: those rules have nothing to check"
            )
    return 0


def register(group: click.Group) -> None:
    """Add ``collect`` to the CLI."""
    group.add_command(collect_command, name="collect")
