"""Collecting N directory objects from a real Samba DC against parsing the same objects' LDIF.

    .venv/bin/python benchmarks/collector/run.py --objects 100000          # loads once (see the README)
    .venv/bin/python benchmarks/collector/run.py --objects 2000 --repeat 1  # a smoke run

Needs root, samba and ldb-tools (as the collector's tests).  The DC is provisioned
into ``--workdir`` (LMDB) and loaded offline with ``ldbadd`` through Samba's own
checks, 2,000 objects per transaction in ldb's batch mode (see :func:`prepare`);
a loaded DC is kept there and reused by later runs.  Each measurement runs in a fresh
interpreter inside the DC's network namespace, so peaks do not mix:

* **collect**: ``collect()`` of the directory alone (``--no-dns``): bind, rootDSE,
  partitions, schema, the paged search, the LDIF written to the bundle;
* **live**: the IdFix scan fed by the collector (``LiveDirectorySource``), no bundle;
* **parse**: the LDIF reader (``LdifSource.records()``) over the collected
  ``directory.ldf``, doing nothing else: the offline path's cost for the same objects.

It prints objects per second and peak resident memory (``VmHWM``), min / median /
max over ``--repeat`` runs, and writes them as JSON with ``--out``.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DOMAIN = "DC=corp,DC=test"


OUS = 20  # the objects are spread over this many OUs, as a directory's are
CHUNK = 2000  # objects per ldbadd transaction (see prepare)


def generate(path: Path, count: int) -> None:
    """``count`` objects: nine contacts for every user, one in a hundred with an IdFix error.

    The OUs come first; object ``n`` goes into OU ``n % OUS``, with one of a hundred
    given names (a value every object shared made one more index entry that grows
    with the directory, which real directories do not have).
    """
    with path.open("w", encoding="utf-8") as out:
        for ou in range(OUS):
            out.write(f"dn: OU=Bench {ou},{DOMAIN}\nobjectClass: organizationalUnit\n\n")
        for n in range(count):
            bad = " " if n % 100 == 7 else ""
            parent = f"OU=Bench {n % OUS},{DOMAIN}"
            if n % 10 == 0:
                out.write(
                    f"dn: CN=Bench User {n},{parent}\nobjectClass: user\nsAMAccountName: bench{n}\n"
                    f"userAccountControl: 514\nuserPrincipalName: bench{bad}{n}@contoso.com\n"
                )
            else:
                out.write(f"dn: CN=Bench Contact {n},{parent}\nobjectClass: contact\n")
            out.write(
                f"displayName: Bench {n}\ngivenName: Given{n % 100}\nmail: b{n}@contoso.com\n"
                f"mailNickname: b{n}\nproxyAddresses: SMTP:b{n}@contoso.com\n"
                f"proxyAddresses: smtp:b{n}@contoso.mail.onmicrosoft.com\n"
                f"targetAddress: SMTP:b{n}@contoso.mail.onmicrosoft.com\n\n"
            )


def chunks(path: Path, size: int) -> Iterator[str]:
    """The LDIF at ``path`` as texts of ``size`` records each."""
    records: list[str] = []
    for record in path.read_text(encoding="utf-8").split("\n\n"):
        if record.strip():
            records.append(record)
        if len(records) == size:
            yield "\n\n".join(records) + "\n\n"
            records = []
    if records:
        yield "\n\n".join(records) + "\n\n"


def prepare(workdir: Path, count: int, netns) -> tuple[object, float]:
    """A loaded DC (reused when a run before loaded it); seconds spent loading (0 if reused).

    LMDB rather than TDB (what Samba advises for large directories; the 8 GB is
    the map's limit, not space taken), one ``ldbadd`` per ``CHUNK`` objects, in
    ldb's ``batch_mode``: without it each add runs in a sub-transaction that copies
    the index lists every object shares (objectClass, objectCategory), so the cost
    per add grew with the objects already there (10,000 objects: 69 s without,
    8 s with, on the same quiet machine).
    """
    from tests.collect.samba import SambaDC

    data = ROOT / "tests" / "collect" / "data"
    folder = workdir / f"dc-mdb-{count}"
    dc = SambaDC(folder, netns)
    if (folder / "loaded").exists():
        return dc, 0.0
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    dc.provision("--backend-store=mdb", "--backend-store-size=8Gb")
    dc.ldb("ldbadd", data / "schema.ldif", schema=True)
    dc.ldb("ldbmodify", data / "schema-classes.ldif", schema=True)
    objects = workdir / f"objects-{count}.ldif"
    generate(objects, count)
    chunk = workdir / f"chunk-{count}.ldif"  # runs of other sizes may load beside this one
    started = time.perf_counter()
    done = 0
    for text in chunks(objects, CHUNK):
        chunk.write_text(text, encoding="utf-8")
        dc.ldb("ldbadd", chunk, batch=True)
        done += text.count("\ndn: ") + 1
        print(f"loaded {done:,} records, {time.perf_counter() - started:.0f} s", flush=True)
    loading = time.perf_counter() - started
    (folder / "loaded").write_text(f"{count} objects loaded in {loading:.0f} s\n")
    return dc, loading


def child(kind: str, target: str, password_env: str, ca: str) -> None:
    """One measurement in this interpreter; prints a JSON line."""
    from onboard.core.collect import CollectConfig, CredentialRef, collect, parse_server

    config = CollectConfig(
        servers=(parse_server("127.0.0.1", "starttls"),),
        user="Administrator@corp.test",
        password=CredentialRef("env", password_env),
        tls_ca_file=ca,
        tls_name="dc1.corp.test",
        dns=False,
        page_size=1000,
        timeout=120,
    )
    started = time.perf_counter()
    if kind == "collect":
        objects = collect(config, Path(target)).objects
    elif kind == "live":
        from onboard.core.assessment.idfix import scan_directory
        from onboard.core.collect.collector import open_session
        from onboard.core.collect.live import LiveDirectorySource

        with (
            open_session(config) as session,
            LiveDirectorySource(session, Path(target) / "spool.ldf") as source,
        ):
            result = scan_directory(source)
            objects = result.records
            result.close()
    else:
        from onboard.core.assessment.ldif import LdifSource

        with LdifSource(Path(target) / "directory.ldf") as source:
            objects = sum(1 for _ in source.records())
    seconds = time.perf_counter() - started
    print(json.dumps({"kind": kind, "objects": objects, "seconds": seconds, "peak_mb": peak_mb()}))


def peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``), in MB.

    Not ``ru_maxrss``: Linux carries that across ``execve`` from the process that
    spawned this one (the benchmark, which has read the whole generated LDIF when it
    just loaded the DC), so it reported the parent's peak when that was higher.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/onboard-bench-collector"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", nargs=4, metavar=("KIND", "TARGET", "PASSWORD_ENV", "CA"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    from tests.collect.netns import NetNamespace
    from tests.collect.samba import ADMIN_PASSWORD

    args.workdir.mkdir(parents=True, exist_ok=True)
    netns = NetNamespace()
    dc = None
    try:
        dc, loading = prepare(args.workdir, args.objects, netns)
        dc.start()
        env = {**os.environ, "BENCH_DC_PASSWORD": ADMIN_PASSWORD}
        runs: dict[str, list[dict]] = {"collect": [], "live": [], "parse": []}
        for n in range(args.repeat):
            for kind in runs:
                target = args.workdir / (f"live-{n}" if kind == "live" else f"bundle-{n}")
                if kind != "parse":
                    subprocess.run(["rm", "-rf", str(target)], check=True)
                    target.mkdir()
                argv = [
                    sys.executable,
                    __file__,
                    "--child",
                    kind,
                    str(target),
                    "BENCH_DC_PASSWORD",
                    str(dc.ca_file),
                ]
                done = subprocess.run(
                    netns.command(argv), capture_output=True, text=True, env=env, check=True
                )
                runs[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
                if runs[kind][-1]["objects"] < args.objects:  # every loaded object is a user or contact
                    raise SystemExit(
                        f"{kind}: {runs[kind][-1]['objects']:,} objects, {args.objects:,} loaded"
                    )
        report(args, loading, runs)
    finally:
        if dc is not None:
            dc.stop()
        netns.close()
    return 0


def report(args: argparse.Namespace, loading: float, runs: dict[str, list[dict]]) -> None:
    """The table, and the JSON file with every run."""
    print(f"{args.objects:,} objects; loading: " + (f"{loading:.0f} s" if loading else "reused"))
    print(f"{'':8} {'objects/s min':>14} {'median':>10} {'max':>10} {'seconds med':>12} {'peak MB max':>12}")
    summary = {}
    for kind, items in runs.items():
        rates = [r["objects"] / r["seconds"] for r in items]
        peak = max(r["peak_mb"] for r in items)
        seconds = statistics.median(r["seconds"] for r in items)
        summary[kind] = {"rates": rates, "peak_mb": peak, "runs": items}
        print(
            f"{kind:8} {min(rates):>14,.0f} {statistics.median(rates):>10,.0f} {max(rates):>10,.0f} "
            f"{seconds:>12.2f} {peak:>12.0f}"
        )
    if args.out:
        # One file for every size measured: a run adds (or replaces) its own.
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sizes = json.loads(args.out.read_text())["sizes"] if args.out.exists() else {}
        sizes[str(args.objects)] = {"loading_s": loading, **summary}
        ordered = dict(sorted(sizes.items(), key=lambda item: int(item[0])))
        args.out.write_text(json.dumps({"sizes": ordered}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
