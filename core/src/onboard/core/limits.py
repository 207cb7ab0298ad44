"""How much a person may type into one action, checked by the CLI and by validators.

An Update's argument is recorded in history and carried in the engagement's state
(audit records, rejection reasons, evidence), so an unbounded text could push a
run's continue-as-new input past Temporal's payload limit and wedge the engagement.
Each limit names its field; :func:`action_problem` is what both sides call.
"""

from typing import Any

#: Free text a person writes: comments, reasons, evidence, notes.
TEXT_LIMIT = 4_000
#: A bundle path as the worker sees it.
PATH_LIMIT = 1_024
#: Ids (gate, item, step, person) and how many items one rejection may reopen.
ID_LIMIT = 200
REOPEN_LIMIT = 100
#: An armored signature is about 300 characters; anything far longer is not one.
SIGNATURE_LIMIT = 2_000

_TEXT_FIELDS = {"comment": TEXT_LIMIT, "evidence": TEXT_LIMIT, "note": TEXT_LIMIT, "reason": TEXT_LIMIT}
_ID_FIELDS = ("gate", "item", "person")


def action_problem(arg: Any) -> str:
    """What is too long in an action's argument ("" when nothing is)."""
    for name, limit in _TEXT_FIELDS.items():
        value = getattr(arg, name, None)
        if isinstance(value, str) and len(value) > limit:
            return f"field {name!r} is {len(value):,} characters; the limit is {limit:,}"
    bundle = getattr(arg, "bundle", None)
    if isinstance(bundle, str) and len(bundle) > PATH_LIMIT:
        return f"field 'bundle' is {len(bundle):,} characters; the limit is {PATH_LIMIT:,}"
    for name in _ID_FIELDS:
        value = getattr(arg, name, None)
        if isinstance(value, str) and len(value) > ID_LIMIT:
            return f"field {name!r} is {len(value):,} characters; the limit is {ID_LIMIT}"
    reopen = getattr(arg, "reopen", ())
    if len(reopen) > REOPEN_LIMIT:
        return f"field 'reopen' names {len(reopen)} items; the limit is {REOPEN_LIMIT}"
    if any(len(item) > ID_LIMIT for item in reopen):
        return f"field 'reopen' has an id longer than {ID_LIMIT} characters"
    signature = getattr(arg, "signature", None)
    if signature is not None and (
        len(signature.armored) > SIGNATURE_LIMIT or len(signature.nonce) > ID_LIMIT
    ):
        return "field 'signature' is too long to be an onboard signature"
    return ""
