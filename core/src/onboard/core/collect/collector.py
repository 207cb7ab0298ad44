"""``collect(config, out)``: Active Directory and DNS into an assessment bundle.

The bundle is the one a person would export by hand (``forest.json``,
``domains.json``, ``directory.ldf``, ``dns/<domain>.zone``), read by the same
assessment, plus ``collection.json``: where and when it was read, by whom (the bind
user and *where* the password came from, never the password), how each search and
zone went, and every problem.

A fault that stops the collection (no connection, a failed bind, a server that is
not a domain controller) raises :class:`CollectError` before anything is written.
A search that ends short still writes what it read, marked so that no check reads it
as whole (see :mod:`.directory`), and the result says ``complete = False``.  The
directory is written to ``directory.ldf.partial`` and renamed only once its search
has ended, so a collection that dies half-way leaves no ``directory.ldf`` behind.
"""

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import structlog
from attrs import define, field
from onboard.core.assessment.ad import Domain, Forest
from onboard.core.assessment.idfix_rules import is_routable
from onboard.core.collect.ad_facts import (
    DcFacts,
    ForestFacts,
    domain_json,
    forest_json,
    missing_attributes,
    read_dc,
    read_forest,
)
from onboard.core.collect.config import CollectConfig
from onboard.core.collect.credentials import resolve
from onboard.core.collect.directory import IDFIX_ATTRIBUTES, SearchOutcome, search_objects
from onboard.core.collect.dns_collect import ZoneOutcome, collect_zone, zone_text
from onboard.core.collect.ldap_client import CollectError, DirectoryConnection
from onboard.core.collect.ldif_writer import LdifWriter

log = structlog.get_logger(__name__)
MANIFEST = "collection.json"


@define
class CollectResult:
    """What a collection did: the files, the searches, the zones and the problems."""

    out: Path
    files: list[str] = field(factory=list)
    searches: list[SearchOutcome] = field(factory=list)
    zones: list[ZoneOutcome] = field(factory=list)
    schema_missing: list[str] = field(factory=list)
    problems: list[str] = field(factory=list)

    @property
    def objects(self) -> int:
        """Directory objects written."""
        return sum(s.objects for s in self.searches)

    @property
    def complete(self) -> bool:
        """Whether every search read its whole scope (DNS problems are findings, not gaps)."""
        return all(s.complete for s in self.searches)


@define
class Session:
    """An open collection: the connections, the DC and forest facts."""

    config: CollectConfig
    connections: list[DirectoryConnection]
    dcs: list[DcFacts]
    forest: ForestFacts

    def bases(self) -> list[str]:
        """The naming context each server's search covers."""
        return list(self.config.bases) or [dc.default_nc for dc in self.dcs]

    def expected_references(self) -> set[str]:
        """Naming contexts whose references are only counted (DNS zones, configuration)."""
        known = {nc.lower() for nc in self.forest.app_ncs}
        for dc in self.dcs:
            known.update({dc.config_nc.lower(), dc.schema_nc.lower()})
        return known

    def customer_domains(self) -> list[str]:
        """Routable UPN suffixes and domain names, then the configuration's own domains."""
        forest = self.forest.forest
        names = [*forest.upn_suffixes, *forest.domains, *(d.lower().rstrip(".") for d in self.config.domains)]
        return [d for d in dict.fromkeys(names) if is_routable(d)]

    def forests(self) -> list[Forest]:
        """The forest, as forest.json would give it."""
        return [self.forest.forest]

    def domains(self) -> list[Domain]:
        """The forest's domains, as domains.json would give them."""
        return list(self.forest.domains)


@contextmanager
def open_session(config: CollectConfig) -> Iterator[Session]:
    """Connect and bind to every server and read the forest; closed on leaving."""
    config.check()
    password = resolve(config.password, config.user)
    with ExitStack() as stack:
        connections = []
        for server in config.servers:
            conn = DirectoryConnection(config, server, password)
            conn.open()
            stack.callback(conn.close)
            connections.append(conn)
        dcs = [read_dc(conn) for conn in connections]
        forest = read_forest(connections[0], dcs[0])
        for conn, dc in zip(connections, dcs, strict=True):
            if not dc.paged:
                raise CollectError(
                    f"{conn.url}: the server does not offer paged results (control 1.2.840.113556.1.4.319)"
                )
        yield Session(config, connections, dcs, forest)


