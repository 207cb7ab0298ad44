#!/usr/bin/env python3
"""One-command set-up and run for a fresh machine with only Python 3.11+.

    python3 dev.py demo     # install everything, then run `onboard demo`
    python3 dev.py test     # install everything, then lint and run the whole test suite
    python3 dev.py onboard ARGS...   # any onboard command in the project environment

It installs uv (the workspace tool) into ./.bootstrap if uv is not on PATH, then
``uv sync --locked`` builds ./.venv from uv.lock with every workspace package.
"""

import os
import shutil
import subprocess
import sys
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


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any python3
        print("dev.py: onboard needs Python 3.11 or later", file=sys.stderr)
        return 2
    if not argv or argv[0] not in ("demo", "test", "onboard", "sync"):
        print(__doc__)
        return 2
    tool = uv()
    os.environ.update({k: v for k, v in UV_ENV.items() if k not in os.environ})
    sync = [tool, "sync", "--locked", "--all-packages", "--python", sys.executable]
    if subprocess.run(sync, cwd=ROOT).returncode != 0:
        return 1
    command, rest = argv[0], argv[1:]
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
