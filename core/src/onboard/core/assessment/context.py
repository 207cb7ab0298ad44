"""The bundle as the checks see it: each input read once, when a check first needs it.

An assessment bundle is a folder; every file in it is optional:

============================  ============================================================
``forest.json``               ``Get-ADForest | ConvertTo-Json`` (one forest or an array)
``domains.json``              ``Get-ADDomain | ConvertTo-Json`` (one domain or an array)
``directory.ldf``             ``ldifde -f directory.ldf`` (the directory export)
``dns/*.zone|*.db|*.dns``     one zone file per customer domain (RFC 1035)
``devices.csv``               the device inventory (platform, os_version, count)
``environment.toml|.yaml``    the environment description (see :mod:`.environment`)
============================  ============================================================

A loader returns the parsed input or raises :class:`InputProblem`; both are cached,
so ten checks on a broken ``forest.json`` report the same problem and read it once.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import frozen
from onboard.core.assessment.ad import Domain, Forest, read_domains, read_forests
from onboard.core.assessment.devices import DeviceGroup, read_devices
from onboard.core.assessment.dns_zones import Zone, is_zone_file, read_zone, zone_files
from onboard.core.assessment.environment import ENVIRONMENT_FILES, Environment, read_environment
from onboard.core.assessment.idfix import IdfixResult, scan_directory
from onboard.core.assessment.idfix_rules import is_routable
from onboard.core.assessment.ldif import LdifSource
from onboard.core.assessment.problems import InputProblem, InputState, InputStatus, missing

#: ``progress(stage, done, total)``: the engine's progress callback.
Progress = Callable[[str, int, int], None]


@frozen
class InputSpec:
    """One kind of bundle input: its role, its file and what produces it."""

    name: str
    file: str
    produced_by: str


INPUTS = (
    InputSpec("forest", "forest.json", "Get-ADForest | ConvertTo-Json"),
    InputSpec("domains", "domains.json", "Get-ADDomain | ConvertTo-Json"),
    InputSpec("directory", "directory.ldf", "ldifde -f directory.ldf"),
    InputSpec("dns", "dns/", "one RFC 1035 zone file per customer domain, *.zone, *.db or *.dns"),
    InputSpec("devices", "devices.csv", "a device inventory: platform, os_version, count"),
    InputSpec("environment", "environment.toml", "the environment description (TOML or YAML)"),
)
_SPECS = {spec.name: spec for spec in INPUTS}


class CheckContext:
    """The parsed bundle, loaded lazily; what check functions receive."""

    def __init__(self, bundle: Path, progress: Progress | None = None) -> None:
        self.bundle = bundle
        self.progress = progress
        self._cache: dict[Any, Any] = {}
        self._status: dict[str, InputStatus] = {}

    # -- plumbing ---------------------------------------------------------------

    def _load(
        self, key: Any, name: str, file: str, loader: Callable[[], Any], count: Callable[[Any], int]
    ) -> Any:
        if key in self._cache:
            cached = self._cache[key]
            if isinstance(cached, InputProblem):
                raise cached
            return cached
        if not self.bundle.is_dir():
            problem = InputProblem(
                file, f"the bundle folder {self.bundle} does not exist", state=InputState.MISSING
            )
            self._cache[key] = problem
            self._status[name] = InputStatus(name, file, problem.state, problem.describe())
            raise problem
        try:
            value = loader()
        except InputProblem as problem:
            self._cache[key] = problem
            self._status[name] = InputStatus(name, problem.file, problem.state, problem.describe())
            raise
        self._cache[key] = value
        if name not in self._status or self._status[name].state is InputState.OK:
            self._status[name] = InputStatus(name, file, InputState.OK, "", count(value))
        return value

    def path(self, file: str) -> Path:
        """Where ``file`` (relative to the bundle) is."""
        return self.bundle / file

    def _require(self, name: str) -> Path:
        spec = _SPECS[name]
        path = self.path(spec.file)
        if not path.exists() and not path.is_symlink():  # a broken link is there, but unreadable
            raise missing(spec.file, spec.produced_by)
        return path

    # -- inputs -------------------------------------------------------------------

    def forests(self) -> list[Forest]:
        """The forests of ``forest.json``."""
        return self._load(
            "forest", "forest", "forest.json", lambda: read_forests(self._require("forest")), len
        )

    def domains(self) -> list[Domain]:
        """The domains of ``domains.json``."""
        return self._load(
            "domains", "domains", "domains.json", lambda: read_domains(self._require("domains")), len
        )

    def directory_source(self) -> LdifSource:
        """The directory export to scan (a live collection gives its own; see onboard.core.collect)."""
        return LdifSource(self._require("directory"))

    def directory(self, mode: str = "multi-tenant", alternate_login_id: bool = False) -> IdfixResult:
        """The IdFix scan of ``directory.ldf`` (run once per mode and setting)."""

        def scan() -> IdfixResult:
            with self.directory_source() as source:
                on_progress = None
                if self.progress is not None:
                    progress = self.progress
                    on_progress = lambda done, total: progress("directory", done, total)  # noqa: E731
                result = scan_directory(
                    source, mode=mode, alternate_login_id=alternate_login_id, progress=on_progress
                )
            if result.problem_count and result.records == 0:  # nothing read, or only changes
                result.close()
                raise InputProblem(result.file, f"no LDIF record could be read ({result.problems[0]})")
            return result

        result = self._load(
            ("directory", mode, alternate_login_id), "directory", "directory.ldf", scan, lambda r: r.records
        )
        if result.records == 0 and result.change_records == 0 and not result.problem_count:
            # Read, but nothing in it: the input list must not say "ok".
            self._status["directory"] = InputStatus(
                "directory", result.file, InputState.INVALID, "holds no LDIF record (an empty export?)"
            )
        if result.problem_count:
            self._status["directory"] = InputStatus(
                "directory",
                result.file,
                InputState.INVALID,
                f"{result.problem_count} malformed record(s), first: {result.problems[0]}",
                result.records,
            )
        return result

    def zones(self) -> tuple[list[Zone], list[InputProblem]]:
        """The zones of ``dns/`` that parsed, and a problem for each that did not."""

        def load() -> tuple[list[Zone], list[InputProblem]]:
            folder = self._require("dns")
            if not folder.is_dir():
                raise InputProblem(
                    "dns/", "is not a folder (put the zone files in dns/)", state=InputState.UNREADABLE
                )
            files = zone_files(folder)
            # A zone file's name on a folder or a broken link: there, but not readable.
            unreadable = [
                InputProblem(f"dns/{p.name}", "is not a readable file", state=InputState.UNREADABLE)
                for p in sorted(folder.iterdir())
                if is_zone_file(p.name) and not p.is_file()
            ]
            if not files and unreadable:
                raise unreadable[0]
            if not files:
                raise InputProblem(
                    "dns/", "holds no zone file (*.zone, *.db or *.dns)", state=InputState.MISSING
                )
            zones, problems = [], unreadable
            for path in files:
                try:
                    zone = read_zone(path, f"dns/{path.name}")
                except InputProblem as problem:
                    problems.append(problem)
                    continue
                zones.append(zone)
                problems.extend(zone.problems)  # records skipped: the rest of the zone is read
            if not zones:
                first = problems[0]
                raise InputProblem(
                    first.file, first.message, line=first.line, field=first.field, state=first.state
                )
            return zones, problems

        value = self._load("dns", "dns", "dns/", load, lambda v: len(v[0]))
        zones, problems = value
        if problems:
            self._status["dns"] = InputStatus(
                "dns", "dns/", InputState.INVALID, "; ".join(p.describe() for p in problems), len(zones)
            )
        return value

    def devices(self) -> list[DeviceGroup]:
        """The rows of ``devices.csv``."""
        groups = self._load(
            "devices",
            "devices",
            "devices.csv",
            lambda: read_devices(self._require("devices")),
            lambda groups: sum(g.count for g in groups),
        )
        if not any(g.count for g in groups):  # read, but an inventory of nothing: not "ok"
            self._status["devices"] = InputStatus(
                "devices",
                "devices.csv",
                InputState.INVALID,
                "holds no devices (only a header, or counts of 0)",
            )
        return groups

    def environment_file(self) -> str:
        """Which environment file the bundle holds (TOML or YAML; both is an error)."""
        present = [n for n in ENVIRONMENT_FILES if self.path(n).exists() or self.path(n).is_symlink()]
        if len(present) > 1:
            raise InputProblem(present[1], f"the bundle holds both {present[0]} and {present[1]}: keep one")
        return present[0] if present else ENVIRONMENT_FILES[0]

    def environment(self) -> Environment:
        """The environment description (TOML or YAML)."""

        def load() -> Environment:
            file = self.environment_file()
            path = self.path(file)
            if not path.exists() and not path.is_symlink():
                raise missing("environment.toml", _SPECS["environment"].produced_by)
            return read_environment(path, file)

        return self._load("environment", "environment", self._environment_name(), load, lambda e: 1)

    def _environment_name(self) -> str:
        try:
            return self.environment_file()
        except InputProblem:
            return ENVIRONMENT_FILES[0]

    def customer_domains(self) -> tuple[list[str], list[str]]:
        """Routable customer domains (forest UPN suffixes, domain roots, environment
        domains) and the inputs they came from; :class:`InputProblem` when none is known."""
        domains, sources, _ = self.domain_sources()
        return domains, sources

    def domain_sources(self) -> tuple[list[str], list[str], list[InputProblem]]:
        """:meth:`customer_domains`, and the problems of the sources that are there but
        could not be read (the domains they name are unknown, so no check may pass on them)."""
        found: dict[str, None] = {}
        sources: list[str] = []
        problems: list[InputProblem] = []
        for label, read in (
            ("forest.json", lambda: [d for f in self.forests() for d in (*f.upn_suffixes, *f.domains)]),
            ("domains.json", lambda: [d.dns_root for d in self.domains()]),
            (self._environment_name(), lambda: list(self.environment().domains)),
        ):
            try:
                names = read()
            except InputProblem as problem:
                problems.append(problem)
                continue
            sources.append(label)
            for name in names:
                found.setdefault(name.lower().rstrip("."), None)
        domains = [d for d in found if is_routable(d)]
        if not domains:
            if not self.bundle.is_dir():
                raise problems[0]
            readable = [p for p in problems if p.state is not InputState.MISSING]
            if readable:
                raise readable[0]
            raise InputProblem(
                "forest.json",
                "no customer domain is known: export forest.json (UPN suffixes) or list "
                "domains in the environment description",
                state=InputState.MISSING,
            )
        return domains, sources, [p for p in problems if p.state is not InputState.MISSING]

    # -- the report's input list --------------------------------------------------

    def input_statuses(self) -> list[InputStatus]:
        """Every input: how it fared, or whether it is present but unused, or missing."""
        statuses = []
        for spec in INPUTS:
            if spec.name in self._status:
                statuses.append(self._status[spec.name])
                continue
            file = self._environment_name() if spec.name == "environment" else spec.file
            if self.bundle.is_dir() and self.path(file).exists():
                statuses.append(InputStatus(spec.name, file, InputState.NOT_USED, "no requirement needed it"))
            else:
                statuses.append(
                    InputStatus(
                        spec.name, file, InputState.MISSING, f"not in the bundle ({spec.produced_by})"
                    )
                )
        return statuses

    def directory_scans(self) -> list[IdfixResult]:
        """The directory scans run so far (one per IdFix setting the requirements used)."""
        return [value for value in self._cache.values() if isinstance(value, IdfixResult)]

    def close(self) -> None:
        """Remove work files (the directory scans')."""
        for scan in self.directory_scans():
            scan.close()
