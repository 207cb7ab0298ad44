"""Checks that what an engagement declares about the environment is what its bundle shows.

A plan branches on facts the engagement states (``forest_count`` picks the single- or
multiple-forest identity branch; ``exchange_onprem`` and ``sharepoint_onprem`` the RMS
and Intune connectors; ``adfs_version`` whether federation can use the AD FS in
place), while the bundle is the customer's own export of the same environment.  When
the two disagree the plan follows the wrong branch, so:

* a contradiction is a ``fail`` naming the fact, the value declared, what the bundle
  says and the file that says it;
* a bundle without the data (no ``forest.json``, no ``[exchange]`` table, a product
  present without its version) is ``not_run``: never a pass.

Every check takes ``fact`` (the fact's key, for the messages) and ``declared`` (its
value in the plan); requirements built with them record the declared value, so a
re-assessment judges the same plan.
"""

from typing import Any

from onboard.core.assessment.checks import ParamsError, _param, _plural, check, failed, passed
from onboard.core.assessment.context import CheckContext
from onboard.core.assessment.environment import Adfs, OnPremises
from onboard.core.assessment.problems import InputProblem, InputState
from onboard.core.assessment.versions import Version, parse_version
from onboard.core.models import FactValue, Finding, Requirement

#: The environment file's tables that ``facts.on_premises`` compares, and their products.
PRODUCTS = {"exchange": "Exchange", "sharepoint": "SharePoint", "adfs": "AD FS"}
#: The value of an on-premises fact that says the product is not used there.
NONE = "none"


def _declared(requirement: Requirement, kind: type | tuple[type, ...]) -> tuple[str, Any]:
    fact = _param(requirement, "fact", str)
    if "declared" not in (requirement.params or {}):
        raise ParamsError(f"check {requirement.check!r} needs the parameter 'declared' (the value of {fact})")
    return fact, _param(requirement, "declared", kind)


def _said(fact: str, value: FactValue) -> str:
    return f"{fact} = {value} declared"


@check(
    "facts.forest_count",
    "The forests in forest.json are as many as the engagement declares (both ways)",
    ["forest.json"],
    "fact: the fact's key; declared: the forest count the plan assumes",
)
def forest_count(context: CheckContext, requirement: Requirement) -> Finding:
    """The forests in forest.json are as many as the engagement declares (both ways)."""
    fact, declared = _declared(requirement, int)
    forests = context.forests()  # no forest.json: not_run, naming the file
    names = ", ".join(f.name for f in forests)
    found = f"forest.json lists {_plural(len(forests), 'forest')} ({names})"
    details = [f"{f.name}: domains {', '.join(f.domains)}" for f in forests]
    if len(forests) != declared:
        # A missing forest is as wrong as an extra one: the branch (one forest, or
        # several with AD FS out of scope) follows the count.
        return failed(requirement, f"{_said(fact, declared)}, but {found}", details, "forest.json")
    return passed(requirement, f"{_said(fact, declared)}, and {found}", details, "forest.json")


def _same_release(found: Version, declared: Version) -> bool:
    """``found`` is the ``declared`` release, to the declared precision ("2013 CU14" is 2013)."""
    width = max(len(declared), 1)
    padded = found + (0,) * max(0, width - len(found))
    return padded[:width] == declared


@check(
    "facts.on_premises",
    "On-premises Exchange, SharePoint or AD FS is as the engagement declares (none or its version)",
    ["environment"],
    "fact: the fact's key; declared: none or a version; product: exchange, sharepoint or adfs",
)
def on_premises(context: CheckContext, requirement: Requirement) -> Finding:
    """On-premises Exchange, SharePoint or AD FS is as the engagement declares (none or its version)."""
    fact, declared = _declared(requirement, (str, int, float))
    product = _param(requirement, "product", str)
    if product not in PRODUCTS:
        raise ParamsError(f"product {product!r} is not one of {', '.join(PRODUCTS)}")
    declared = str(declared)
    wanted = parse_version(declared) if declared != NONE else None
    if declared != NONE and wanted is None:
        raise ParamsError(f"declared {declared!r} is neither {NONE!r} nor a version")
    name = PRODUCTS[product]
    file = context.environment_file()
    table: OnPremises | Adfs | None = getattr(context.environment(), product)
    said = _said(fact, declared)
    if table is None:
        raise InputProblem(
            file,
            f"has no [{product}] table, so it does not say whether {name} runs on premises "
            f"({said}): write present = false, or its version",
            field=product,
            state=InputState.MISSING,
        )
    where = f"{file} [{product}]"
    if not table.present:
        if wanted is None:
            return passed(requirement, f"{said}, and {where} says present = false", (), f"{file} {product}")
        return failed(
            requirement,
            f"{said}, but {where} says present = false (no {name} on premises)",
            (),
            f"{file} {product}.present",
        )
    found = parse_version(table.version)
    if found is None:
        raise InputProblem(
            file,
            f"says {name} runs on premises but not its version ({said})",
            field=f"{product}.version",
            state=InputState.MISSING,
        )
    shown = f'{where} says version = "{table.version}"'
    if wanted is None:
        return failed(
            requirement, f"{said}, but {shown}: {name} runs on premises", (), f"{file} {product}.version"
        )
    if not _same_release(found, wanted):
        return failed(requirement, f"{said}, but {shown}", (), f"{file} {product}.version")
    return passed(requirement, f"{said}, and {shown}", (), f"{file} {product}.version")
