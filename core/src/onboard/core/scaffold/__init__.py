"""``onboard plugins new NAME``: a working service-plugin package from a template.

The template (``template/`` beside this module, shipped as package data) is a
complete plugin: a ``pyproject.toml`` with its ``onboard.services`` entry point, a
namespaced package ``onboard.plugins.<name>`` whose modules mirror the built-in
plugins', and tests that run the conformance suite and check the plan.  Files end in
``.tmpl``; ``${name}``, ``${title}`` and ``${dist}`` are filled in and a ``__name__``
path segment becomes the plugin's name.
"""

import importlib.util
import re
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from onboard.core.errors import OnboardError

#: A plugin name is a service key and a Python package name at once.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def create_plugin(name: str, directory: Path, *, title: str | None = None) -> Path:
    """Write the plugin ``name`` into ``directory/onboard-<name>`` and return that folder.

    Raises :class:`OnboardError` for a name that is not a lower-case identifier or a
    folder that already exists (nothing is overwritten).
    """
    if not NAME_PATTERN.match(name):
        raise OnboardError(
            f"plugin name {name!r} must be a lower-case Python identifier (letters, digits, '_'; "
            "starting with a letter), e.g. contoso_dlp: it is the service key and the package name"
        )
    dist = "onboard-" + name.replace("_", "-")
    target = Path(directory) / dist
    if target.exists():
        raise OnboardError(f"{target} already exists; remove it or choose another --dir")
    values = {"name": name, "dist": dist, "title": title or name.replace("_", " ").title()}
    for source, relative in _template_files(files(__name__) / "template", Path()):
        destination = target / Path(*(part.replace("__name__", name) for part in relative.parts))
        destination = destination.with_name(destination.name.removesuffix(".tmpl"))
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(
            Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8"
        )
    return target


def install_step(folder: Path) -> tuple[str, str]:
    """The command that installs ``folder`` (editable) where this ``onboard`` runs, and why that one.

    In an onboard clone (onboard-core installed editable from it, with ``dev.py``
    beside it) that is ``dev.py plugin add``: every ``dev.py`` run makes ``.venv``
    match ``uv.lock`` exactly and would remove a plugin installed any other way.
    Elsewhere it is pip of this interpreter, or uv when the environment has no pip.
    """
    clone = _clone_root()
    if clone is not None:
        return f"python3 {clone / 'dev.py'} plugin add {folder}", "editable; every dev.py run keeps it"
    if importlib.util.find_spec("pip") is not None:
        return f"{sys.executable} -m pip install -e {folder}", "editable, where onboard runs"
    return f"uv pip install --python {sys.executable} -e {folder}", "editable, where onboard runs"


def _clone_root() -> Path | None:
    """The onboard clone this onboard-core is installed from, if any (…/core/src/onboard/core)."""
    import onboard.core

    root = Path(onboard.core.__file__).resolve().parents[4]
    if (root / "dev.py").is_file() and (root / "core" / "pyproject.toml").is_file():
        return root
    return None


def _template_files(folder: Traversable, relative: Path) -> list[tuple[Traversable, Path]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _template_files(entry, relative / entry.name)
        elif entry.name.endswith(".tmpl"):
            found.append((entry, relative / entry.name))
    return found
