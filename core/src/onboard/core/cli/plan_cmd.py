"""``onboard plan``: preview an engagement's plan without starting anything.

The same :func:`~onboard.core.planning.build_plan` the Initiate phase runs, so what a
person reads here is what the engagement records::

    onboard plan contoso.toml
    onboard plan --services ems --fact identity=federated --fact forest_count=3
    onboard plan contoso.toml --fact mdm_authority=none --fact mam_in_scope=true --json
"""

from pathlib import Path

import attrs
import click
from onboard.core.cli.output import console, print_json
from onboard.core.errors import PlanError, SpecError
from onboard.core.models import EngagementSpec, FactDefinition, FactKind, FactValue
from onboard.core.planning import build_plan, error_field
from onboard.core.plugins import load_plugin_manager
from onboard.core.render import render_plan
from onboard.core.specfile import load_spec, located, parse_fact, preview_spec
from onboard.core.trust import store
from onboard.core.trust.signers import AllowedSigners


def parse_license(text: str) -> tuple[str, int]:
    """``offer=N`` from the command line, e.g. ``ems=500``."""
    offer, sep, count = text.partition("=")
    if not sep or not offer.strip():
        raise SpecError(f"--license {text!r} must look like offer=count, e.g. ems=500")
    try:
        return offer.strip(), int(count)
    except ValueError:
        raise SpecError(f"--license {text!r}: the count must be a whole number") from None


def command_line_fact(text: str, definitions: dict[str, FactDefinition]) -> tuple[str, FactValue]:
    """``key=value``, typed by the fact's definition where one exists.

    ``parse_fact`` turns ``2010`` into a number; a choice or text fact such as
    ``exchange_onprem=2010`` means the text ``"2010"``.
    """
    key, value = parse_fact(text)
    definition = definitions.get(key)
    if definition is not None and definition.kind in (FactKind.CHOICE, FactKind.TEXT):
        value = str(value).lower() if isinstance(value, bool) else str(value)
    return key, value


def plan_spec(
    engagement_file: Path | None,
    services: str | None,
    facts: tuple[str, ...],
    licenses: tuple[str, ...],
    definitions: dict[str, FactDefinition],
) -> EngagementSpec:
    """The engagement to plan: the file's, with the command line's overrides on top."""
    service_keys = tuple(s.strip() for s in services.split(",") if s.strip()) if services else ()
    given_facts: dict[str, FactValue] = dict(command_line_fact(f, definitions) for f in facts)
    given_licenses = dict(parse_license(item) for item in licenses)
    if engagement_file is None:
        if not service_keys:
            raise SpecError(
                "name the services to plan with --services (e.g. --services ems) or give an engagement file"
            )
        return preview_spec(service_keys, given_facts, given_licenses or None)
    spec = load_spec(engagement_file)
    return attrs.evolve(
        spec,
        services=service_keys or spec.services,
        facts={**spec.facts, **given_facts},
        licenses={**spec.licenses, **given_licenses},
    )


def _from_command_line(
    field: str, services: str | None, facts: tuple[str, ...], licenses: tuple[str, ...]
) -> bool:
    """Whether the field a planning error names was given by an option rather than the file."""
    root, _, key = field.partition(".")
    if root == "services":
        return bool(services)
    given = facts if root == "facts" else licenses if root == "licenses" else ()
    return any(item.partition("=")[0].strip() == key for item in given)


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):  # it was read a moment ago; without it, no line number
        return ""


@click.command()
@click.argument("engagement_file", required=False, type=click.Path(path_type=Path))
@click.option("--services", metavar="A,B", help="Offers in scope, comma-separated (overrides the file's).")
@click.option(
    "--fact",
    "facts",
    multiple=True,
    metavar="KEY=VALUE",
    help="A fact about the environment (repeatable), e.g. --fact identity=federated.",
)
@click.option(
    "--license",
    "licenses",
    multiple=True,
    metavar="OFFER=N",
    help="Licences bought (repeatable), e.g. --license ems=500; default: 150 per offer.",
)
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Name roster people without a key in this file (default: the workers' default file, if here).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(
    engagement_file: Path | None,
    services: str | None,
    facts: tuple[str, ...],
    licenses: tuple[str, ...],
    allowed_signers: Path | None,
    as_json: bool,
) -> None:
    """Show the plan for ENGAGEMENT_FILE (or for --services): steps, owners, scope, gates."""
    manager = load_plugin_manager()
    spec = plan_spec(engagement_file, services, facts, licenses, manager.facts())
    try:
        result = build_plan(manager, spec)  # a PlanError names a plugin that failed to load
    except PlanError as exc:
        if engagement_file is None or _from_command_line(error_field(exc), services, facts, licenses):
            raise
        raise located(exc, str(engagement_file), _text_of(engagement_file)) from exc
    signers_file = allowed_signers or store.default_path()
    if engagement_file is not None and (allowed_signers or signers_file.exists()):
        result = attrs.evolve(result, signers=AllowedSigners.load(signers_file).snapshot(spec.roster))
    if as_json:
        print_json(result)
        return
    title = f"Plan for {spec.customer} ({spec.tenant})" if engagement_file else "Plan (preview)"
    in_scope = set(result.service_keys())
    relevant = {key for key, fact in manager.facts().items() if fact.service in in_scope}
    with console.paged():
        console.print(render_plan(result, title=title, fact_keys=relevant, policy=spec.policy))
        if result.signers is not None and result.signers.unkeyed():
            console.print(
                f"[yellow]no key in {result.signers.path} for: {', '.join(result.signers.unkeyed())}: "
                "they cannot act until operations add one[/]"
            )


def register(group: click.Group) -> None:
    group.add_command(plan)
