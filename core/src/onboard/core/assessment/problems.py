"""What can be wrong with a bundle input, said so that a person can fix it.

Every reader raises :class:`InputProblem` (never a bare ``ValueError``): it names the
file (relative to the bundle), the line when it can be found and the field.  The
engine turns it into a ``not_run`` finding and an entry in the report's input list,
so one bad file never stops the rest of the bundle from being assessed.
"""

from enum import StrEnum

from attrs import frozen


class InputState(StrEnum):
    """How a bundle input fared."""

    OK = "ok"
    #: The file is not in the bundle (every input is optional).
    MISSING = "missing"
    #: The file is there but cannot be read (permissions, encoding, not a file).
    UNREADABLE = "unreadable"
    #: The file was read but its content is wrong (syntax, schema, values).
    INVALID = "invalid"
    #: The file is there but no requirement needed it.
    NOT_USED = "not_used"


class InputProblem(Exception):
    """A bundle input is missing, unreadable or invalid.

    ``str()`` is the one-line message: ``file:line: field 'x': message``.
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        field: str = "",
        state: InputState = InputState.INVALID,
    ) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.field = field
        self.state = state
        super().__init__(self.describe())

    def describe(self) -> str:
        """``file:line: field 'x': message`` (line and field when known)."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{what} {self.message}"

    @property
    def location(self) -> str:
        """``file:line field`` for :attr:`~onboard.core.models.Finding.location`."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.field}".strip()


@frozen
class InputStatus:
    """One line of the report's input list: which file, how it fared, what it held."""

    name: str  # the input's role: "forest", "directory", "dns", ...
    file: str  # relative to the bundle ("dns/" for a folder)
    state: InputState
    detail: str = ""
    records: int = 0


def missing(file: str, what: str) -> InputProblem:
    """The problem for an absent input: says which file and what produces it."""
    return InputProblem(file, f"not in the bundle ({what})", state=InputState.MISSING)
