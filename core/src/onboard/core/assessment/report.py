"""The assessment report: one JSON document, rendered as Markdown and as HTML.

:func:`build_report` gathers the findings, the remediation plan, the inputs and the
directory scan into plain data (the JSON report); the renderers only format it, so
the three formats always say the same thing.
"""

import html
import json
from collections.abc import Sequence
from typing import Any

from onboard.core.assessment.engine import AssessmentResult
from onboard.core.converter import to_json_value
from onboard.core.models import Outcome, RemediationItem, Requirement, Severity

REPORT_SAMPLE_ROWS = 100
FORMATS = ("md", "html", "json")


def build_report(
    result: AssessmentResult,
    requirements: Sequence[Requirement],
    items: Sequence[RemediationItem],
    services: Sequence[str] = (),
    exports: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
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
    idfix = None
    if result.idfix is not None:
        idfix = {
            **result.idfix.summary(),
            "sample": [row.to_json() for row in result.idfix.sample[:REPORT_SAMPLE_ROWS]],
            "exports": dict(exports or {}),
        }
    return {
        "bundle": result.bundle,
        "assessed_at": result.started_at.isoformat(),
        "seconds": round(result.seconds, 3),
        "services": list(services),
        "counts": result.counts(),
        "blockers": sum(1 for i in items if i.severity is Severity.BLOCKER),
        "remediation": [to_json_value(i) for i in items],
        "findings": findings,
        "inputs": [to_json_value(i) for i in result.inputs],
        "idfix": idfix,
    }


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _md(text: object) -> str:
    """A table cell: pipes escaped, newlines flattened."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines


_MARK = {Outcome.PASS.value: "pass", Outcome.FAIL.value: "**FAIL**", Outcome.NOT_RUN.value: "not run"}


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people, in Markdown."""
    counts = report["counts"]
    out = [
        f"# Assessment of `{report['bundle']}`",
        "",
        f"Assessed {report['assessed_at']} in {report['seconds']:.1f} s"
        + (f" for {', '.join(report['services'])}" if report["services"] else "")
        + f". {counts['pass']} passed, {counts['fail']} failed, {counts['not_run']} not run; "
        f"**{report['blockers']} blocking remediation item{'s' if report['blockers'] != 1 else ''}**.",
        "",
        "## Remediation plan",
        "",
    ]
    if report["remediation"]:
        out += _md_table(
            ("Item", "Severity", "Owner", "Blocks", "What to do", "Why"),
            [
                (i["id"], i["severity"], i["owner"], ", ".join(i["blocks"]), i["title"], i["detail"])
                for i in report["remediation"]
            ],
        )
    else:
        out.append("Nothing to remediate.")
    out += ["", "## Findings", ""]
    out += _md_table(
        ("Requirement", "Service", "Category", "Outcome", "Summary", "Where"),
        [
            (
                f["requirement_id"],
                f["service"],
                f["category"],
                _MARK.get(f["outcome"], f["outcome"]),
                f["summary"],
                f["location"],
            )
            for f in report["findings"]
        ],
    )
    for f in report["findings"]:
        if f["outcome"] == Outcome.PASS.value or not f["details"]:
            continue
        out += ["", f"### {f['requirement_id']}: {f['title']}", ""]
        out += [f"- {_md(d)}" for d in f["details"]]
        if f["total"] > len(f["details"]):
            out.append(f"- … and {f['total'] - len(f['details'])} more")
    out += ["", "## Inputs", ""]
    out += _md_table(
        ("Input", "File", "State", "Records", "Detail"),
        [(i["name"], i["file"], i["state"], i["records"] or "", i["detail"]) for i in report["inputs"]],
    )
    idfix = report.get("idfix")
    if idfix:
        out += ["", "## Directory readiness (IdFix, multi-tenant rules)", ""]
        out.append(
            f"{idfix['records']:,} objects in `{idfix['file']}`: {idfix['found']:,} persons and groups, "
            f"{idfix['skipped']:,} skipped as IdFix skips them, {idfix['processed']:,} checked; "
            f"**{idfix['errors']:,} errors** ({idfix['duplicates']:,} duplicates)."
        )
        if idfix["by_kind"]:
            out += [
                "",
                "Errors by kind: " + ", ".join(f"{k} {v:,}" for k, v in idfix["by_kind"].items()) + ".",
            ]
        if idfix["exports"]:
            out += [
                "",
                "Every row: "
                + ", ".join(f"[{name}]({path})" for name, path in idfix["exports"].items())
                + " (IdFix's CSV columns).",
            ]
        if idfix["sample"]:
            shown = len(idfix["sample"])
            out += ["", f"First {shown} of {idfix['errors']:,}:" if shown < idfix["errors"] else "", ""]
            out += _md_table(
                ("Line", "Distinguished name", "Attribute", "Value", "Error", "Action", "Update"),
                [
                    (
                        r["line"],
                        r["distinguishedName"],
                        r["attribute"],
                        r["value"],
                        ", ".join(r["error"]),
                        r["proposedAction"],
                        r["update"],
                    )
                    for r in idfix["sample"]
                ],
            )
        if idfix["problems"]:
            out += ["", f"Malformed LDIF ({idfix['problem_count']:,}):", ""]
            out += [f"- {_md(p)}" for p in idfix["problems"]]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.pass { color: #1a7f37; } .fail { color: #c62828; font-weight: bold; } .not_run { color: #8a6d00; }
.blocker { color: #c62828; font-weight: bold; } code { background: #f6f6f6; padding: 0 .2rem; }
"""


def _h(text: object) -> str:
    return html.escape(str(text))


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{_h(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (every value escaped)."""
    counts = report["counts"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Assessment of {_h(report['bundle'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Assessment of <code>{_h(report['bundle'])}</code></h1>",
        f"<p>Assessed {_h(report['assessed_at'])} in {report['seconds']:.1f} s"
        + (f" for {_h(', '.join(report['services']))}" if report["services"] else "")
        + f". {counts['pass']} passed, {counts['fail']} failed, {counts['not_run']} not run; "
        f"<strong>{report['blockers']} blocking remediation item(s)</strong>.</p>",
        "<h2>Remediation plan</h2>",
    ]
    if report["remediation"]:
        parts.append(
            _html_table(
                ("Item", "Severity", "Owner", "Blocks", "What to do", "Why"),
                [
                    (
                        f"<code>{_h(i['id'])}</code>",
                        f"<span class='{_h(i['severity'])}'>{_h(i['severity'])}</span>",
                        _h(i["owner"]),
                        _h(", ".join(i["blocks"])),
                        _h(i["title"]),
                        _h(i["detail"]),
                    )
                    for i in report["remediation"]
                ],
            )
        )
    else:
        parts.append("<p>Nothing to remediate.</p>")
    parts.append("<h2>Findings</h2>")
    rows = []
    for f in report["findings"]:
        details = "".join(f"<li>{_h(d)}</li>" for d in f["details"])
        if f["total"] > len(f["details"]):
            details += f"<li>… and {f['total'] - len(f['details'])} more</li>"
        summary = _h(f["summary"]) + (f"<ul>{details}</ul>" if details and f["outcome"] != "pass" else "")
        rows.append(
            (
                f"<code>{_h(f['requirement_id'])}</code><br>{_h(f['title'])}",
                _h(f["service"]),
                _h(f["category"]),
                f"<span class='{_h(f['outcome'])}'>{_h(f['outcome'])}</span>",
                summary,
                _h(f["location"]),
            )
        )
    parts.append(_html_table(("Requirement", "Service", "Category", "Outcome", "Summary", "Where"), rows))
    parts.append("<h2>Inputs</h2>")
    parts.append(
        _html_table(
            ("Input", "File", "State", "Records", "Detail"),
            [
                (
                    _h(i["name"]),
                    f"<code>{_h(i['file'])}</code>",
                    _h(i["state"]),
                    _h(i["records"] or ""),
                    _h(i["detail"]),
                )
                for i in report["inputs"]
            ],
        )
    )
    idfix = report.get("idfix")
    if idfix:
        parts.append("<h2>Directory readiness (IdFix, multi-tenant rules)</h2>")
        parts.append(
            f"<p>{idfix['records']:,} objects in <code>{_h(idfix['file'])}</code>: {idfix['found']:,} persons and "
            f"groups, {idfix['skipped']:,} skipped, {idfix['processed']:,} checked; <strong>{idfix['errors']:,} "
            f"errors</strong> ({idfix['duplicates']:,} duplicates).</p>"
        )
        if idfix["exports"]:
            links = ", ".join(f"<a href='{_h(p)}'>{_h(n)}</a>" for n, p in idfix["exports"].items())
            parts.append(f"<p>Every row: {links}.</p>")
        if idfix["sample"]:
            parts.append(
                _html_table(
                    ("Line", "Distinguished name", "Attribute", "Value", "Error", "Action", "Update"),
                    [
                        (
                            _h(r["line"]),
                            _h(r["distinguishedName"]),
                            _h(r["attribute"]),
                            f"<code>{_h(r['value'])}</code>",
                            _h(", ".join(r["error"])),
                            _h(r["proposedAction"]),
                            f"<code>{_h(r['update'])}</code>",
                        )
                        for r in idfix["sample"]
                    ],
                )
            )
        if idfix["problems"]:
            items = "".join(f"<li>{_h(p)}</li>" for p in idfix["problems"])
            parts.append(f"<p>Malformed LDIF ({idfix['problem_count']:,}):</p><ul>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


RENDERERS = {"md": render_markdown, "html": render_html, "json": render_json}
FILE_NAMES = {"md": "assessment.md", "html": "assessment.html", "json": "assessment.json"}
