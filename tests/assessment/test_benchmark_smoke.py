"""The directory-scan benchmark at a small scale: it runs and reports what it promises."""

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "directory_scan" / "run.py"


def test_benchmark_runs_at_2k_objects(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--sizes", "2000", "--workdir", str(tmp_path), "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    (result,) = json.loads(done.stdout)
    assert result["objects"] == 2000
    assert result["objects_per_second"] > 0 and result["parse_seconds"] > 0
    assert 15 <= result["errors"] <= 25  # about one object in a hundred carries an error (generate.py)
    assert result["scan_peak_mb"] < 512
    assert "targets" in done.stderr
    assert (tmp_path / "directory-2000.ldf").exists()
