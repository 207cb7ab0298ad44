"""The assessment engine: a customer's assessment bundle in, findings out.

The Assess phase runs each requirement's ``check`` (named by the plugins'
``assess_requirements``) against the files the customer's tools produced, as
described in ``docs/assessment-bundle.md``:

* :mod:`.context` reads each input once, when a check first needs it;
* readers: :mod:`.ad` (Get-ADForest / Get-ADDomain JSON), :mod:`.ldif` (streaming
  LDIF) with :mod:`.idfix_rules` and :mod:`.idfix` (the directory scan),
  :mod:`.dns_zones`, :mod:`.devices`, :mod:`.environment`;
* :mod:`.checks` holds the check catalogue and the registry plugins add to, and
  :mod:`.declared` the checks of the engagement's facts against the bundle;
* :mod:`.engine` runs them; :mod:`.report` renders Markdown, HTML and JSON.

Entry points::

    result = assess_bundle(Path("bundles/contoso"), plan.requirements, manager=manager)
    result.findings          # exactly one Finding per requirement, same order
    finding = run_check(Path("bundles/contoso"), requirement)
"""

from onboard.core.assessment.checks import BUILTIN_CHECKS, CheckInfo, ParamsError, registry
from onboard.core.assessment.context import INPUTS, CheckContext
from onboard.core.assessment.declared import PRODUCTS  # registers the facts.* checks
from onboard.core.assessment.engine import AssessmentResult, assess_bundle, run_check
from onboard.core.assessment.problems import InputProblem, InputState, InputStatus

__all__ = [
    "BUILTIN_CHECKS",
    "INPUTS",
    "PRODUCTS",
    "AssessmentResult",
    "CheckContext",
    "CheckInfo",
    "InputProblem",
    "InputState",
    "InputStatus",
    "ParamsError",
    "assess_bundle",
    "registry",
    "run_check",
]
