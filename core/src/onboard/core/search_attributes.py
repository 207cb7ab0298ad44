"""Search attributes that make "what waits for me" one visibility query.

Registered on the embedded dev server by ``onboard dev`` and the tests; on a real
cluster an operator registers them once, with :func:`create_command` (printed by
``onboard worker --help``, the README and docs/operations.md, and by ``onboard
start`` when some are missing) or ``onboard worker --register-search-attributes``.
Everything that names the attributes is generated from :data:`ALL`, so a key added
here reaches every command and message at once.
"""

from collections.abc import Sequence

from attrs import frozen
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

PHASE = SearchAttributeKey.for_keyword("OnboardPhase")
TENANT = SearchAttributeKey.for_keyword("OnboardTenant")
SERVICES = SearchAttributeKey.for_keyword_list("OnboardServices")
#: Person ids and ``party:<party>`` values whose action the engagement waits for.
AWAITING = SearchAttributeKey.for_keyword_list("OnboardAwaiting")

ALL = (PHASE, TENANT, SERVICES, AWAITING)


def type_name(indexed_value_type: int) -> str:
    """A search attribute type as the temporal CLI spells it: ``KEYWORD_LIST`` -> ``KeywordList``."""
    try:
        enum_name = SearchAttributeIndexedValueType(indexed_value_type).name
    except ValueError:
        return f"type {indexed_value_type}"
    return "".join(part.capitalize() for part in enum_name.split("_"))


def create_command(
    keys: Sequence[SearchAttributeKey] = ALL, *, namespace: str | None = None, address: str | None = None
) -> str:
    """One ``temporal operator search-attribute create`` command that registers ``keys``.

    Each ``--name`` is followed by its own ``--type``: the temporal CLI pairs them
    in order, and with fewer types than names it registers only the first names
    (``--name A --name B --type Keyword`` creates A alone).  Without ``namespace``
    and ``address`` the CLI takes them from ``TEMPORAL_NAMESPACE`` /
    ``TEMPORAL_ADDRESS`` or its envconfig profile, as ``onboard worker`` does.
    """
    words = ["temporal", "operator", "search-attribute", "create"]
    if address:
        words += ["--address", address]
    if namespace:
        words += ["--namespace", namespace]
    for key in keys:
        words += ["--name", key.name, "--type", type_name(key.indexed_value_type)]
    return " ".join(words)


@frozen
class Registration:
    """How a namespace's search attributes compare with what onboard needs."""

    namespace: str
    #: Keys the namespace lacks.
    missing: tuple[SearchAttributeKey, ...]
    #: ``(key, registered type name)`` for keys registered with another type.
    mistyped: tuple[tuple[SearchAttributeKey, str], ...]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.mistyped

    def problem(self, address: str | None = None) -> str:
        """One sentence naming what is wrong and the command that fixes it ("" if nothing)."""
        parts = []
        if self.missing:
            names = ", ".join(k.name for k in self.missing)
            command = create_command(self.missing, namespace=self.namespace, address=address)
            parts.append(
                f"namespace {self.namespace!r} lacks onboard's search attributes {names}; "
                f"register them with `{command}` (or start a worker with --register-search-attributes)"
            )
        for key, registered in self.mistyped:
            parts.append(
                f"search attribute {key.name} is registered as {registered} in namespace "
                f"{self.namespace!r}, onboard needs {type_name(key.indexed_value_type)} "
                "(a type cannot be changed in place: remove it and register it again)"
            )
        return "; ".join(parts)


async def registration(
    client: Client, namespace: str | None = None, keys: Sequence[SearchAttributeKey] = ALL
) -> Registration:
    """Which of ``keys`` the namespace (default: the client's) lacks or has with another type.

    :raises temporalio.service.RPCError: the server did not answer, or the caller
        may not list search attributes.
    """
    namespace = namespace or client.namespace
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    existing = dict(listed.custom_attributes)
    missing = tuple(k for k in keys if k.name not in existing)
    mistyped = tuple(
        (k, type_name(existing[k.name]))
        for k in keys
        if k.name in existing and existing[k.name] != int(k.indexed_value_type)
    )
    return Registration(namespace, missing, mistyped)
