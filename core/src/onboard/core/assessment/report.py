"""The assessment report: one JSON document, rendered as Markdown and as HTML.

:func:`build_report` gathers the findings, the remediation plan, the inputs and the
directory scan into plain data (the JSON report); the renderers only format it, so
the three formats always say the same thing.

A bundle's findings are mostly *questions* (checks a person confirms, and checks
whose input the bundle lacks) around a few real *failures*; the reports put the
failures first and the questions apart, so the work to do does not drown.
"""

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from onboard.core.assessment.engine import AssessmentResult
from onboard.core.converter import to_json_value
from onboard.core.models import EngagementSpec, Outcome, RemediationItem, Requirement, Severity
from onboard.core.reports.engagement import SEVERITY_ORDER, why
from onboard.core.reports.formatting import md_table, plural, stamp, templates

REPORT_SAMPLE_ROWS = 100
FORMATS = ("md", "html", "json")
#: The findings in the order the reports show them: what failed, what no check could decide, what passed.
OUTCOME_ORDER = (Outcome.FAIL.value, Outcome.NOT_RUN.value, Outcome.PASS.value)
OUTCOME_TITLES = {"fail": "Failed", "not_run": "Not run", "pass": "Passed"}


def report_title(bundle: str, engagement: EngagementSpec | None = None) -> str:
    """What the report is about, for people: the customer and engagement, else the bundle's name."""
    if engagement is not None:
        return f"{engagement.customer}: assessment for engagement {engagement.engagement_id}"
    return f"Assessment of the {PurePath(bundle).name or bundle} bundle"


def build_report(
    result: AssessmentResult,
    requirements: Sequence[Requirement],
    items: Sequence[RemediationItem],
    services: Sequence[str] = (),
    exports: dict[str, str] | None = None,
    engagement: EngagementSpec | None = None,
) -> dict[str, Any]:
    """The report as plain JSON-ready data; ``engagement`` names the customer it is for."""
    by_id = {r.id: r for r in requirements}
    findings = []
    for item in result.findings:
        requirement = by_id.get(item.requirement_id)
        findings.append(
            {
                **to_json_value(item),
                "title": requirement.title if requirement else item.requirement_id,
                "category": requirement.category.value if requirement else "",
                "check": requirement.check if requirement else "",
                "severity": requirement.severity.value if requirement else "",
                "owner": requirement.owner.value if requirement else "",
                "source": requirement.source if requirement else "",
            }
        )
    findings.sort(key=lambda f: OUTCOME_ORDER.index(f["outcome"]))  # stable: requirement order within
    outcomes = {f.requirement_id: f.outcome for f in result.findings}
    remediation = [
        {
            **to_json_value(i),
            "kind": "question" if outcomes.get(i.requirement_id) is Outcome.NOT_RUN else "failure",
            "why": why(i.title, i.detail),
        }
        for i in items
    ]
    # Blockers first within each part (a stable sort: requirement order otherwise).
    parts = {
        kind: sorted(
            (i for i in remediation if i["kind"] == kind), key=lambda i: SEVERITY_ORDER[i["severity"]]
        )
        for kind in ("failure", "question")
    }
    idfix = None
    if result.idfix is not None:
        idfix = {
            **result.idfix.summary(),
            "sample": [row.to_json() for row in result.idfix.sample[:REPORT_SAMPLE_ROWS]],
            "exports": dict(exports or {}),
        }
    return {
        "title": report_title(result.bundle, engagement),
        "customer": engagement.customer if engagement else "",
        "engagement_id": engagement.engagement_id if engagement else "",
        "tenant": engagement.tenant if engagement else "",
        "bundle": result.bundle,
        "assessed_at": result.started_at.isoformat(),
        "seconds": round(result.seconds, 3),
        "services": list(services),
        "counts": result.counts(),
        "blockers": sum(1 for i in items if i.severity is Severity.BLOCKER),
        "remediation": remediation,
        "failures": parts["failure"],
        "questions": parts["question"],
        "findings": findings,
        "inputs": [to_json_value(i) for i in result.inputs],
        "idfix": idfix,
    }


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def summary_line(report: dict[str, Any]) -> str:
    """Counts in one sentence (Markdown emphasis on the blockers)."""
    counts = report["counts"]
    return (
        f"{counts['fail']} failed, {counts['not_run']} not run, {counts['pass']} passed: "
        f"{plural(len(report['failures']), 'failure')} to fix and "
        f"{plural(len(report['questions']), 'question')} to answer; "
        f"**{plural(report['blockers'], 'blocking remediation item')}**."
    )


