"""The engagement report as Markdown, as CSV (the checklist) and as JSON.

Each takes the data of :func:`~onboard.core.reports.engagement.engagement_report`.
"""

import csv
import io
import json
from typing import Any

from onboard.core.reports.formatting import day, iso_day, md_table, plural, stamp

#: The checklist's CSV columns, in order (dates as YYYY-MM-DD so a spreadsheet sorts them).
CSV_COLUMNS = (
    "kind", "id", "title", "service", "owner", "severity", "due", "overdue", "status",
    "closed_by", "closed_on", "evidence", "requirement", "blocks", "detail",
)  # fmt: skip

SECTION_TITLES = {
    "overview": "Overview",
    "plan": "Plan",
    "checklist": "Remediation checklist",
    "assessment": "Assessment summary",
    "audit": "Audit trail",
}
OUTCOME_TITLES = {"fail": "Failed", "not_run": "Not run", "pass": "Passed"}


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_csv(report: dict[str, Any]) -> str:
    """The remediation checklist, one row per item: failures first, then questions."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    checklist = report["checklist"]
    for item in [*checklist["failures"], *checklist["questions"]]:
        writer.writerow(
            (
                item["kind"], item["id"], item["title"], item["service"], item["owner"], item["severity"],
                iso_day(item["due"]), "yes" if item["overdue"] else "", item["status"], item["closed_by"],
                iso_day(item["closed_at"]), item["evidence"], item["requirement_id"],
                " ".join(item["blocks"]), item["detail"],
            )
        )  # fmt: skip
    return out.getvalue()


def headline(report: dict[str, Any]) -> str:
    """One sentence: where the engagement stands."""
    counts = report["checklist"]["counts"]
    text = f"Phase **{report['phase']}**. "
    if counts["total"]:
        text += (
            f"{plural(counts['open'], 'open remediation item')} of {counts['total']}"
            f" ({counts['open_blockers']} blocking, {counts['overdue']} overdue)"
        )
    else:
        text += "No remediation items"
    awaiting = ", ".join(report["awaiting"]) or "nobody"
    return text + f"; waiting for {awaiting}."


def due_text(item: dict[str, Any]) -> str:
    if not item["due"]:
        return ""
    text = day(item["due"])
    if item["overdue"]:
        text += " **OVERDUE**"
    if item["due_moved_by"]:
        text += f" (moved by {item['due_moved_by']})"
    return text


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people, in Markdown (dates in UTC)."""
    out = [
        f"# {report['customer']}: onboarding engagement {report['engagement_id']}",
        "",
        f"{', '.join(report['service_names'])} for {report['tenant']}. "
        f"Purchased {day(report['purchased_on'])}. Report of {stamp(report['generated_at'])} UTC.",
        "",
        headline(report),
    ]
    if report["blocked"]:
        out += ["", f"**Blocked:** {report['blocked']}"]
    out += ["", f"## {SECTION_TITLES['overview']}", "", "### Phase gates", ""]
    out += md_table(
        ("Gate", "Phase", "Needs", "State", "Approved by", "Rejections"),
        [
            (
                g["title"], g["phase"], " + ".join(g["parties"]), g["state"],
                ", ".join(f"{party}: {who}" for party, who in g["approved_by"].items()),
                "; ".join(g["rejections"]),
            )
            for g in report["gates"]
        ],
    )  # fmt: skip
    out += ["", "### People", ""]
    out += md_table(
        ("Name", "Id", "Side", "E-mail"),
        [(p["name"], p["id"], p["party"], p["email"]) for p in report["people"]],
    )
    out += _plan(report["plan"])
    out += _checklist(report["checklist"])
    out += _assessment(report["assessment"])
    out += _audit(report["audit"])
    return "\n".join(out) + "\n"


