"""bench/e2e: end-to-end benchmarks of the release binaries on 127.0.0.1.

    cargo build --release -p omnimessage-smpp -p smpp-loadgen      # once; this script builds nothing
    python3 bench/e2e --scenario all --runs 3                      # the documented run
    python3 bench/e2e --scenario ingest,egress --runs 1 --egress-messages 100000   # a quick one
    python3 bench/e2e --scenario idle --bin-dir /tmp/base --bin-dir-b target/release \
        --results /tmp/ab                                          # A/B: runs alternate A, B

Every scenario run starts fresh processes on free ports, is bounded in time and count, and
stops everything it started. Results: bench/results/e2e.md and e2e.json, plus the .hgrm files of
the median runs in bench/results/hgrm/.
"""

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cache  # noqa: E402
import kannel  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
from procs import Procs, raise_nofile  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ALL = ["ingest", "egress", "hub", "idle", "cache", "kannel"]


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/e2e", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="all",
                   help=f"comma list of {','.join(ALL)} or all (default all)")
    p.add_argument("--runs", type=int, default=3, help="runs per scenario (default 3)")
    p.add_argument("--bin-dir", default=os.path.join(REPO, "target", "release"))
    p.add_argument("--bin-dir-b", default=None,
                   help="A/B: a second build; every run of every scenario is made with "
                        "--bin-dir (A) then with this one (B), and both are reported with "
                        "the ratio B/A of each figure (the kannel scenario runs A only)")
    p.add_argument("--results", default=os.path.join(REPO, "bench", "results"))
    p.add_argument("--ingest-messages", type=int, default=300_000)
    p.add_argument("--ingest-sessions", type=int, default=4,
                   help="partner sessions for the ingest and cache scenarios (default 4)")
    p.add_argument("--ingest-binds", type=int, default=2,
                   help="partner binds (tps_limit 100000 each) the ingest sessions are "
                        "spread over, so that one bind's limit does not cap the max "
                        "(default 2; the cache scenario uses one)")
    p.add_argument("--cache-messages", type=int, default=100_000,
                   help="submits flooded while the core is down (default 100000)")
    p.add_argument("--latency-secs", type=int, default=10,
                   help="length of the 50%%-of-max latency run (default 10)")
    p.add_argument("--egress-messages", type=int, default=1_000_000)
    p.add_argument("--kannel-messages", type=int, default=100_000,
                   help="the side-by-side workload, pushed through both (default 100000)")
    p.add_argument("--kannel-http-threads", type=int, default=32)
    p.add_argument("--kannel-runs", type=int, default=None,
                   help="side-by-side runs (each: ours then Kannel; default --runs)")
    p.add_argument("--api-threads", type=int, default=None,
                   help="the gateway's api_pool_threads (default: the gateway's own, 8)")
    p.add_argument("--keep", action="store_true", help="keep the runs' logs and files")
    p.add_argument("--no-batch", action="store_true",
                   help="core simulator without the batch endpoints (the gateway then makes "
                        "one HTTP call per message: the baseline before natural batching)")
    p.add_argument("--hub-rate", type=int, default=2000)
    p.add_argument("--hub-messages", type=int, default=20_000)
    p.add_argument("--idle-sessions", default="1000,10000")
    p.add_argument("--idle-secs", type=int, default=30)
    p.add_argument("--idle-keepalive-secs", type=float, default=30,
                   help="enquire_link period of each idle session (default 30)")
    p.add_argument("--time-limit", type=int, default=900,
                   help="upper bound in seconds of any one measured phase (default 900)")
    args = p.parse_args(argv)
    chosen = ALL if args.scenario == "all" else args.scenario.split(",")
    unknown = [s for s in chosen if s not in ALL]
    if unknown:
        p.error(f"--scenario: unknown {unknown}; choose from {ALL}")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    args.chosen = chosen
    return args


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
    except OSError:
        load = []
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "load_avg_at_start": load}


def git_commit():
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_many(name, runs, one):
    results, errors = [], []
    for i in range(runs):
        print(f"[e2e] {name} run {i + 1}/{runs} ...", flush=True)
        try:
            r = one(i)
            results.append(r)
            print(f"[e2e] {name} run {i + 1}: {report.one_line(r)}", flush=True)
        except Exception as e:  # a failed run is reported, the others still count
            traceback.print_exc()
            errors.append(f"run {i + 1}: {e}")
    return {"runs": results, "errors": errors}