def directory_records(session: Session, writer: LdifWriter, result: CollectResult):
    """Every object of every server's base, written by ``writer``; outcomes into ``result``."""
    bases = session.bases()
    collected = {b.lower() for b in bases}
    expected = session.expected_references()
    for conn, base in zip(session.connections, bases, strict=True):
        outcome = SearchOutcome(conn.url, base)
        result.searches.append(outcome)
        yield from search_objects(
            conn,
            base,
            writer,
            outcome,
            expected=expected,
            collected=collected,
            size_limit=session.config.size_limit,
        )
        for problem in [outcome.cut_off, *outcome.uncollected]:
            if problem:
                result.problems.append(problem)
                log.warning("collect_incomplete", problem=problem)


def ldif_header(session: Session) -> list[str]:
    """The comment at the top of directory.ldf."""
    servers = ", ".join(c.url for c in session.connections)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return [
        f"onboard collect: {servers} on {when}",
        "filter (|(objectCategory=person)(objectCategory=group)), as IdFix's multi-tenant query",
    ]


def collect_zones(session: Session, result: CollectResult) -> list[ZoneOutcome]:
    """The zone of every customer domain (problems into ``result``)."""
    config = session.config
    outcomes = []
    for domain in session.customer_domains():
        outcome = collect_zone(
            domain,
            servers=config.dns_servers,
            port=config.dns_port,
            timeout=config.dns_timeout,
            axfr=config.axfr,
            extra=config.records,
        )
        if outcome.problem:
            result.problems.append(outcome.problem)
            log.warning("collect_dns_problem", problem=outcome.problem)
        outcomes.append(outcome)
    result.zones = outcomes
    return outcomes


def collect(config: CollectConfig, out: Path) -> CollectResult:
    """Read the directory and DNS that ``config`` names into the bundle folder ``out``."""
    result = CollectResult(out=out)
    with open_session(config) as session:
        out.mkdir(parents=True, exist_ok=True)
        _remove_previous(out)
        result.schema_missing = missing_attributes(
            session.connections[0], session.dcs[0], list(IDFIX_ATTRIBUTES)
        )
        if result.schema_missing:
            log.info(
                "collect_schema_lacks", server=session.connections[0].url, attributes=result.schema_missing
            )
        _write_json(out / "forest.json", forest_json(session.forest))
        _write_json(out / "domains.json", domain_json(session.forest))
        result.files += ["forest.json", "domains.json"]
        partial = out / "directory.ldf.partial"
        with partial.open("wb") as handle:
            writer = LdifWriter(handle, ldif_header(session))
            for _ in directory_records(session, writer, result):
                pass
        os.replace(partial, out / "directory.ldf")
        result.files.append("directory.ldf")
        if config.dns:
            when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            for outcome in collect_zones(session, result):
                if outcome.zone is not None:
                    (out / "dns").mkdir(exist_ok=True)
                    (out / "dns" / f"{outcome.domain}.zone").write_text(
                        zone_text(outcome, when), encoding="utf-8"
                    )
                    result.files.append(f"dns/{outcome.domain}.zone")
        _write_json(out / MANIFEST, manifest(config, session, result))
    return result


def manifest(config: CollectConfig, session: Session, result: CollectResult) -> dict[str, object]:
    """collection.json: how the bundle was read (no secret: only where the password came from)."""
    return {
        "tool": "onboard collect",
        "collected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": result.complete,
        "servers": [c.url for c in session.connections],
        "user": config.user,
        "auth": config.auth,
        "password_from": config.password.describe(),
        "forest": session.forest.forest.name,
        "objects": result.objects,
        "searches": [
            {
                "server": s.server,
                "base": s.base,
                "objects": s.objects,
                "complete": s.complete,
                "cut_off": s.cut_off,
                "uncollected_references": s.uncollected,
                "expected_references": s.expected_references,
            }
            for s in result.searches
        ],
        "schema_lacks": result.schema_missing,
        "zones": [
            {
                "domain": z.domain,
                "server": z.server,
                "method": z.method,
                "asked": z.asked,
                "problem": z.problem,
                "notes": z.notes,
            }
            for z in result.zones
        ],
        "problems": result.problems,
        "files": [*result.files, MANIFEST],
    }


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _remove_previous(out: Path) -> None:
    """The files an earlier collection wrote into ``out`` (so none of them is left stale)."""
    old = out / MANIFEST
    if not old.is_file():
        return
    try:
        files = json.loads(old.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError):
        return
    for name in files:
        target = (out / str(name)).resolve()
        if target.is_relative_to(out.resolve()) and target.is_file():
            target.unlink()
