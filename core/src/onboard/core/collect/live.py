"""The assessment fed straight from the directory and DNS: :func:`assess_live`.

A :class:`LiveContext` is a :class:`~onboard.core.assessment.CheckContext` whose
forest, domains, directory and zones come from a collection rather than files, each
read when a check first needs it.  The checks are the same functions, so a live
assessment and one of the bundle :func:`~.collector.collect` writes give the same
findings (tests prove it).  Only the findings leave: what the directory scan needs
to read twice (objects holding a duplicate value) is spooled to a work file in a
temporary folder of the machine that collects, deleted when the context closes.

What no collector reads (the device inventory, the environment description) comes
from ``extras``, a folder holding ``devices.csv`` and ``environment.toml`` as a
bundle would.
"""

import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from onboard.core.assessment.context import CheckContext, Progress
from onboard.core.assessment.dns_zones import Zone
from onboard.core.assessment.engine import AssessmentResult, assess_context
from onboard.core.assessment.ldif import LdifSource
from onboard.core.assessment.ldif_lines import LdifRecord, ProblemLog, parse_record
from onboard.core.assessment.problems import InputProblem, InputState, missing
from onboard.core.collect.collector import (
    CollectResult,
    Session,
    collect_zones,
    directory_records,
    ldif_header,
    open_session,
)
from onboard.core.collect.config import CollectConfig
from onboard.core.collect.ldif_writer import LdifWriter
from onboard.core.errors import OnboardError
from onboard.core.models import Requirement


def plan_records(requirements: Sequence[Requirement]) -> tuple[tuple[str, str], ...]:
    """The ``(label, type)`` pairs the plan's ``dns.records`` requirements look for."""
    found: dict[tuple[str, str], None] = {}
    for requirement in requirements:
        if requirement.check != "dns.records":
            continue
        for item in requirement.params.get("records", ()) or ():
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                kind = item.get("type", "CNAME")
                found[(item["name"].strip(".").lower(), str(kind).upper())] = None
    return tuple(found)


class LiveDirectorySource:
    """What the IdFix scan reads (as from :class:`LdifSource`), fed by the LDAP search.

    Each object is written to the spool as LDIF and handed to the scan already
    decoded; once the search is over, re-reading (duplicates) goes to the spool.
    """

    def __init__(self, session: Session, path: Path) -> None:
        self.session = session
        self.path = path
        self.file = "directory.ldf"
        self.size = 0  # not known before the search ends
        self.problems = ProblemLog(self.file)
        self.outcome = CollectResult(out=path.parent)
        self._spooled: LdifSource | None = None

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[LdifRecord]:
        """Every object the collection reads, in the order the bundle's LDIF holds them."""
        with self.path.open("wb") as handle:
            writer = LdifWriter(handle, ldif_header(self.session))
            for n, record in enumerate(directory_records(self.session, writer, self.outcome), 1):
                yield record
                if progress is not None and n % 1000 == 0:
                    progress(writer.offset)
        for raw, line, offset in writer.trailers:
            # The reader reports a search that ended short from these lines: so does this.
            parse_record(raw, line, offset, {}, self.problems)
        self.size = writer.offset
        self._spooled = LdifSource(self.path)

    def lines_at(self, offsets: list[int]) -> dict[int, int]:
        """See :meth:`LdifSource.lines_at` (after :meth:`records`)."""
        assert self._spooled is not None
        return self._spooled.lines_at(offsets)

    def record_at(self, offset: int, line: int = 0) -> LdifRecord | None:
        """See :meth:`LdifSource.record_at` (after :meth:`records`)."""
        assert self._spooled is not None
        return self._spooled.record_at(offset, line)

    def __enter__(self) -> "LiveDirectorySource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


class LiveContext(CheckContext):
    """The checks' inputs from a live collection (and ``extras`` for the rest)."""

    def __init__(
        self, config: CollectConfig, extras: Path | None = None, progress: Progress | None = None
    ) -> None:
        self._work = Path(tempfile.mkdtemp(prefix="onboard-collect-"))
        super().__init__(extras if extras is not None else self._work, progress)
        self.config = config
        self._stack = ExitStack()
        self._session: Session | InputProblem | None = None
        self.collected = CollectResult(out=self._work)

    def session(self, file: str) -> Session:
        """The open collection; its opening fault (raised as an input problem of ``file``)."""
        if self._session is None:
            try:
                self._session = self._stack.enter_context(open_session(self.config))
            except OnboardError as exc:
                self._session = InputProblem(file, str(exc), state=InputState.UNREADABLE)
        if isinstance(self._session, InputProblem):
            problem = self._session
            raise InputProblem(file, problem.message, state=problem.state)
        return self._session

    def forests(self) -> list[Any]:
        """The forest from the partitions container."""
        return self._load(
            "forest", "forest", "forest.json", lambda: self.session("forest.json").forests(), len
        )

    def domains(self) -> list[Any]:
        """The domains from their crossRefs."""
        return self._load(
            "domains", "domains", "domains.json", lambda: self.session("domains.json").domains(), len
        )

    def directory_source(self) -> LiveDirectorySource:  # type: ignore[override]
        """The directory, read from the domain controllers as the scan goes."""
        source = LiveDirectorySource(self.session("directory.ldf"), self._work / "directory.ldf")
        self.collected.searches = source.outcome.searches
        self.collected.problems = source.outcome.problems
        return source

    def zones(self) -> tuple[list[Zone], list[InputProblem]]:
        """The zones read over DNS (a domain with none is missing, as a file would be)."""

        def load() -> tuple[list[Zone], list[InputProblem]]:
            session = self.session("dns/")
            if not self.config.dns:
                raise missing("dns/", "one RFC 1035 zone file per customer domain, *.zone, *.db or *.dns")
            outcomes = [o for o in collect_zones(session, self.collected) if o.zone is not None]
            if not outcomes:
                raise missing("dns/", "one RFC 1035 zone file per customer domain, *.zone, *.db or *.dns")
            zones = [
                Zone(o.domain, f"dns/{o.domain}.zone", o.zone)
                for o in sorted(outcomes, key=lambda o: o.domain)
            ]
            return zones, []

        return self._load("dns", "dns", "dns/", load, lambda v: len(v[0]))

    def release(self) -> None:
        """Close the LDAP sessions and remove the work folder (the scan's rows stay)."""
        self._stack.close()
        shutil.rmtree(self._work, ignore_errors=True)

    def close(self) -> None:
        """:meth:`release`, and the directory scans' work files too."""
        super().close()
        self.release()


def assess_live(
    config: CollectConfig,
    requirements: Sequence[Requirement],
    *,
    extras: Path | None = None,
    manager: Any = None,
    progress: Progress | None = None,
) -> AssessmentResult:
    """Collect and assess in one pass: one finding per requirement, and no bundle written.

    Faults that stop the collection (no connection, a failed bind) make the checks
    that need the directory ``not_run`` naming the server; this never raises for them.
    """
    context = LiveContext(config, extras, progress)
    try:
        label = ", ".join(s.url for s in config.servers)
        return assess_context(context, requirements, manager=manager, progress=progress, label=label)
    finally:
        context.release()  # the result keeps the IdFix rows until its own close()
