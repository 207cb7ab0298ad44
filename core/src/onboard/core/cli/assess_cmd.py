"""``onboard assess [BUNDLE]``: assess a bundle on its own, no Temporal server needed.

The requirements come from the same plan the engagement would record
(:func:`~onboard.core.planning.build_plan`): the engagement file's with
``--engagement`` (its services, facts and licences, so the same requirements as
``onboard plan FILE``), else ``--services`` and ``--fact``; the findings from
:func:`~onboard.core.assessment.assess_bundle`, the remediation plan from
:func:`~onboard.core.remediation.plan_remediation`::

    onboard assess --engagement examples/contoso.toml         # its bundle, its plan
    onboard assess examples/bundles/contoso
    onboard assess BUNDLE --services intune --fact mdm_authority=intune --format md
    onboard assess BUNDLE --json > assessment.json            # writes no files

Writes ``assessment.md``, ``assessment.html`` and ``assessment.json`` (``--format``
chooses) plus the IdFix rows as ``idfix.csv`` and ``idfix.json`` to ``--out``
(default: ``NAME-assessment`` in the current folder, never inside the customer's
bundle).  With ``--json`` the JSON report goes to stdout and files are written
only to an ``--out`` given.  Exit status: 0 when no blocking remediation item
remains, 3 when findings block, 1 on an error.  ``onboard checks`` lists the
checks requirements can name.
"""

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
from onboard.core.assessment import AssessmentResult, assess_bundle, registry
from onboard.core.assessment.report import FILE_NAMES, FORMATS, OUTCOME_ORDER, RENDERERS, build_report
from onboard.core.cli.output import console, print_json, table
from onboard.core.cli.plan_cmd import command_line_fact, plan_spec
from onboard.core.errors import OnboardError, PlanError
from onboard.core.models import EngagementSpec, Outcome, Plan, RemediationItem, Requirement, Severity
from onboard.core.planning import build_plan, error_field
from onboard.core.plugins import ServicePluginManager, load_plugin_manager
from onboard.core.remediation import plan_remediation
from onboard.core.specfile import located, preview_spec
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

#: Exit status when the assessment leaves blocking remediation items.
BLOCKED_EXIT = 3
#: Without a terminal, progress lines are printed only for a directory this large.
LONG_WORK_BYTES = 50_000_000

_OUTCOME_STYLE = {Outcome.PASS: "green", Outcome.FAIL: "red", Outcome.NOT_RUN: "yellow"}


def default_services(manager: ServicePluginManager) -> tuple[str, ...]:
    """Every installed offer: ``ems`` when it is there (it bundles the others)."""
    registry_ = manager.services()
    if "ems" in registry_:
        return ("ems",)
    bundled = {member for info in registry_.values() for member in info.bundles}
    offers = tuple(key for key in registry_ if key != "core" and key not in bundled)
    return offers or (("core",) if "core" in registry_ else ())


class ProgressDisplay:
    """A rich progress bar on a terminal; plain lines for long work elsewhere; else silent."""

    def __init__(self, stream_is_terminal: bool) -> None:
        self.terminal = stream_is_terminal
        self._progress: Progress | None = None
        self._tasks: dict[str, int] = {}
        self._last_line = 0.0
        self._finished = False

    def __enter__(self) -> "ProgressDisplay":
        if self.terminal:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != "directory":
            return  # the checks themselves are quick; only the directory scan is long work
        if self._progress is not None:
            if stage not in self._tasks:
                self._tasks[stage] = self._progress.add_task("scanning directory.ldf", total=total)
            self._progress.update(self._tasks[stage], completed=done)
        elif (
            total >= LONG_WORK_BYTES
            and not self._finished
            and (time.monotonic() - self._last_line > 10 or done >= total)
        ):
            self._last_line = time.monotonic()
            self._finished = done >= total
            click.echo(
                f"onboard: scanning directory.ldf: {done / total:.0%} of {total / 1e6:,.0f} MB", err=True
            )


