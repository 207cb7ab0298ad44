"""Benchmark the directory scan: objects per second, peak memory, and the cost of the rules.

    python benchmarks/directory_scan/run.py                      # 100k and 1M objects
    python benchmarks/directory_scan/run.py --sizes 2000 --json  # a quick smoke run

For every size it generates an ``ldifde``-style export (``generate.py``; kept in
``--workdir`` and reused), then measures in two fresh processes each:

* ``parse``: the same streaming parser reading every record and doing nothing else;
* ``scan``: the full IdFix multi-tenant scan (every rule, duplicates, the error file).

Reported: objects per second of the scan, peak resident memory of each process
(``ru_maxrss``, the whole interpreter included) and ``ratio`` = scan time / parse
time.  Targets: ratio <= 1.5, peak memory <= 512 MB, and memory flat as the
directory grows.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 1.5
TARGET_PEAK_MB = 512


def measure(mode: str, path: Path) -> dict[str, object]:
    """Run in a child process: parse or scan ``path`` once and return the numbers."""
    from onboard.core.assessment.idfix import parse_only, scan_directory
    from onboard.core.assessment.ldif import LdifSource

    start = time.perf_counter()
    with LdifSource(path) as source:
        if mode == "parse":
            objects = parse_only(source)
            extra: dict[str, object] = {}
        else:
            result = scan_directory(source)
            objects = result.records
            extra = {"errors": result.errors, "duplicates": result.duplicates, "processed": result.processed}
            result.close()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return {
        "mode": mode,
        "objects": objects,
        "seconds": round(seconds, 3),
        "peak_mb": round(peak_mb, 1),
        **extra,
    }


def _child(mode: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", mode, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def run(sizes: list[int], workdir: Path, repeat: int) -> list[dict[str, object]]:
    sys.path.insert(0, str(HERE))
    from generate import write_directory

    results = []
    for size in sizes:
        path = workdir / f"directory-{size}.ldf"
        if not path.exists():
            started = time.perf_counter()
            write_directory(path, size)
            print(
                f"generated {size:,} objects ({path.stat().st_size / 1e6:,.0f} MB) in "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
        # Best of `repeat` for each, alternating, so both see the same machine state.
        parse = min((_child("parse", path) for _ in range(repeat)), key=lambda r: r["seconds"])
        scan = min((_child("scan", path) for _ in range(repeat)), key=lambda r: r["seconds"])
        results.append(
            {
                "objects": size,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "parse_seconds": parse["seconds"],
                "scan_seconds": scan["seconds"],
                "objects_per_second": round(size / scan["seconds"]),
                "ratio": round(scan["seconds"] / parse["seconds"], 2),
                "parse_peak_mb": parse["peak_mb"],
                "scan_peak_mb": scan["peak_mb"],
                "errors": scan["errors"],
                "duplicates": scan["duplicates"],
            }
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated object counts")
    parser.add_argument(
        "--workdir", type=Path, help="where the generated exports are kept (default: a temp dir)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (the best counts)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        results = run(sizes, args.workdir, args.repeat)
    else:
        with tempfile.TemporaryDirectory(prefix="directory-scan-") as folder:
            results = run(sizes, Path(folder), args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(
            f"{'objects':>10} {'file MB':>8} {'parse s':>8} {'scan s':>8} {'objects/s':>10} {'ratio':>6} "
            f"{'parse MB':>9} {'scan MB':>8} {'errors':>7}"
        )
        for r in results:
            print(
                f"{r['objects']:>10,} {r['file_mb']:>8,.0f} {r['parse_seconds']:>8.1f} {r['scan_seconds']:>8.1f} "
                f"{r['objects_per_second']:>10,} {r['ratio']:>6.2f} {r['parse_peak_mb']:>9.0f} "
                f"{r['scan_peak_mb']:>8.0f} {r['errors']:>7,}"
            )
    worst_ratio = max(r["ratio"] for r in results)
    worst_peak = max(r["scan_peak_mb"] for r in results)
    verdict = "met" if worst_ratio <= TARGET_RATIO and worst_peak <= TARGET_PEAK_MB else "MISSED"
    print(
        f"targets {verdict}: ratio {worst_ratio} (<= {TARGET_RATIO}), peak {worst_peak:.0f} MB "
        f"(<= {TARGET_PEAK_MB})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
