#!/usr/bin/env python3
"""End-to-end cache benchmark through the real binary (issue 4).

For each run: a gateway with four cache-enabled server binds (tps_limit 10000 each, the
configuration's maximum) and `smpp-loadgen esme` partners, one per bind, flooding submit_sm:

1. core up   -> ingest rate with the core taking every insert (the core-first path);
2. core down -> ingest rate when every message is cached (acked after the group commit);
3. core back -> drain rate: cached messages delivered to the core simulator, measured at
   the core (first to last arrival, from GET /admin/stats).

Usage: bench/scripts/cache_e2e.py [--runs 3] [--per-bind 10000] [--bin-dir target/release]
Prints one line per run and the medians; nothing is written unless --markdown is given.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BINDS = ["p1", "p2", "p3", "p4"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, within=20.0):
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def config_text(core_port, listen_port, cache_dir):
    binds = "".join(
        f"""
[[server_binds]]
name = "{name}"
system_id = "{name}"
password = "secret"
allowed_bind_types = ["transceiver"]
ip_whitelist = ["127.0.0.1"]
tps_limit = 10000
window_size = 64
cache_enabled = true
cache_max_size = 10000000
cache_retry_interval = 1
"""
        for name in BINDS
    )
    return f"""
api_base_url = "http://127.0.0.1:{core_port}"
smsc_name = "bench_cache"
cache_dir = "{cache_dir}"
shards = 2
log_level = "warn"
cache_flush_interval = 1000
cache_backoff_multiplier = 1
cache_max_retry_attempts = 1000
{binds}
[listen]
host = "127.0.0.1"
port = {listen_port}
[metrics]
enabled = false
[web]
enabled = false
"""


def core_stats(core_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{core_port}/admin/stats", timeout=2) as r:
        return json.load(r)


def flood(bin_dir, listen_port, per_bind, workdir, tag):
    procs = []
    for name in BINDS:
        out = os.path.join(workdir, f"{tag}-{name}.json")
        procs.append(
            (
                out,
                subprocess.Popen(
                    [
                        os.path.join(bin_dir, "smpp-loadgen"),
                        "esme",
                        "--port", str(listen_port),
                        "--system-id", name,
                        "--password", "secret",
                        "--sessions", "2",
                        "--window", "64",
                        "--count", str(per_bind),
                        # Under the bind's tps_limit of 10000 (its burst allowance aside).
                        "--rate", "9000",
                        "--source", "MyBrand",
                        "--duration", "120",
                        "--json", out,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
        )
    started = time.time()
    acked = 0
    errors = {}
    for out, proc in procs:
        proc.wait(timeout=300)
        with open(out) as f:
            report = json.load(f)
        acked += report["acked"]
        for status, n in report["errors"].items():
            errors[status] = errors.get(status, 0) + n
    elapsed = time.time() - started
    return acked, errors, elapsed


def start_core(bin_dir, port):
    proc = subprocess.Popen(
        [os.path.join(bin_dir, "smpp-loadgen"), "core", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port)
    return proc


def one_run(bin_dir, per_bind):
    workdir = tempfile.mkdtemp(prefix="omsmpp-cache-bench-")
    core_port, listen_port = free_port(), free_port()
    config = os.path.join(workdir, "gateway.toml")
    with open(config, "w") as f:
        f.write(config_text(core_port, listen_port, os.path.join(workdir, "cache")))
    os.chmod(config, 0o600)
    log = open(os.path.join(workdir, "gateway.log"), "w")
    core = start_core(bin_dir, core_port)
    gateway = subprocess.Popen(
        [os.path.join(bin_dir, "omnimessage-smpp"), "--config", config],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        wait_port(listen_port)
        total = per_bind * len(BINDS)
        # 1. core up: every insert goes to the core.
        acked, errors, elapsed = flood(bin_dir, listen_port, per_bind, workdir, "up")
        up_rate = acked / elapsed
        inserted_up = core_stats(core_port)["inserted"]
        assert acked == inserted_up and acked >= total * 0.99, (acked, errors, inserted_up)
        # 2. core down: every message cached.
        core.terminate()
        core.wait(timeout=10)
        time.sleep(0.5)
        acked, errors, elapsed = flood(bin_dir, listen_port, per_bind, workdir, "down")
        down_rate = acked / elapsed
        assert acked >= total * 0.99, (acked, errors)
        # Every acknowledged message must reach the core once.
        total = acked
        # 3. core back (a fresh simulator, so it counts only the drained messages).
        core = start_core(bin_dir, core_port)
        first = last = None
        deadline = time.time() + 300
        while time.time() < deadline:
            inserted = core_stats(core_port)["inserted"]
            now = time.time()
            if inserted > 0 and first is None:
                first = (now, inserted)
            if inserted >= total:
                last = now
                break
            time.sleep(0.05)
        assert last is not None, f"drain incomplete: {inserted} of {total}"
        # The first poll that saw arrivals already counts `first[1]` of them.
        drained = total - first[1]
        drain_rate = drained / max(last - first[0], 1e-3)
        time.sleep(1.0)
        settled = core_stats(core_port)["inserted"]
        # Messages durable but not acked (none without a crash) would show up as extra.
        assert settled == total, f"arrived {settled}, acked {total}"
        return up_rate, down_rate, drain_rate
    finally:
        gateway.terminate()
        try:
            gateway.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gateway.kill()
        core.terminate()
        core.wait(timeout=10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-bind", type=int, default=10000)
    parser.add_argument("--bin-dir", default="target/release")
    args = parser.parse_args()
    rows = []
    for run in range(1, args.runs + 1):
        up, down, drain = one_run(args.bin_dir, args.per_bind)
        rows.append((up, down, drain))
        print(
            f"run {run}: core up ingest {up:,.0f}/s, core down (cached) ingest {down:,.0f}/s, "
            f"drain {drain:,.0f}/s",
            flush=True,
        )
    med = [statistics.median(col) for col in zip(*rows)]
    print(
        f"median: core up ingest {med[0]:,.0f}/s, cached ingest {med[1]:,.0f}/s, "
        f"drain {med[2]:,.0f}/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
