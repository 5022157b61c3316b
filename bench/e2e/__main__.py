"""bench/e2e: end-to-end benchmarks of the release binaries on 127.0.0.1.

    cargo build --release -p omnimessage-smpp -p smpp-loadgen      # once; this script builds nothing
    python3 bench/e2e --scenario all --runs 3                      # the documented run
    python3 bench/e2e --scenario ingest,egress --runs 1 --egress-messages 100000   # a quick one

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
    p.add_argument("--results", default=os.path.join(REPO, "bench", "results"))
    p.add_argument("--ingest-messages", type=int, default=300_000)
    p.add_argument("--ingest-sessions", type=int, default=4,
                   help="partner sessions, each on its own server bind (default 4)")
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


def main(argv):
    args = parse_args(argv)
    for tool in ("omnimessage-smpp", "smpp-loadgen"):
        if not os.access(os.path.join(args.bin_dir, tool), os.X_OK):
            sys.exit(f"{args.bin_dir}/{tool} is missing: cargo build --release "
                     "-p omnimessage-smpp -p smpp-loadgen (this script builds nothing)")
    nofile = raise_nofile(100_000)
    work = tempfile.mkdtemp(prefix="omsmpp-e2e-")
    env = scenarios.Env(args.bin_dir, work, args.results, args)
    out = {
        "command": "python3 bench/e2e " + " ".join(argv),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "commit": git_commit(), "nofile_limit": nofile,
        "note": "2-core VM shared with other engineers building at the same time; the load "
                "generator, core simulator and carrier simulator share the same 2 cores with "
                "the gateway. Medians quoted.",
        "scenarios": {},
    }
    sc = out["scenarios"]
    try:
        if "ingest" in args.chosen:
            sc["ingest"] = run_many("ingest", args.runs, lambda i: scenarios.ingest_run(env, i))
        if "egress" in args.chosen:
            sc["egress"] = run_many("egress", args.runs, lambda i: scenarios.egress_run(
                env, i, args.egress_messages))
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
            sc["hub"] = run_many("hub", args.runs, lambda i: scenarios.hub_run(env, i))
        if "idle" in args.chosen:
            for n in (int(x) for x in args.idle_sessions.split(",")):
                sc[f"idle{n}"] = run_many(f"idle {n}", args.runs,
                                          lambda i, n=n: scenarios.idle_run(env, i, n))
        if "cache" in args.chosen:
            sc["cache"] = {"skipped": (
                "the gateway on this branch does not yet send partner submits to the durable "
                "cache when the core is down (engine::shard has no cache path; another "
                "engineer is wiring it), so 'ingest with the core down, then drain' cannot be "
                "measured yet")}
    finally:
        report.write(out, args.results)
        if args.keep:
            print(f"[e2e] logs and files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"[e2e] wrote {args.results}/e2e.md and e2e.json")


if __name__ == "__main__":
    main(sys.argv[1:])