@click.command()
@click.argument("bundle", required=False, type=click.Path(path_type=Path))
@click.option(
    "--engagement",
    "engagement_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Plan as this engagement file (TOML) does: its services, facts and licences, "
    "and its bundle when BUNDLE is not given.",
)
@click.option(
    "--services",
    metavar="A,B",
    help="Offers in scope, comma-separated (default: the engagement's, else every installed offer).",
)
@click.option(
    "--fact",
    "facts",
    multiple=True,
    metavar="KEY=VALUE",
    help="A fact about the environment (repeatable), e.g. --fact identity=federated.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Report format (repeatable; default: md, html and json).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (default: NAME-assessment in the current folder, NAME the engagement's id "
    "or the bundle's name; never inside the bundle).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the JSON report on stdout instead of the tables; write files only with --out.",
)
def assess(
    bundle: Path | None,
    engagement_file: Path | None,
    services: str | None,
    facts: tuple[str, ...],
    formats: tuple[str, ...],
    out: Path | None,
    as_json: bool,
) -> int:
    """Assess the bundle folder BUNDLE: findings, remediation plan and reports.

    With --engagement FILE the plan is the engagement's (and BUNDLE defaults to its
    bundle).  Exit status 0: nothing blocks; 3: blocking remediation items remain; 1: error.
    """
    manager = load_plugin_manager()
    spec = _spec(manager, engagement_file, services, facts)
    if bundle is None:
        if not spec.bundle:
            where = f"{engagement_file} names no bundle" if engagement_file else "no BUNDLE given"
            raise click.UsageError(f"{where}: name the assessment bundle folder")
        bundle = Path(spec.bundle)
    if not bundle.is_dir():
        raise OnboardError(
            f"{bundle}: not a folder (an assessment bundle is a folder; see docs/assessment-bundle.md)"
        )
    try:
        plan = build_plan(manager, spec)
    except PlanError as exc:
        if engagement_file is None or _given(error_field(exc), services, facts):
            raise OnboardError(str(exc)) from exc
        raise located(exc, str(engagement_file), engagement_file.read_text(encoding="utf-8-sig")) from exc
    with ProgressDisplay(sys.stderr.isatty()) as progress:
        result = assess_bundle(bundle, plan.requirements, manager=manager, progress=progress)
    engagement = spec if engagement_file is not None else None
    try:
        items = plan_remediation(manager, plan.services, plan.requirements, result.findings, plan.facts)
        if as_json and out is None:  # the report on stdout, the files left as they are
            print_json(build_report(result, plan.requirements, items, plan.service_keys(), {}, engagement))
        else:
            folder = out or default_out(bundle, engagement)
            report, files = _write_reports(folder, result, plan, items, formats or FORMATS, engagement)
            if as_json:
                print_json(report)
            else:
                _print_summary(result, plan.requirements, items, files)
    finally:
        result.close()
    return exit_status(items)


def _spec(
    manager: ServicePluginManager, engagement_file: Path | None, services: str | None, facts: tuple[str, ...]
) -> EngagementSpec:
    """The engagement to plan: the file's (options on top), else a preview of the offers."""
    if engagement_file is not None:
        return plan_spec(engagement_file, services, facts, (), manager.facts())
    keys = (
        tuple(s.strip() for s in services.split(",") if s.strip()) if services else default_services(manager)
    )
    return preview_spec(keys, dict(command_line_fact(f, manager.facts()) for f in facts))


def _given(field: str, services: str | None, facts: tuple[str, ...]) -> bool:
    """Whether the field a planning error names came from an option rather than the file."""
    root, _, key = field.partition(".")
    if root == "services":
        return bool(services)
    return root == "facts" and any(f.partition("=")[0].strip() == key for f in facts)


def default_out(bundle: Path, engagement: EngagementSpec | None = None, cwd: Path | None = None) -> Path:
    """``NAME-assessment`` in the current folder, or beside the bundle when that is inside it.

    Never inside the bundle: it is the customer's evidence, often a read-only share
    or a folder that goes back to them, and a re-assessment of it must not read our
    reports as theirs.
    """
    source = bundle.resolve()
    name = f"{engagement.engagement_id if engagement else source.name or 'bundle'}-assessment"
    here = (cwd or Path.cwd()).resolve()
    folder = here / name
    return source.parent / name if folder.is_relative_to(source) else folder