_MARK = {Outcome.PASS.value: "pass", Outcome.FAIL.value: "**FAIL**", Outcome.NOT_RUN.value: "not run"}
_REMEDIATION_PARTS = (
    ("failures", "Failures to fix", "Checks that ran on the bundle and failed: work to do."),
    (
        "questions",
        "Questions to answer",
        "What no check could decide: a person confirms it, or the bundle lacks the input its check reads.",
    ),
)


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people, in Markdown."""
    out = [
        f"# {report['title']}",
        "",
        f"Bundle `{report['bundle']}`, assessed {stamp(report['assessed_at'])} UTC in {report['seconds']:.1f} s"
        + (f" for {', '.join(report['services'])}" if report["services"] else "")
        + ".",
        "",
        summary_line(report),
        "",
        "## Remediation plan",
    ]
    if not report["remediation"]:
        out += ["", "Nothing to remediate."]
    for key, title, what in _REMEDIATION_PARTS:
        out += ["", f"### {title} ({len(report[key])})", "", what, ""]
        out += (
            md_table(
                ("Item", "Severity", "Owner", "Blocks", "What to do", "Why"),
                [
                    (i["id"], i["severity"], i["owner"], ", ".join(i["blocks"]), i["title"], i["detail"])
                    for i in report[key]
                ],
            )
            if report[key]
            else ["None."]
        )
    out += ["", "## Findings"]
    for outcome in OUTCOME_ORDER:
        findings = [f for f in report["findings"] if f["outcome"] == outcome]
        if not findings:
            continue
        out += ["", f"### {OUTCOME_TITLES[outcome]} ({len(findings)})", ""]
        out += md_table(
            ("Requirement", "Service", "Category", "Outcome", "Summary", "Where"),
            [
                (
                    f["requirement_id"],
                    f["service"],
                    f["category"],
                    _MARK.get(outcome, outcome),
                    f["summary"],
                    f["location"],
                )
                for f in findings
            ],
        )
    for f in report["findings"]:
        if f["outcome"] == Outcome.PASS.value or not f["details"]:
            continue
        out += ["", f"#### {f['requirement_id']}: {f['title']}", ""]
        out += [f"- {d}" for d in f["details"]]
        if f["total"] > len(f["details"]):
            out.append(f"- … and {f['total'] - len(f['details'])} more")
    out += ["", "## Inputs", ""]
    out += md_table(
        ("Input", "File", "State", "Records", "Detail"),
        [(i["name"], i["file"], i["state"], i["records"] or "", i["detail"]) for i in report["inputs"]],
    )
    out += _idfix_markdown(report.get("idfix"))
    return "\n".join(out) + "\n"


def _idfix_markdown(idfix: dict[str, Any] | None) -> list[str]:
    if not idfix:
        return []
    out = ["", "## Directory readiness (IdFix, multi-tenant rules)", ""]
    out.append(
        f"{idfix['records']:,} objects in `{idfix['file']}`: {idfix['found']:,} persons and groups, "
        f"{idfix['skipped']:,} skipped as IdFix skips them, {idfix['processed']:,} checked; "
        f"**{idfix['errors']:,} errors** ({idfix['duplicates']:,} duplicates)."
    )
    if idfix["by_kind"]:
        out += ["", "Errors by kind: " + ", ".join(f"{k} {v:,}" for k, v in idfix["by_kind"].items()) + "."]
    if idfix["exports"]:
        links = ", ".join(f"[{name}]({path})" for name, path in idfix["exports"].items())
        out += ["", f"Every row: {links} (IdFix's CSV columns)."]
    if idfix["sample"]:
        shown = len(idfix["sample"])
        out += ["", f"First {shown} of {idfix['errors']:,}:" if shown < idfix["errors"] else "", ""]
        out += md_table(
            ("Line", "Distinguished name", "Attribute", "Value", "Error", "Action", "Update"),
            [
                (
                    r["line"], r["distinguishedName"], r["attribute"], r["value"],
                    ", ".join(r["error"]), r["proposedAction"], r["update"],
                )
                for r in idfix["sample"]
            ],
        )  # fmt: skip
    if idfix["problems"]:
        out += ["", f"Malformed LDIF ({idfix['problem_count']:,}):", ""]
        out += [f"- {p}" for p in idfix["problems"]]
    return out


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (the packaged template; every value escaped)."""
    return (
        templates()
        .get_template("assessment.html.j2")
        .render(
            r=report,
            parts=_REMEDIATION_PARTS,
            outcomes={o: [f for f in report["findings"] if f["outcome"] == o] for o in OUTCOME_ORDER},
            outcome_titles=OUTCOME_TITLES,
        )
    )


RENDERERS = {"md": render_markdown, "html": render_html, "json": render_json}
FILE_NAMES = {"md": "assessment.md", "html": "assessment.html", "json": "assessment.json"}
