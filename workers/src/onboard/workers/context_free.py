"""Workers answer temporalio's "which serialization context?" themselves when no part of
the data converter takes one.

For every payload of every activation and completion (each is visited three times),
temporalio asks the workflow's instance which serialization context applies to it
(:meth:`WorkflowInstance.get_serialization_context`, and
``get_external_store_context``), and a sandboxed instance answers by running code
inside its sandbox (``exec``) each time: a quarter of a worker's CPU during a bulk
approval (py-spy; benchmarks/README.md, "scale").  The answer only changes anything for a
converter, codec or failure converter that takes a context
(``WithSerializationContext``) or for external payload storage.  onboard's data
converter has none of them, so :func:`context_free_runner` wraps the sandboxed runner
and its instances answer "no context" (the converter as it is) without entering the
sandbox; every payload is encoded and decoded with the same converter and to the same
bytes as before.  A data converter that does take a context keeps the runner as it is.

Nexus operations on temporalio's system endpoint carry a context of their own even
for a context-free converter: those questions still go to the sandbox.
"""

from typing import Any

from temporalio.api.enums.v1 import CommandType
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    SerializationContext,
    StorageDriverStoreContext,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.workflow import Info, _Definition

#: The commands whose payloads may need a context whatever the converter.
SANDBOX_ASKED = frozenset({CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION})


def takes_no_context(converter: DataConverter) -> bool:
    """Whether no part of ``converter`` changes with a serialization context."""
    if converter.external_storage is not None:
        return False
    samples: list[SerializationContext] = [
        WorkflowSerializationContext(namespace="onboard", workflow_id="probe"),
        ActivitySerializationContext(
            namespace="onboard",
            workflow_id="probe",
            workflow_type="Probe",
            activity_type="probe",
            activity_id="1",
            activity_task_queue="probe",
            is_local=False,
        ),
    ]
    return all(converter.with_context(sample) is converter for sample in samples)


def context_free_runner(runner: WorkflowRunner, converter: DataConverter) -> WorkflowRunner:
    """``runner``, whose instances answer "no context" themselves if ``converter`` takes none."""
    return ContextFreeRunner(runner) if takes_no_context(converter) else runner


class ContextFreeRunner(WorkflowRunner):
    """A workflow runner whose instances do not enter the sandbox to say "no context"."""

    def __init__(self, inner: WorkflowRunner) -> None:
        self.inner = inner

    def prepare_workflow(self, defn: _Definition) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return ContextFreeInstance(self.inner.create_instance(det))

    def set_worker_level_failure_exception_types(self, types: Any) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


class ContextFreeInstance(WorkflowInstance):
    """The inner instance, but for the serialization context of ordinary payloads."""

    def __init__(self, inner: WorkflowInstance) -> None:
        self.inner = inner

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self.inner.activate(act)

    def get_serialization_context(self, command_info: Any) -> SerializationContext | None:
        if command_info is not None and command_info.command_type in SANDBOX_ASKED:
            return self.inner.get_serialization_context(command_info)
        return None  # the context-free converter, which every context gives back unchanged

    def get_external_store_context(self, command_info: Any) -> StorageDriverStoreContext:
        if command_info is not None and command_info.command_type in SANDBOX_ASKED:
            return self.inner.get_external_store_context(command_info)
        return StorageDriverStoreContext(target=None)  # only external storage reads it: none here

    def get_info(self) -> Info:
        return self.inner.get_info()

    def get_thread_id(self) -> int | None:
        return self.inner.get_thread_id()