def exit_status(items: Sequence[RemediationItem]) -> int:
    """0 when no blocking remediation item remains, else :data:`BLOCKED_EXIT`."""
    return BLOCKED_EXIT if any(i.severity is Severity.BLOCKER for i in items) else 0


def _write_reports(
    folder: Path,
    result: AssessmentResult,
    plan: Plan,
    items: list[RemediationItem],
    formats: tuple[str, ...],
    engagement: EngagementSpec | None,
) -> tuple[dict, dict[str, str]]:
    """Write the reports and IdFix exports; returns the report and the files written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OnboardError(f"{folder}: cannot create the report folder: {exc.strerror}") from exc
    exports: dict[str, str] = {}
    if result.idfix is not None:
        result.idfix.write_csv(folder / "idfix.csv")
        result.idfix.write_json(folder / "idfix.json")
        exports = {"idfix.csv": "idfix.csv", "idfix.json": "idfix.json"}
    report = build_report(result, plan.requirements, items, plan.service_keys(), exports, engagement)
    files = {}
    for fmt in dict.fromkeys(formats):
        path = folder / FILE_NAMES[fmt]
        path.write_text(RENDERERS[fmt](report), encoding="utf-8")
        files[fmt] = str(path)
    files.update({name: str(folder / name) for name in exports})
    return report, files


def _print_summary(
    result: AssessmentResult,
    requirements: Sequence[Requirement],
    items: list[RemediationItem],
    files: dict[str, str],
) -> None:
    """The findings (failed first) and the remediation plan (failures, then questions)."""
    by_id = {r.id: r for r in requirements}
    findings = table(f"Assessment of {result.bundle}", "requirement", "service", "outcome", "summary")
    for f in sorted(result.findings, key=lambda f: OUTCOME_ORDER.index(f.outcome.value)):
        style = _OUTCOME_STYLE[f.outcome]
        title = by_id[f.requirement_id].title if f.requirement_id in by_id else ""
        findings.add_row(
            f"{f.requirement_id}\n[dim]{title}[/]", f.service, f"[{style}]{f.outcome.value}[/]", f.summary
        )
    console.print(findings)
    not_run = {f.requirement_id for f in result.findings if f.outcome is Outcome.NOT_RUN}
    parts = (
        ("Remediation plan: failures to fix", [i for i in items if i.requirement_id not in not_run]),
        ("Remediation plan: questions to answer", [i for i in items if i.requirement_id in not_run]),
    )
    for title, part in parts if items else ():
        if not part:
            continue
        plan_table = table(title, "item", "owner", "severity", "blocks", "what to do")
        for i in part:
            severity = f"[red]{i.severity.value}[/]" if i.severity is Severity.BLOCKER else i.severity.value
            plan_table.add_row(i.id, i.owner.value, severity, ", ".join(i.blocks), i.title)
        console.print(plan_table)
    if not items:
        console.print("[green]nothing to remediate[/]")
    counts = result.counts()
    blockers = sum(1 for i in items if i.severity is Severity.BLOCKER)
    console.print(
        f"{counts['fail']} failed, {counts['not_run']} not run, {counts['pass']} passed; "
        f"{blockers} blocking item(s). Reports: {', '.join(files.values())}"
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def checks(as_json: bool) -> None:
    """List the assessment checks requirements can name (built-in and from plugins)."""
    found = registry(load_plugin_manager())
    if as_json:
        print_json(
            [
                {
                    "name": c.name,
                    "description": c.description,
                    "inputs": list(c.inputs),
                    "params": c.params,
                    "provider": c.provider,
                }
                for c in found.values()
            ]
        )
        return
    t = table(None, "check", "reads", "params", "what it verifies", "provider")
    for c in found.values():
        t.add_row(c.name, ", ".join(c.inputs), c.params, c.description, c.provider)
    console.print(t)


def register(group: click.Group) -> None:
    """Add ``assess`` and ``checks`` to the CLI."""
    group.add_command(assess)
    group.add_command(checks)
