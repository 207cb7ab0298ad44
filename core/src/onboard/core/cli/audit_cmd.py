"""``onboard audit``: export an engagement's signed audit chain, and verify one offline.

::

    onboard audit contoso-ems > contoso-ems.jsonl       # = onboard audit export contoso-ems
    onboard audit export contoso-ems --format md -o audit.md
    onboard audit verify contoso-ems.jsonl --allowed-signers allowed_signers
    onboard audit verify $ONBOARD_HOME/audit/contoso-ems.jsonl --history contoso-ems.jsonl

The export's JSON lines are the journal's (:func:`onboard.core.journal.journal_line`),
so ``verify`` reads an export and a journal alike.  ``verify`` needs no server; it
exits 0 when the chain holds (warnings alone do not fail it) and 1 on any error.
"""

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import click
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import with_engagements
from onboard.core.cli.output import console
from onboard.core.client import Engagements
from onboard.core.journal import journal_line, journal_text
from onboard.core.models import AuditRecord, EngagementState, EngagementStatus
from onboard.core.trust import audit_verify, store
from onboard.core.trust.chain import record_hash
from onboard.core.trust.signers import AllowedSigners

CSV_COLUMNS = (
    "seq", "at", "person", "party", "action", "subject", "comment",
    "key", "signed_at", "nonce", "hash",
)  # fmt: skip


def export_jsonl(records: Sequence[AuditRecord], state: EngagementState | None = None) -> str:
    """One journal line per record, after an archive line when older records are
    in the journal only (``verify`` links the chain on from it)."""
    head = ""
    if state is not None and state.archived:
        head = journal_text(audit_verify.Archived(state.archived, state.archived_head).line())
    return head + "".join(journal_text(journal_line(r)) for r in records)


def export_csv(records: Sequence[AuditRecord]) -> str:
    """One row per record, with :data:`CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        sig = r.signature
        writer.writerow(
            (
                r.seq, r.at.isoformat(), r.person, r.party.value, r.action, r.subject, r.comment,
                r.key, sig.signed_at.isoformat() if sig else "", sig.nonce if sig else "", record_hash(r),
            )
        )  # fmt: skip
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def export_markdown(status: EngagementStatus) -> str:
    """A table for people, under a header naming the engagement and the chain head."""
    state = status.state
    records = state.audit
    names = {p.id: p.name for p in state.spec.roster}
    if state.audit_head:
        head = f"Chain head: `{state.audit_head}` (record {max(r.seq for r in records)}), {len(records)} records."
        if state.archived:
            head += f" Records 1–{state.archived} are archived in the audit journal."
    elif state.signed:
        head = "No audit records yet."
    else:
        head = f"Not chained (an engagement from before signing), {len(records)} records."
    lines = [
        f"# Audit trail of {status.engagement_id}",
        "",
        f"{state.spec.customer} ({status.tenant}), phase {status.phase.value}. {head}",
        "",
        "| seq | at | person | party | action | subject | comment | key | hash |",
        "| ---: | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in records:
        person = f"{r.person} ({names[r.person]})" if r.person in names else r.person
        cells = (
            str(r.seq), r.at.isoformat(timespec="seconds"), person, r.party.value, r.action, r.subject,
            r.comment, r.key or ("unsigned" if r.signature is None else ""), f"`{record_hash(r)[:16]}`",
        )  # fmt: skip
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


class AuditGroup(click.Group):
    """``onboard audit ID`` means ``onboard audit export ID``: an unknown first word is an id."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["export", *args]
        return super().parse_args(ctx, args)


@click.group(cls=AuditGroup, subcommand_metavar="ID | COMMAND [ARGS]...")
def audit() -> None:
    """Export an engagement's signed audit chain (onboard audit ID), or verify one offline.

    "onboard audit ID" is short for "onboard audit export ID" (spell it out for an
    engagement whose id is "export" or "verify").
    """


@audit.command("export")
@click.argument("engagement_id", shell_complete=completion.any_engagement_ids)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "md"]),
    default="jsonl",
    show_default=True,
    help="jsonl (the journal's format, what verify reads), csv, or md (a table for people).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@with_engagements
async def export(engagements: Engagements, engagement_id: str, fmt: str, output: Path | None) -> None:
    """Export ENGAGEMENT_ID's audit chain as the engagement holds it now."""
    status = await engagements.status(engagement_id)
    records = status.state.audit
    text = (
        export_markdown(status)
        if fmt == "md"
        else export_csv(records)
        if fmt == "csv"
        else export_jsonl(records, status.state)
    )
    if output is None:
        with console.paged():  # on a terminal, a long chain goes through the pager
            console.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(records)} records written to {output}", err=True)


def _signers(path: Path | None) -> tuple[AllowedSigners | None, str]:
    """The allowed-signers file to check keys against, and a note when there is none."""
    if path is not None:
        return AllowedSigners.load(path), ""
    default = store.default_path()
    if default.exists():
        return AllowedSigners.load(default), ""
    return None, (
        f"note: no allowed-signers file (none given, and {default} does not exist): signatures are "
        "checked cryptographically only, not whether each key belongs to its principal; "
        "give --allowed-signers PATH"
    )


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _summary(report: audit_verify.Report) -> str:
    head = f", head {report.head} (record {report.last_seq})" if report.head else ""
    return f"{report.checked} records, {report.signatures} signatures match{head}"


@audit.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check each key against this file (default: $ONBOARD_ALLOWED_SIGNERS, else "
    "allowed_signers in the onboard config folder, if it exists).",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An export of the engagement's chain: FILE is then the journal, and the two are compared.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(file: Path, allowed_signers: Path | None, history: Path | None, as_json: bool) -> None:
    """Verify the audit chain in FILE (a journal or an export) offline; exit 1 on any error."""
    signers, note = _signers(allowed_signers)
    chains = [audit_verify.read_chain(file)] + ([audit_verify.read_chain(history)] if history else [])
    reports = [audit_verify.verify_chain(c, signers) for c in chains]
    compared = audit_verify.compare(chains[0], chains[1]) if history else []
    problems = [p for r in reports for p in r.problems] + compared
    errors = sum(p.severity is audit_verify.Severity.ERROR for p in problems)
    ok = all(r.ok for r in reports) and errors == 0
    if as_json:
        files = [
            {
                "path": c.path, "ok": r.ok, "checked": r.checked, "signatures": r.signatures,
                "head": r.head, "last_seq": r.last_seq,
                "problems": [{"severity": p.severity.value, "text": p.text} for p in r.problems],
            }
            for c, r in zip(chains, reports, strict=True)
        ]  # fmt: skip
        out = {
            "ok": ok,
            "allowed_signers": signers.path if signers else None,
            "files": files,
            "compare": [{"severity": p.severity.value, "text": p.text} for p in compared],
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        if note:
            click.echo(note)
        for chain, report in zip(chains, reports, strict=True):
            click.echo(f"{chain.path}: {_summary(report)}")
            for problem in report.problems:
                click.echo(f"  {problem}")
        if history:
            click.echo(f"{file} (journal) against {history} (history): {len(compared) or 'no'} differences")
            for problem in compared:
                click.echo(f"  {problem}")
        warnings = len(problems) - errors
        verdict = "verified" if ok else "NOT verified"
        click.echo(f"{verdict}: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
    if not ok:
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(audit)
