"""benchmarks/scale/row_size.py at its smallest: three workflows of each memo, listed
in pages of 2 and of 1,000 on its own dev server (no timings judged)."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "scale" / "row_size.py"


def test_row_size_lists_every_row_of_each_memo_and_the_larger_memo_makes_larger_rows():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as in CI
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--count", "3", "--rounds", "1", "--page-sizes", "2,1000"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    listed = {(r["kind"], r["page_size"]): r for r in lines if "round" in r}
    assert set(listed) == {(k, p) for k in ("MemoLarge", "MemoSmall", "MemoNone") for p in (2, 1000)}
    assert all(r["rows"] == 3 for r in listed.values())
    assert listed["MemoLarge", 2]["pages"] == 2 and listed["MemoLarge", 1000]["pages"] == 1
    size = {kind: listed[kind, 1000]["bytes_a_row"] for kind in ("MemoLarge", "MemoSmall", "MemoNone")}
    assert size["MemoLarge"] > size["MemoSmall"] + 1000 > size["MemoNone"] + 1000
