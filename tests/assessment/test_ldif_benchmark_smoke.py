"""The LDIF-parse benchmark at a small scale: it runs, and both parsers read the same (no timings judged)."""

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "ldif_parse" / "bench.py"


def test_benchmark_runs_at_2k_objects(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--objects",
            "2000",
            "--rounds",
            "1",
            "--workdir",
            str(tmp_path),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = json.loads(done.stdout)
    assert summary["objects"] == 2000 and summary["rounds"] == 1
    assert summary["values"] > 2000 * 20  # ~35 attributes per user (generate.py)
    for parser in ("reference", "current"):
        assert summary[parser]["objects_per_s"]["median"] > 0
        assert summary[parser]["peak_mb"]["max"] > 0
    assert summary["speedup_cpu"]["median"] > 0
