"""``onboard plugins new NAME``: a working service-plugin package from a template.

The template (``template/`` beside this module, shipped as package data) is a
complete plugin: a ``pyproject.toml`` with its ``onboard.services`` entry point, a
namespaced package ``onboard.plugins.<name>`` whose modules mirror the built-in
plugins', and tests that run the conformance suite and check the plan.  Files end in
``.tmpl``; ``${name}``, ``${title}`` and ``${dist}`` are filled in and a ``__name__``
path segment becomes the plugin's name.
"""

import re
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


def _template_files(folder: Traversable, relative: Path) -> list[tuple[Traversable, Path]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _template_files(entry, relative / entry.name)
        elif entry.name.endswith(".tmpl"):
            found.append((entry, relative / entry.name))
    return found
