"""Benchmark the LDIF parser against today's (the frozen reference), side by side.

    python benchmarks/ldif_parse/bench.py                                  # 100k objects, 7 rounds
    python benchmarks/ldif_parse/bench.py --objects 2000 --rounds 1 --json # a smoke run

The export is the directory-scan benchmark's (``benchmarks/directory_scan/generate.py``:
``ldifde -f`` style, CRLF, folded at 78 columns, ~35 attributes per user, base64 GUIDs
and SIDs, the attributes the IdFix rules read); it is kept in ``--workdir`` and reused.
Each round reads it once with each parser, each in a fresh process (so peaks do not
mix), in alternating order: ``reference`` is :class:`tests.assessment.ldif_reference.
ReferenceLdifSource` (the parser before the lean decoder), ``current`` is
:class:`onboard.core.assessment.ldif.LdifSource`.  A read is ``records()`` over the
whole file, counting; nothing else.

Reported per parser: objects per second (wall), CPU seconds, peak resident memory
(``ru_maxrss``, the interpreter and its imports included), each min / median / max
over the rounds; and per round the speed-up (reference wall time / current wall time,
and the same for CPU time), min / median / max.  Both parsers must have read the same
number of objects, values and problems, or the run stops.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PARSERS = ("reference", "current")


def measure(parser: str, path: Path) -> dict[str, object]:
    """In a child process: read ``path`` once with ``parser``; the numbers as a dict."""
    sys.path.insert(0, str(ROOT))  # tests.assessment.ldif_reference
    if parser == "reference":
        from tests.assessment.ldif_reference import ReferenceLdifSource as Source
    else:
        from onboard.core.assessment.ldif import LdifSource as Source
    objects = values = 0
    wall, cpu = time.perf_counter(), time.process_time()
    with Source(path) as source:
        for record in source.records():
            objects += 1
            for found in record.attrs.values():
                values += len(found)
        problems = source.problems.total
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return {
        "parser": parser,
        "objects": objects,
        "values": values,
        "problems": problems,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "peak_mb": round(peak_mb, 1),
    }


def _child(parser: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", parser, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def _spread(numbers: list[float]) -> dict[str, float]:
    return {"min": min(numbers), "median": statistics.median(numbers), "max": max(numbers)}


def run(objects: int, workdir: Path, rounds: int) -> dict[str, object]:
    """Generate (or reuse) the export, then ``rounds`` alternating reads with each parser."""
    sys.path.insert(0, str(ROOT / "benchmarks" / "directory_scan"))
    from generate import write_directory

    path = workdir / f"directory-{objects}.ldf"
    if not path.exists():
        started = time.perf_counter()
        write_directory(path, objects)
        print(
            f"generated {objects:,} objects ({path.stat().st_size / 1e6:,.0f} MB) in "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    runs: dict[str, list[dict[str, object]]] = {p: [] for p in PARSERS}
    for n in range(rounds):
        for parser in PARSERS if n % 2 == 0 else PARSERS[::-1]:
            result = _child(parser, path)
            runs[parser].append(result)
            print(f"round {n + 1}: {parser} {result['wall_s']} s, {result['peak_mb']} MB", file=sys.stderr)
    seen = {p: {(r["objects"], r["values"], r["problems"]) for r in runs[p]} for p in PARSERS}
    if len(seen["reference"] | seen["current"]) != 1:
        raise SystemExit(f"the parsers read different things: {seen}")
    summary: dict[str, object] = {
        "objects": objects,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "rounds": rounds,
        "values": runs["current"][0]["values"],
    }
    for parser in PARSERS:
        summary[parser] = {
            "objects_per_s": _spread([round(objects / r["wall_s"]) for r in runs[parser]]),
            "wall_s": _spread([r["wall_s"] for r in runs[parser]]),
            "cpu_s": _spread([r["cpu_s"] for r in runs[parser]]),
            "peak_mb": _spread([r["peak_mb"] for r in runs[parser]]),
        }
    pairs = list(zip(runs["reference"], runs["current"], strict=True))
    summary["speedup_wall"] = _spread([round(a["wall_s"] / b["wall_s"], 2) for a, b in pairs])
    summary["speedup_cpu"] = _spread([round(a["cpu_s"] / b["cpu_s"], 2) for a, b in pairs])
    return summary


def _print(summary: dict[str, object]) -> None:
    print(f"{summary['objects']:,} objects, {summary['file_mb']:,} MB, {summary['rounds']} rounds")
    print(f"{'':>10} {'objects/s min / median / max':>32} {'CPU s min / median / max':>28} {'peak MB':>20}")
    for parser in PARSERS:
        s = summary[parser]
        rate, cpu, peak = s["objects_per_s"], s["cpu_s"], s["peak_mb"]
        print(
            f"{parser:>10} {rate['min']:>10,.0f} {rate['median']:>10,.0f} {rate['max']:>10,.0f}"
            f" {cpu['min']:>9.2f} {cpu['median']:>9.2f} {cpu['max']:>9.2f}"
            f" {peak['min']:>6.0f} {peak['median']:>6.0f} {peak['max']:>6.0f}"
        )
    for name in ("speedup_wall", "speedup_cpu"):
        s = summary[name]
        print(f"{name}: min {s['min']:.2f}  median {s['median']:.2f}  max {s['max']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000, help="objects in the generated export")
    parser.add_argument("--rounds", type=int, default=7, help="reads with each parser")
    parser.add_argument("--workdir", type=Path, help="where the export is kept (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--out", type=Path, help="also write the summary as JSON to this file")
    parser.add_argument("--measure", nargs=2, metavar=("PARSER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        summary = run(args.objects, args.workdir, args.rounds)
    else:
        with tempfile.TemporaryDirectory(prefix="ldif-parse-") as folder:
            summary = run(args.objects, Path(folder), args.rounds)
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
