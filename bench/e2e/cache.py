"""The cache scenario: partner ingest with the core down (every submit_sm acknowledged only
after the durable cache's fsync group commit), then the drain rate once the core is back.

One partner bind (tps_limit 100000, cache on), the same sessions and window as the ingest
scenario. Before the measured phase a short warm-up with the core up; then the core simulator
is stopped, the partners flood, and a fresh simulator on the same port counts what the
gateway delivers from its cache: every acknowledged message must arrive, once."""

import time

import gwconfig
from scenarios import cpu_window, esme_figures, run_esme, start_core, start_gateway
from procs import Procs, http_json

CACHE_TPS = 100_000
# Retry the cache every second, give up never within a run, flush nothing early.
TOP = """cache_flush_interval = 1000
cache_backoff_multiplier = 1
cache_max_retry_attempts = 1000
"""
BIND = """cache_enabled = true
cache_max_size = 10000000
cache_retry_interval = 1
"""


def inserted(url):
    return http_json("GET", f"{url}/admin/stats")["inserted"]


def watch_drain(url, total, limit):
    """Polls the fresh core every 50 ms until `total` messages arrived (or `limit` s): the
    first and last poll that saw arrivals and how many the first already counted."""
    deadline = time.monotonic() + limit
    first = last = None
    count = 0
    while time.monotonic() < deadline:
        count = inserted(url)
        now = time.monotonic()
        if count > 0 and first is None:
            first = (now, count)
        if count >= total:
            last = now
            break
        time.sleep(0.05)
    return first, last, count


def cache_run(env, index):
    run_dir = env.run_dir(f"cache-{index}")
    sessions = env.args.ingest_sessions
    total = env.args.cache_messages
    with Procs(run_dir) as procs:
        core, url = start_core(env, procs)
        port_of_core = int(url.rsplit(":", 1)[1])
        gateway, port = start_gateway(
            env, procs, run_dir, url, top_extra=TOP,
            server_binds=[gwconfig.server_bind("partner_cache", "cache", tps_limit=CACHE_TPS,
                                               extra=BIND)])
        run_esme(env, procs, run_dir, "warmup", port, ["cache"], sessions, 64, 0, 2000)
        core.stop()
        time.sleep(0.5)
        cpu, report = cpu_window(gateway, lambda: run_esme(
            env, procs, run_dir, "cache-ingest", port, ["cache"], sessions, 64, 0, total,
            timeout=env.args.time_limit))
        ingest = esme_figures(report, cpu, gateway)
        acked = ingest["acked"]
        if acked < total * 0.99:
            raise RuntimeError(f"only {acked} of {total} cached submits acknowledged: "
                               f"{ingest['errors']}")
        # A fresh simulator counts only what the cache drains into it.
        cpu0 = gateway.usage.cpu_seconds()
        _core2, url = start_core(env, procs, port=port_of_core, name="core-back")
        back = time.monotonic()
        first, last, arrived = watch_drain(url, acked, min(max(60, acked / 1000),
                                                          env.args.time_limit))
        drain_cpu = gateway.usage.cpu_seconds() - cpu0
        if last is None:
            raise RuntimeError(f"drain incomplete: {arrived} of {acked} arrived")
        time.sleep(1.0)
        settled = inserted(url)
        if settled != acked:
            raise RuntimeError(f"{settled} arrived at the core, {acked} were acknowledged")
        # The first poll that saw arrivals already counted first[1] of them; if it saw them
        # all, the drain was too short to time at this resolution.
        drained = acked - first[1]
        drain_secs = last - first[0]
    return {
        "messages": total, "sessions": sessions, "tps_limit": CACHE_TPS,
        "ingest": ingest,
        "drain_per_s": round(drained / drain_secs) if drained and drain_secs > 0 else None,
        "drained": acked, "drain_secs": round(drain_secs, 3),
        "back_to_last_secs": round(last - back, 3),
        "drain_cpu_us_per_msg": round(drain_cpu * 1e6 / acked, 2),
        "arrived_once": settled == acked,
    }
