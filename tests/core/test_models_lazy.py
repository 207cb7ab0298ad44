"""``onboard.core.models`` gives each name from its module on first use.

The table in ``models/__init__.py`` must name every model of the four modules; a name
must be the module's own object however it is reached; one name loads only its module
(and what that module needs); and inside the workflow sandbox a first use must give the
host's class, not a second copy made for the sandbox.
"""

import ast
import asyncio
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from onboard.core import models
from onboard.core.models import _NAMES
from temporalio.testing import WorkflowEnvironment

PACKAGE = Path(models.__file__).parent


def defined_in(module: str) -> set[str]:
    """The public names ``module``'s source defines (classes, functions, constants)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names = {n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)}
    names |= {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    }
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("module", sorted(_NAMES))
def test_the_table_names_every_model_of_each_module(module: str):
    assert set(_NAMES[module]) == defined_in(module), f"_NAMES in models/__init__.py: {module}'s names"


def test_each_name_is_its_module_s_own():
    assert sorted(models.__all__) == sorted(n for names in _NAMES.values() for n in names)
    for module, names in _NAMES.items():
        loaded = importlib.import_module(f"onboard.core.models.{module}")
        for name in names:
            assert getattr(models, name) is getattr(loaded, name), name
    assert set(models.__all__) <= set(dir(models))


def test_an_unknown_name_is_an_attribute_error():
    assert not hasattr(models, "NoSuchModel")
    with pytest.raises(ImportError, match="NoSuchModel"):
        exec("from onboard.core.models import NoSuchModel", {})


def loaded_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_one_name_loads_only_its_module():
    assert {
        m for m in loaded_after("import onboard.core.models") if m.startswith("onboard.core.models.")
    } == set()
    found = loaded_after("from onboard.core.models import GateDecision, GateState")
    assert {m for m in found if m.startswith("onboard.core.models.")} == {
        "onboard.core.models.base",
        "onboard.core.models.decisions",
    }
    assert "onboard.core.region" not in found  # the plan's validators need it, decisions do not


# It leaves with os._exit, as `onboard` does: a process that ran temporalio's client and
# worker can crash in the interpreter's teardown after its work is done (sdk-python#300).
SANDBOX_RUN = """
import asyncio, json, os, sys, uuid
from datetime import timedelta
from onboard.core.converter import DATA_CONVERTER
from temporalio.client import Client
from temporalio.worker import Worker
from tests.core.lazy_models_probe import LazyModelsProbe

async def main(address):
    before = "onboard.core.models.state" in sys.modules
    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    queue = f"lazy-models-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[LazyModelsProbe]):
        module, progress, phase = await client.execute_workflow(
            LazyModelsProbe.run, id=queue, task_queue=queue, execution_timeout=timedelta(seconds=30)
        )
    host = sys.modules["onboard.core.models.state"].EngagementProgress
    print(json.dumps({"before": before, "module": module, "same": int(progress) == id(host),
                      "same_phase": int(phase) == id(sys.modules["onboard.core.models.base"].Phase)}))

asyncio.run(main(sys.argv[1]))
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""


async def test_a_first_use_inside_the_sandbox_gives_the_host_s_class(temporal_env: WorkflowEnvironment):
    """In a fresh process (in this one the state's models are loaded long since)."""
    address = temporal_env.client.service_client.config.target_host
    root = str(Path(__file__).resolve().parents[2])
    command = [sys.executable, "-c", SANDBOX_RUN, address]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, cwd=root, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"before": False, "module": "onboard.core.models.state", "same": True, "same_phase": True}
