#!/usr/bin/env python3
"""One-command set-up and run for a fresh machine with only Python 3.11+.

    python3 dev.py demo     # install everything, then run `onboard demo`
    python3 dev.py test     # install everything, then lint and run the whole test suite
    python3 dev.py sync     # install everything, nothing else
    python3 dev.py onboard ARGS...   # any onboard command in the project environment
    python3 dev.py plugin add PATH...      # install a plugin you develop (editable), kept by every run
    python3 dev.py plugin remove PATH...   # stop keeping it (the next sync uninstalls it)
    python3 dev.py plugin list

It installs uv (the workspace tool) into ./.bootstrap if uv is not on PATH, then
``uv sync --locked`` builds ./.venv from uv.lock with every workspace package.
That sync is exact (it removes whatever uv.lock does not list), so the plugins you
develop outside this repository are listed in ./dev-plugins.txt (one folder per
line; ``$ONBOARD_DEV_PLUGINS`` names another file) and installed again, editable,
after every sync.

Every sync also compiles bytecode: uv for what it installs into site-packages
(``--compile-bytecode``; a later sync compiles only what changed), ``compileall``
for the workspace's own sources and the plugins you develop, which are installed
editable and read where they are.  Without it each ``onboard`` command compiles
the hundreds of modules it imports whenever bytecode cannot be written
(``PYTHONDONTWRITEBYTECODE``, a read-only install): three times slower.
"""

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BOOTSTRAP = ROOT / ".bootstrap"
UV_REQUIREMENT = "uv==0.13.9"
# Trust the machine's certificate store too (corporate proxies, private indexes);
# the second name is the same switch in older uv releases.
UV_ENV = {"UV_SYSTEM_CERTS": "1", "UV_NATIVE_TLS": "1"}


def uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    bin_dir = BOOTSTRAP / ("Scripts" if os.name == "nt" else "bin")
    exe = bin_dir / "uv"
    if not exe.exists():
        print("dev.py: installing uv into .bootstrap/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(BOOTSTRAP)
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", UV_REQUIREMENT], check=True)
    return str(exe)


def dev_plugins_file() -> Path:
    """The list of plugin folders to keep installed: ``$ONBOARD_DEV_PLUGINS``, else ./dev-plugins.txt."""
    return Path(os.environ.get("ONBOARD_DEV_PLUGINS") or ROOT / "dev-plugins.txt")


def dev_plugins() -> list[Path]:
    """The folders listed (``#`` starts a comment)."""
    listed = dev_plugins_file()
    if not listed.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in listed.read_text(encoding="utf-8").splitlines())
    return [Path(line) for line in lines if line]


def environment_python() -> Path:
    """The project environment's interpreter (``$UV_PROJECT_ENVIRONMENT`` or ./.venv, as uv decides)."""
    configured = os.environ.get("UV_PROJECT_ENVIRONMENT")
    env = ROOT / configured if configured else ROOT / ".venv"  # an absolute value stays as it is
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def sync(tool: str) -> int:
    """Build the environment from uv.lock, then install the plugins you develop into it again."""
    command = [tool, "sync", "--locked", "--all-packages", "--python", sys.executable, "--compile-bytecode"]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        return 1
    folders = []
    for folder in dev_plugins():
        if (folder / "pyproject.toml").is_file() or (folder / "setup.py").is_file():
            folders.append(folder)
        else:
            print(f"dev.py: {folder} (in {dev_plugins_file()}) is no Python project any more; skipped")
    if folders:
        editable = [arg for folder in folders for arg in ("-e", str(folder))]
        install = [tool, "pip", "install", "--quiet", "--python", str(environment_python()), *editable]
        if subprocess.run([*install, "--compile-bytecode"], cwd=ROOT).returncode != 0:
            print(f"dev.py: installing the plugins listed in {dev_plugins_file()} failed", file=sys.stderr)
            return 1
        print(f"dev.py: plugins you develop, installed editable: {', '.join(str(f) for f in folders)}")
    compile_sources(folders)
    return 0


def workspace_sources() -> list[Path]:
    """The source folders of the workspace's members (installed editable)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = project["tool"]["uv"]["workspace"]["members"]
    return [ROOT / member / "src" for member in members if (ROOT / member / "src").is_dir()]


def compile_sources(plugin_folders: list[Path]) -> None:
    """Bytecode for what uv does not compile: the editable sources, read where they are.

    compileall skips what is up to date, so this costs little after the first sync; a
    file that does not compile is the tests' to report, not the install's."""
    folders = workspace_sources() + [f / "src" if (f / "src").is_dir() else f for f in plugin_folders]
    command = [str(environment_python()), "-m", "compileall", "-q", "-j", "0", *map(str, folders)]
    if subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
        print("dev.py: some sources did not compile to bytecode (they run from source)", file=sys.stderr)


def plugin_command(tool: str, argv: list[str]) -> int:
    """``plugin add|remove PATH...`` and ``plugin list``: the folders sync keeps installed."""
    action, paths = (argv[0], argv[1:]) if argv else ("", [])
    if action not in ("add", "remove", "list") or (action != "list" and not paths):
        print("usage: python3 dev.py plugin add PATH... | remove PATH... | list", file=sys.stderr)
        return 2
    listed = dev_plugins()
    if action == "list":
        for folder in listed:
            print(folder if folder.is_dir() else f"{folder}  (missing)")
        return 0
    folders = [Path(p).expanduser().resolve() for p in paths]
    if action == "add":
        for folder in folders:
            if not (folder / "pyproject.toml").is_file():
                print(f"dev.py: {folder} has no pyproject.toml: not a plugin's folder", file=sys.stderr)
                return 1
            _warn_without_entry_point(folder)
        listed += [f for f in folders if f not in listed]
    else:
        unknown = [f for f in folders if f not in listed]
        if unknown:
            print(f"dev.py: not in {dev_plugins_file()}: {', '.join(map(str, unknown))}", file=sys.stderr)
            return 1
        listed = [f for f in listed if f not in folders]
    file = dev_plugins_file()
    file.write_text(
        "# Plugins you develop: python3 dev.py installs each (editable) after every sync.\n"
        + "".join(f"{f}\n" for f in listed),
        encoding="utf-8",
    )
    return sync(tool)


def _warn_without_entry_point(folder: Path) -> None:
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        print(f"dev.py: {folder / 'pyproject.toml'}: {exc}", file=sys.stderr)
        return
    if "onboard.services" not in project.get("entry-points", {}):
        print(f"dev.py: note: {folder} declares no onboard.services entry point; onboard will not find it")


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any python3
        print("dev.py: onboard needs Python 3.11 or later", file=sys.stderr)
        return 2
    if not argv or argv[0] not in ("demo", "test", "onboard", "sync", "plugin"):
        print(__doc__)
        return 2
    tool = uv()
    os.environ.update({k: v for k, v in UV_ENV.items() if k not in os.environ})
    command, rest = argv[0], argv[1:]
    if command == "plugin":
        return plugin_command(tool, rest)
    if sync(tool) != 0:
        return 1
    if command == "sync":
        return 0
    in_env = [tool, "run", "--locked", "--no-sync"]
    if command == "demo":
        return subprocess.run([*in_env, "onboard", "demo", *rest], cwd=ROOT).returncode
    if command == "test":
        # Lint first: it is quick and a style slip should not wait for the slow tests.
        for lint in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
            if subprocess.run([*in_env, *lint], cwd=ROOT).returncode != 0:
                return 1
        return subprocess.run([*in_env, "pytest", *rest], cwd=ROOT).returncode
    return subprocess.run([*in_env, "onboard", *rest], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