def alternate(name, runs, one_a, one_b):
    """A/B: run i of A, then run i of B, and so on, so the neighbours' load falls on both."""
    a = {"runs": [], "errors": []}
    b = {"runs": [], "errors": []}
    for i in range(runs):
        for side, one, into in (("A", one_a, a), ("B", one_b, b)):
            got = run_many(f"{name} [{side}]", 1, lambda _, one=one: one(i))
            into["runs"] += got["runs"]
            into["errors"] += got["errors"]
    return a, b


def main(argv):
    args = parse_args(argv)
    for bin_dir in filter(None, (args.bin_dir, args.bin_dir_b)):
        for tool in ("omnimessage-smpp", "smpp-loadgen"):
            if not os.access(os.path.join(bin_dir, tool), os.X_OK):
                sys.exit(f"{bin_dir}/{tool} is missing: cargo build --release "
                         "-p omnimessage-smpp -p smpp-loadgen (this script builds nothing)")
    nofile = raise_nofile(100_000)
    work = tempfile.mkdtemp(prefix="omsmpp-e2e-")
    env = scenarios.Env(args.bin_dir, work, args.results, args)
    env_b = None
    if args.bin_dir_b:
        env_b = scenarios.Env(args.bin_dir_b, os.path.join(work, "b"), args.results, args)
    out = {
        "command": "python3 bench/e2e " + " ".join(argv),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "commit": git_commit(), "nofile_limit": nofile,
        "note": "the load generator, core simulator and carrier simulator share the machine's "
                "cores with the gateway; other jobs on the machine show in the load average "
                "at start. Medians quoted.",
        "scenarios": {},
    }
    if env_b:
        out["ab"] = {"a": os.path.abspath(args.bin_dir), "b": os.path.abspath(args.bin_dir_b),
                     "scenarios": {}}
    sc = out["scenarios"]

    def measure(key, name, one):
        """One scenario: `one(env, i)` per run, on A only or alternating A and B."""
        if env_b:
            sc[key], out["ab"]["scenarios"][key] = alternate(
                name, args.runs, lambda i: one(env, i), lambda i: one(env_b, i))
        else:
            sc[key] = run_many(name, args.runs, lambda i: one(env, i))

    try:
        if "ingest" in args.chosen:
            measure("ingest", "ingest", scenarios.ingest_run)
        if "egress" in args.chosen:
            measure("egress", "egress",
                    lambda e, i: scenarios.egress_run(e, i, args.egress_messages))
        if "kannel" in args.chosen:
            why = kannel.available()
            if why:
                sc["kannel"] = {"skipped": why}
            else:
                # The same workload through both, alternating run by run so the load other
                # engineers put on the box falls on both alike.
                ours = {"runs": [], "errors": []}
                theirs = {"runs": [], "errors": []}
                for i in range(args.kannel_runs or args.runs):
                    one = run_many("egress-side", 1, lambda _: scenarios.egress_run(
                        env, i, args.kannel_messages, name="egress-side"))
                    ours["runs"] += one["runs"]
                    ours["errors"] += one["errors"]
                    one = run_many("kannel", 1, lambda _: kannel.kannel_run(
                        env, Procs, i, args.kannel_messages))
                    theirs["runs"] += one["runs"]
                    theirs["errors"] += one["errors"]
                sc["kannel"] = {"ours": ours, "kannel": theirs}
        if "hub" in args.chosen:
            measure("hub", "hub", scenarios.hub_run)
        if "idle" in args.chosen:
            for n in (int(x) for x in args.idle_sessions.split(",")):
                measure(f"idle{n}", f"idle {n}",
                        lambda e, i, n=n: scenarios.idle_run(e, i, n))
        if "cache" in args.chosen:
            measure("cache", "cache", cache.cache_run)
    finally:
        report.write(out, args.results)
        if args.keep:
            print(f"[e2e] logs and files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"[e2e] wrote {args.results}/e2e.md and e2e.json")
    for line in out.get("ab_lines", []):
        print(f"[e2e] {line}")


if __name__ == "__main__":
    main(sys.argv[1:])