def _plan(plan: dict[str, Any] | None) -> list[str]:
    out = ["", f"## {SECTION_TITLES['plan']}", ""]
    if plan is None:
        return [*out, "Not planned yet."]
    out += ["### Services", ""]
    out += md_table(
        ("Service", "Key", "What it is"), [(s["name"], s["key"], s["description"]) for s in plan["services"]]
    )
    out += ["", "### Eligibility", ""]
    out += md_table(
        ("Service", "Licences", "Needed", "Counted from", "Eligible"),
        [
            (e["service"], e["licenses"], e["min_licenses"], e["via"], "yes" if e["eligible"] else "**no**")
            for e in plan["eligibility"]
        ],
    )
    out += ["", *(f"- **Warning:** {w}" for w in plan["warnings"])] if plan["warnings"] else []
    if plan["changes"]:
        out += ["", "### Scope changes", ""]
        out += md_table(
            ("When", "By", "Why", "Services", "Items"),
            [
                (
                    c["at"][:10],
                    c["by"],
                    c["reason"],
                    " ".join(
                        [*(f"+{s}" for s in c["services_added"]), *(f"-{s}" for s in c["services_removed"])]
                    )
                    or "; ".join(c["facts_changed"]),
                    f"{len(c['items_added'])} opened, {len(c['items_closed'])} out of scope",
                )
                for c in plan["changes"]
            ],
        )
    out += ["", "### Out of scope", ""]
    if plan["exclusions"]:
        out += md_table(
            ("Service", "Not covered", "Why"),
            [(x["service"], x["subject"], x["reason"]) for x in plan["exclusions"]],
        )
    else:
        out.append("Nothing is excluded.")
    out += ["", "### Responsibilities", ""]
    out += md_table(
        ("Side", "Phase", "Service", "Responsibility"),
        [(r["party"], r["phase"], r["service"], r["text"]) for r in plan["responsibilities"]],
    )
    out += ["", "### Enable steps", ""]
    out += md_table(
        ("Step", "Service", "What", "Kind", "Owner", "After", "Status"),
        [
            (
                s["id"],
                s["service"],
                s["title"],
                s["kind"],
                s["owner"],
                ", ".join(s["depends_on"]),
                _step_status(s),
            )
            for s in plan["enable_steps"]
        ],
    )
    return out


def _step_status(step: dict[str, Any]) -> str:
    done = " ".join(x for x in (step["by"], f"on {day(step['at'])}" if step["at"] else "") if x)
    return step["status"] + (f" ({done})" if done and step["status"] == "done" else "")


def _checklist(checklist: dict[str, Any]) -> list[str]:
    counts = checklist["counts"]
    out = ["", f"## {SECTION_TITLES['checklist']}", ""]
    if not counts["total"]:
        return [*out, "Nothing to remediate."]
    out.append(
        f"{plural(counts['total'], 'item')}: {counts['open']} open, {counts['done']} done, "
        f"{counts['waived']} waived; {counts['overdue']} overdue. Due dates are in UTC."
    )
    parts = (
        (
            "Failures to fix",
            checklist["failures"],
            "Checks that ran on the assessment bundle and failed: work to do.",
        ),
        (
            "Questions: inputs to provide",
            checklist["questions"],
            "What no check could decide: a person confirms it, or the assessment bundle lacks the input its check reads.",
        ),
    )
    for title, items, what in parts:
        out += ["", f"### {title} ({len(items)})", "", what, ""]
        if not items:
            out.append("None.")
            continue
        out += md_table(
            ("Item", "What to do", "Owner", "Severity", "Due", "Status", "Closed by", "Evidence"),
            [
                (
                    i["id"], i["title"] + (f"\n{i['why']}" if i["why"] else ""), i["owner"], i["severity"], due_text(i), i["status"],
                    i["closed_by"] + (f" on {day(i['closed_at'])}" if i["closed_at"] else ""), i["evidence"],
                )
                for i in items
            ],
        )  # fmt: skip
    return out


def _assessment(assessment: dict[str, Any]) -> list[str]:
    out = ["", f"## {SECTION_TITLES['assessment']}", ""]
    if not assessment["round"]:
        return [*out, "Not assessed yet."]
    counts = assessment["counts"]
    bundle = f" of `{assessment['bundle']}`" if assessment["bundle"] else ""
    out.append(
        f"Assessment round {assessment['round']}{bundle}: "
        + ", ".join(f"{counts[o]} {OUTCOME_TITLES[o].lower()}" for o in OUTCOME_TITLES)
        + "."
    )
    for outcome, title in OUTCOME_TITLES.items():
        findings = assessment["findings"].get(outcome, [])
        if not findings:
            continue
        out += ["", f"### {title} ({len(findings)})", ""]
        out += md_table(
            ("Requirement", "Service", "Severity", "Summary", "Where"),
            [(f["title"], f["service"], f["severity"], f["summary"], f["location"]) for f in findings],
        )
        if outcome == "fail":
            for f in findings:
                if f["details"]:
                    out += ["", f"**{f['title']}** (`{f['requirement_id']}`):", ""]
                    out += [f"- {d}" for d in f["details"]]
                    if f["total"] > len(f["details"]):
                        out.append(f"- … and {f['total'] - len(f['details'])} more")
    return out


def _audit(audit: dict[str, Any]) -> list[str]:
    out = ["", f"## {SECTION_TITLES['audit']}", "", audit["note"], ""]
    if not audit["records"]:
        return [*out, "No records yet."]
    out += md_table(
        ("#", "When (UTC)", "Who", "Side", "Action", "Subject", "Comment"),
        [
            (
                r["seq"] or "—", stamp(r["at"]), r["name"], r["party"], r["action"], r["subject"],
                r["comment"] or ("(in the journal)" if r["evidence"] else ""),
            )
            for r in audit["records"]
        ],
    )  # fmt: skip
    return out
