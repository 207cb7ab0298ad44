"""``onboard plugins new``: a generated plugin installs, is found, plans and conforms.

The plugin is built and installed with uv into a throwaway folder (``--target``) and
put on ``PYTHONPATH`` of subprocesses only, so the project environment never sees
it: ``onboard plugins`` and ``onboard plan`` pick it up through its entry point with
no change to core, and its own generated tests (the conformance suite among them)
pass.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from onboard.core.errors import OnboardError
from onboard.core.scaffold import create_plugin

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def find_uv() -> str:
    for candidate in (shutil.which("uv"), ROOT / ".bootstrap" / "bin" / "uv", BIN / "uv"):
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.fail("uv not found (on PATH or in .bootstrap/); run `python3 dev.py sync`")


def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The generated plugin ``acme_dlp`` and an environment where it is installed."""
    work = tmp_path_factory.mktemp("scaffold")
    folder = create_plugin("acme_dlp", work, title="Acme DLP")
    site = work / "site"
    install = [
        find_uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        sys.executable,
        "--target",
        str(site),
        "--no-deps",
        str(folder),
    ]
    # Offline first (hatchling is in uv's cache after `dev.py sync`), then from the index.
    done = run(*install, "--offline", env=dict(os.environ))
    if done.returncode != 0:
        done = run(*install, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("ONBOARD_LOAD_PLUGINS", None)
    env.pop("ONBOARD_DISABLE_PLUGINS", None)
    return folder, env


def test_the_generated_package_has_an_entry_point_and_its_tests(installed) -> None:
    folder, _ = installed
    assert (folder / "pyproject.toml").read_text().count('acme_dlp = "onboard.plugins.acme_dlp"') == 1
    package = folder / "src" / "onboard" / "plugins" / "acme_dlp"
    assert sorted(p.name for p in package.iterdir()) == [
        "__init__.py",
        "facts.py",
        "remediation.py",
        "requirements.py",
        "responsibilities.py",
        "service.py",
        "steps.py",
    ]
    # Namespace packages: a plugin must not own onboard/ or onboard/plugins/.
    assert not (folder / "src" / "onboard" / "__init__.py").exists()
    assert not (folder / "src" / "onboard" / "plugins" / "__init__.py").exists()
    assert sorted(p.name for p in (folder / "tests").iterdir()) == [
        "onboard-ids.lock",
        "test_conformance.py",
        "test_plan.py",
    ]
    assert "${" not in "".join(p.read_text() for p in folder.rglob("*") if p.is_file())


def test_onboard_plugins_lists_the_installed_plugin(installed) -> None:
    _, env = installed
    done = run(str(BIN / "onboard"), "plugins", "--json", env=env)
    assert done.returncode == 0, done.stderr
    record = next(r for r in json.loads(done.stdout) if r["name"] == "acme_dlp")
    assert record["status"] == "active", record["error"]
    assert (record["dist"], record["version"], record["services"]) == (
        "onboard-acme-dlp",
        "0.1.0",
        ["acme_dlp"],
    )
    assert {"enable_steps", "run_step", "assess_requirements"} <= set(record["hooks"])


def test_onboard_plan_plans_the_installed_plugin(installed) -> None:
    _, env = installed
    done = run(
        str(BIN / "onboard"),
        "plan",
        "--services",
        "acme_dlp",
        "--fact",
        "acme_dlp_connector=true",
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert [s["key"] for s in plan["services"]] == ["core", "acme_dlp"]
    steps = [s["id"] for s in plan["enable_steps"] if s["service"] == "acme_dlp"]
    assert steps == [
        "acme_dlp.activate",
        "acme_dlp.verify-connectivity",
        "acme_dlp.configure",
        "acme_dlp.install-connector",
        "acme_dlp.validate",
    ]
    readable = run(str(BIN / "onboard"), "plan", "--services", "acme_dlp", env=env)
    assert readable.returncode == 0 and "acme_dlp (Acme DLP) — after core" in readable.stdout


def test_the_generated_tests_pass_with_the_conformance_suite(installed) -> None:
    folder, env = installed
    done = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        env=env,
        cwd=folder,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "11 passed" in done.stdout


def test_the_project_environment_does_not_see_the_plugin(installed) -> None:
    done = run(
        str(BIN / "onboard"),
        "plugins",
        "--json",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert "acme_dlp" not in {r["name"] for r in json.loads(done.stdout)}


@pytest.mark.parametrize("name", ["AcmeDLP", "acme-dlp", "9lives", "", "acme dlp"])
def test_names_that_cannot_be_a_service_key_and_package_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OnboardError, match="must be a lower-case Python identifier"):
        create_plugin(name, tmp_path)
    assert list(tmp_path.iterdir()) == []
