"""A plugin installed for development with ``dev.py plugin add`` survives every later ``dev.py`` sync.

``dev.py`` builds its environment exactly from uv.lock; here it builds a throwaway
one (``UV_PROJECT_ENVIRONMENT``) with its own plugin list (``ONBOARD_DEV_PLUGINS``),
so the project's ``.venv`` and ``dev-plugins.txt`` are never touched.  uv works
offline first (the packages and hatchling are in its cache after ``dev.py sync``).
The plugin is the guide's: the template from ``onboard plugins new`` plus the
``register_checks`` example of docs/writing-a-plugin.md, copied from the guide.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from onboard.core.scaffold import create_plugin, install_step

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-a-plugin.md"


def guide_example(folder: Path) -> None:
    """Add the guide's ``register_checks`` example to the plugin in ``folder``, as the guide says."""
    section = GUIDE.read_text()
    section = section[section.index("### Your own check: `register_checks`") :]
    checks, export, requirement = re.findall(r"```python\n(.*?)```", section, re.S)[:3]
    package = folder / "src" / "onboard" / "plugins" / "contoso_dlp"
    (package / "checks.py").write_text(checks)
    init = package / "__init__.py"
    init.write_text(init.read_text().replace("from .facts import", export + "from .facts import", 1))
    requirements = package / "requirements.py"
    text = requirements.read_text()
    anchor = "    if facts[CONNECTOR]:"  # "before `if facts[CONNECTOR]:`", in the function's body
    assert anchor in text
    indented = "".join(f"    {line}" if line.strip() else line for line in requirement.splitlines(True))
    requirements.write_text(text.replace(anchor, indented + anchor, 1))


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory):
    """Run ``dev.py`` on a throwaway environment; returns (run, its onboard, the plugin list)."""
    work = tmp_path_factory.mktemp("dev-plugins")
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(work / "venv"),
        "ONBOARD_DEV_PLUGINS": str(work / "dev-plugins.txt"),
    }
    for leaked in ("VIRTUAL_ENV", "ONBOARD_LOAD_PLUGINS", "ONBOARD_DISABLE_PLUGINS"):
        env.pop(leaked, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(ROOT / "dev.py"), *args]
        done = subprocess.run(command, env={**env, "UV_OFFLINE": "1"}, capture_output=True, text=True)
        if done.returncode != 0 and "offline" in done.stderr.lower():  # not all in the cache: the index
            done = subprocess.run(command, env=env, capture_output=True, text=True)
        return done

    return run, work / "venv" / "bin" / "onboard", work / "dev-plugins.txt", env


def plugins(onboard: Path, env: dict[str, str]) -> dict[str, dict]:
    done = subprocess.run([str(onboard), "plugins", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {r["name"]: r for r in json.loads(done.stdout)}


def test_a_plugin_added_for_development_survives_the_next_sync(dev, tmp_path: Path):
    run, onboard, listed, env = dev
    folder = create_plugin("contoso_dlp", tmp_path, title="Contoso DLP")
    guide_example(folder)

    added = run("plugin", "add", str(folder))
    assert added.returncode == 0, added.stdout + added.stderr
    assert str(folder) in listed.read_text().splitlines()
    assert plugins(onboard, env)["contoso_dlp"]["status"] == "active"

    again = run("sync")  # what demo, test and onboard do first
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"installed editable: {folder}" in again.stdout
    record = plugins(onboard, env)["contoso_dlp"]
    assert record["status"] == "active", record["error"]
    assert "register_checks" in record["hooks"]

    checks = subprocess.run([str(onboard), "checks", "--json"], env=env, capture_output=True, text=True)
    assert checks.returncode == 0, checks.stderr
    provided = {c["name"]: c["provider"] for c in json.loads(checks.stdout)}
    assert provided["contoso_dlp.endpoint_agent"] == "contoso_dlp"
    plan = subprocess.run(
        [str(onboard), "plan", "--services", "contoso_dlp", "--json"], env=env, capture_output=True, text=True
    )
    assert plan.returncode == 0, plan.stderr
    named = {r["id"]: r["check"] for r in json.loads(plan.stdout)["requirements"]}
    assert named["contoso_dlp.endpoint-agent"] == "contoso_dlp.endpoint_agent"

    removed = run("plugin", "remove", str(folder))
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "contoso_dlp" not in plugins(onboard, env)


def test_a_folder_that_is_no_python_project_is_refused(dev, tmp_path: Path):
    run, _, listed, _ = dev
    done = run("plugin", "add", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip() == f"dev.py: {tmp_path} has no pyproject.toml: not a plugin's folder"
    assert not listed.exists() or str(tmp_path) not in listed.read_text()


def test_onboard_plugins_new_names_dev_py_in_a_clone(tmp_path: Path):
    command, why = install_step(tmp_path / "onboard-contoso-dlp")
    assert command == f"python3 {ROOT / 'dev.py'} plugin add {tmp_path / 'onboard-contoso-dlp'}"
    assert "every dev.py run keeps it" in why


def test_sync_compiles_bytecode_for_site_packages_and_the_editable_sources(dev):
    run, onboard, _, env = dev
    done = run("sync")
    assert done.returncode == 0, done.stdout + done.stderr
    # Where this interpreter would read each module's bytecode (PYTHONPYCACHEPREFIX counts).
    probe = (
        "import importlib.util, json, os, temporalio.client, onboard.core.client, onboard.core.cli\n"
        "mods = (temporalio.client, onboard.core.client, onboard.core.cli)\n"
        "print(json.dumps([os.path.exists(importlib.util.cache_from_source(m.__file__)) for m in mods]))"
    )
    python = onboard.with_name("python")
    found = subprocess.run([str(python), "-c", probe], env=env, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == [True, True, True]
