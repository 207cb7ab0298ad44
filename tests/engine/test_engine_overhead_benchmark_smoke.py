"""The engine-overhead benchmark at its smallest: one round runs and reports its numbers (no timings judged)."""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "engine_overhead" / "bench.py"


def test_benchmark_runs_one_round(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--rounds", "1", "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=280,
        env={**os.environ, "ONBOARD_HOME": str(tmp_path)},
    )
    summary = json.loads(done.stdout)
    assert summary["rounds"] == 1 and not summary["reuse_delay"]
    (one,) = summary["per_round"]
    for side in ("engagement", "bare"):
        for key in ("wall_s", "cpu_s", "server_cpu_s", "worker_cpu_s", "history_bytes", "queries"):
            assert one[side][key] > 0, (side, key)
    for key in ("wall_s", "cpu_s"):
        assert summary["ratio"][key]["min"] <= summary["ratio"][key]["median"] <= summary["ratio"][key]["max"]
    work = summary["work"]
    # The bare workflow replays what the engagement did: the same Updates, runs, activities
    # (the demo's engagement is one run since slim histories; a longer one has several).
    assert work["updates"] > 0 and work["runs"] >= 1 and work["act"] > 0
    bare = one["bare"]["calls"]
    engagement = one["engagement"]["calls"]
    assert sum(n for k, n in bare.items() if k.startswith("update")) == work["updates"]
    assert sum(n for k, n in engagement.items() if k.startswith("update")) == work["updates"]
    assert summary["unknown_events"] == {}
