"""The scenarios: each `*_run` starts fresh processes, measures one run, stops everything and
returns a dict of figures. Nothing here waits without a deadline."""

import json
import os
import time

import gwconfig
from idle import IdleSessions
from procs import Procs, free_port, http_json, wait_port


class Env:
    """Where the binaries are, where runs write, and the sizes asked for."""

    def __init__(self, bin_dir, work_dir, results_dir, args):
        self.gateway_bin = os.path.join(bin_dir, "omnimessage-smpp")
        self.loadgen_bin = os.path.join(bin_dir, "smpp-loadgen")
        self.work_dir = work_dir
        self.results_dir = results_dir
        self.args = args

    def run_dir(self, name):
        path = os.path.join(self.work_dir, name)
        os.makedirs(path, exist_ok=True)
        return path


def start_core(env, procs, extra=(), port=None, name="core"):
    port = port or free_port()
    if env.args.no_batch:
        extra = [*extra, "--no-batch"]
    core = procs.start(name, [env.loadgen_bin, "core", "--listen", f"127.0.0.1:{port}", *extra])
    wait_port(port, 15, core)
    return core, f"http://127.0.0.1:{port}"


def start_smsc(env, procs, run_dir):
    port = free_port()
    stats = os.path.join(run_dir, "smsc-stats.json")
    smsc = procs.start("smsc", [env.loadgen_bin, "smsc", "--listen", f"127.0.0.1:{port}",
                                "--system-id", gwconfig.CARRIER_SYSTEM_ID,
                                "--password", gwconfig.CARRIER_PASSWORD,
                                "--receipt-delay-ms", "0", "--stats-secs", "1",
                                "--stats-json", stats])
    wait_port(port, 15, smsc)
    return smsc, port, stats


def start_gateway(env, procs, run_dir, core_url, client_binds=(), server_binds=(),
                  max_connections=100, nofile=None, top_extra=""):
    listen_port = free_port()
    text = gwconfig.gateway_toml(core_url.rsplit(":", 1)[1], listen_port, free_port(),
                                 free_port(), os.path.join(run_dir, "cache"),
                                 client_binds, server_binds, max_connections,
                                 env.args.api_threads, top_extra)
    path = gwconfig.write(run_dir, text)
    gateway = procs.start("gateway", [env.gateway_bin, "--config", path], nofile=nofile,
                          env={**os.environ, "RUST_LOG": "warn"})
    if server_binds:
        wait_port(listen_port, 20, gateway)
    return gateway, listen_port


def run_esme(env, procs, run_dir, name, port, system_ids, sessions, window, rate, count,
             receipts=False, timeout=600):
    """One `smpp-loadgen esme` run to completion; its JSON summary (plus the .hgrm path)."""
    hgrm = os.path.join(run_dir, f"{name}.hgrm")
    summary = os.path.join(run_dir, f"{name}.json")
    argv = [env.loadgen_bin, "esme", "--port", port, "--system-id", ",".join(system_ids),
            "--password", gwconfig.PARTNER_PASSWORD, "--sessions", sessions, "--window", window,
            "--rate", rate, "--count", count, "--duration", timeout, "--progress-secs", "0",
            "--hgrm", hgrm, "--json", summary]
    if receipts:
        argv += ["--registered-delivery", "--wait-receipts", "30"]
    esme = procs.start(name, argv)
    esme.wait(timeout + 60)
    with open(summary) as f:
        report = json.load(f)
    report["hgrm"] = hgrm
    report["receipt_hgrm"] = hgrm[: -len(".hgrm")] + ".receipt.hgrm"
    report["argv"] = " ".join(esme.argv)
    return report


def cpu_window(proc, action):
    """Runs `action()`; the gateway's CPU seconds spent meanwhile and the result."""
    before = proc.usage.cpu_seconds()
    result = action()
    return proc.usage.cpu_seconds() - before, result


def latency_of(report, key="submit_resp"):
    p = report[key]
    return {k: p[k] for k in ("count", "p50_us", "p90_us", "p99_us", "p999_us", "max_us")}


def esme_figures(report, cpu_s, gateway, receipts=False):
    acked = report["acked"]
    secs = report["send_secs"]
    figures = {
        # Only ESME_ROK counts: a throttled submit was not taken.
        "msgs_per_s": round(acked / secs) if secs else 0,
        "offered_per_s": round(report["throughput"]),
        "acked": acked,
        "submitted": report["submitted"],
        "errors": report["errors"],
        "throttled": sum(v for k, v in report["errors"].items() if "THROTTLED" in k),
        "timed_out": report["timed_out"],
        "latency_us": latency_of(report),
        "cpu_us_per_msg": round(cpu_s * 1e6 / acked, 2) if acked else None,
        "gateway_cpu_s": round(cpu_s, 2),
        "peak_rss_mib": round(gateway.usage.hwm_mib(), 1),
        "hgrm": report["hgrm"],
        "esme_argv": report["argv"],
    }
    if receipts:
        figures["receipt_latency_us"] = latency_of(report, "submit_receipt")
        figures["receipts_matched"] = report["receipts_matched"]
        figures["receipts_missing"] = report["receipts_missing"]
        figures["receipt_hgrm"] = report["receipt_hgrm"]
    return figures




INGEST_TPS = 100_000


def ingest_run(env, index):
    """Max rate from N sessions (default 4, window 64) spread over B partner binds (default
    2) at tps_limit 100000 each (the most a server bind accepts), so that a bind's limit is
    not what caps the max; then 50% of the acked max rate."""
    run_dir = env.run_dir(f"ingest-{index}")
    sessions = env.args.ingest_sessions
    ids = [f"ingest{n + 1}" for n in range(env.args.ingest_binds)]
    binds = [gwconfig.server_bind(f"partner_{system_id}", system_id, tps_limit=INGEST_TPS)
             for system_id in ids]
    with Procs(run_dir) as procs:
        _core, url = start_core(env, procs)
        gateway, port = start_gateway(env, procs, run_dir, url, server_binds=binds)
        # A short warm-up so connections, pools and caches exist before the measured run.
        run_esme(env, procs, run_dir, "warmup", port, ids, sessions, 64, 0, 5000)
        count = env.args.ingest_messages
        cpu, report = cpu_window(gateway, lambda: run_esme(
            env, procs, run_dir, "ingest-max", port, ids, sessions, 64, 0, count,
            timeout=env.args.time_limit))
        peak = esme_figures(report, cpu, gateway)
        half = max(100, peak["msgs_per_s"] // 2)
        half_count = min(count, half * env.args.latency_secs)
        cpu, report = cpu_window(gateway, lambda: run_esme(
            env, procs, run_dir, "ingest-half", port, ids, sessions, 64, half, half_count,
            timeout=env.args.time_limit))
        at_half = esme_figures(report, cpu, gateway)
        at_half["target_rate"] = half
    return {"max": peak, "half": at_half, "sessions": sessions, "binds": len(ids),
            "tps_limit": INGEST_TPS}


def core_stats(url):
    return http_json("GET", f"{url}/admin/stats")


def delivered(stats):
    return stats["final_states"].get("delivered", 0)


def watch_egress(url, total, gateway, limit):
    """Polls the core every 50 ms until every message is sent and delivered (or `limit` s)."""
    deadline = time.monotonic() + limit
    t0 = cpu0 = t_sent = None
    stats = core_stats(url)
    while time.monotonic() < deadline:
        stats = core_stats(url)
        now = time.monotonic()
        if t0 is None and stats["leases_granted"] > 0:
            t0, cpu0 = now, gateway.usage.cpu_seconds()
        if t_sent is None and stats["sent"] + stats["failed"] >= total:
            t_sent = now
        if delivered(stats) + stats["final_states"].get("undeliverable", 0) >= total:
            break
        time.sleep(0.05)
    now = time.monotonic()
    if t0 is None:
        raise RuntimeError(f"the gateway never pulled from the core within {limit} s")
    return {
        "sent": stats["sent"], "failed": stats["failed"], "delivered": delivered(stats),
        "final_states": stats["final_states"], "complete": delivered(stats) >= total,
        "send_secs": round((t_sent or now) - t0, 3), "deliver_secs": round(now - t0, 3),
        "cpu_s": gateway.usage.cpu_seconds() - cpu0,
    }


EGRESS_BINDS = 8


def egress_run(env, index, total, name="egress"):
    """`total` MT preloaded for 8 client binds (tps_limit 10000 each) -> carrier simulator."""
    run_dir = env.run_dir(f"{name}-{index}")
    with Procs(run_dir) as procs:
        _core, url = start_core(env, procs)
        per_bind = total // EGRESS_BINDS
        names = [f"carrier_{i}" for i in range(EGRESS_BINDS)]
        for i, bind in enumerate(names):
            count = per_bind + (total % EGRESS_BINDS if i == 0 else 0)
            http_json("POST", f"{url}/admin/enqueue",
                      {"dest_smsc": bind, "count": count, "registered_delivery": True}, 120)
        smsc, carrier_port, _stats = start_smsc(env, procs, run_dir)
        binds = [gwconfig.client_bind(n, carrier_port) for n in names]
        gateway, _ = start_gateway(env, procs, run_dir, url, client_binds=binds)
        limit = max(60, total / 2000)
        seen = watch_egress(url, total, gateway, min(limit, env.args.time_limit))
        peak_rss = gateway.usage.hwm_mib()
        smsc.stop()
    return {
        "messages": total,
        "msgs_per_s": round(total / seen["send_secs"]) if seen["send_secs"] else None,
        "delivered_per_s": round(seen["delivered"] / seen["deliver_secs"]),
        "sent": seen["sent"], "failed": seen["failed"], "delivered": seen["delivered"],
        "final_states": seen["final_states"], "all_receipts_matched": seen["complete"],
        "cpu_us_per_msg": round(seen["cpu_s"] * 1e6 / max(1, seen["delivered"]), 2),
        "peak_rss_mib": round(peak_rss, 1),
        "send_secs": seen["send_secs"], "deliver_secs": seen["deliver_secs"],
    }


def hub_run(env, index):
    """partner -> gateway -> core route -> gateway -> carrier -> receipt -> partner."""
    run_dir = env.run_dir(f"hub-{index}")
    with Procs(run_dir) as procs:
        _core, url = start_core(env, procs, ["--route", "from=partner_hub,to=carrier_hub"])
        _smsc, carrier_port, _stats = start_smsc(env, procs, run_dir)
        gateway, port = start_gateway(
            env, procs, run_dir, url, client_binds=[gwconfig.client_bind("carrier_hub",
                                                                        carrier_port)],
            server_binds=[gwconfig.server_bind("partner_hub", "hub")])
        rate = env.args.hub_rate
        count = min(env.args.hub_messages, rate * 60)
        cpu, report = cpu_window(gateway, lambda: run_esme(
            env, procs, run_dir, "hub", port, ["hub"], 4, 64, rate, count, receipts=True,
            timeout=env.args.time_limit))
        figures = esme_figures(report, cpu, gateway, receipts=True)
        figures["target_rate"] = rate
    return figures


def idle_run(env, index, sessions):
    """`sessions` bound partner sessions doing only enquire_link: RSS and idle CPU."""
    run_dir = env.run_dir(f"idle{sessions}-{index}")
    nofile = sessions * 2 + 1000
    with Procs(run_dir) as procs:
        _core, url = start_core(env, procs)
        gateway, port = start_gateway(
            env, procs, run_dir, url,
            server_binds=[gwconfig.server_bind("partner_idle", "idle", tps_limit=100)],
            max_connections=sessions, nofile=nofile)
        rss_before = gateway.usage.rss_mib()
        idle = IdleSessions(port, "idle", gwconfig.PARTNER_PASSWORD,
                            keepalive=env.args.idle_keepalive_secs)
        try:
            t_open = time.monotonic()
            bound = idle.open(sessions, within=min(300, env.args.time_limit))
            open_secs = time.monotonic() - t_open
            idle.pump(5)
            cpu0, t0 = gateway.usage.cpu_seconds(), time.monotonic()
            idle.pump(env.args.idle_secs)
            cpu = gateway.usage.cpu_seconds() - cpu0
            secs = time.monotonic() - t0
            still = idle.bound()
            figures = {
                "sessions": sessions, "bound": bound, "still_bound": still,
                "failures": idle.failures(), "bind_secs": round(open_secs, 2),
                "rss_mib": round(gateway.usage.rss_mib(), 1),
                "rss_before_mib": round(rss_before, 1),
                "peak_rss_mib": round(gateway.usage.hwm_mib(), 1),
                "idle_cpu_pct": round(100 * cpu / secs, 2), "idle_secs": round(secs, 1),
                "enquire_links_answered": idle.enquire_links_answered,
                "keepalive_secs": env.args.idle_keepalive_secs,
            }
        finally:
            idle.close()
    return figures
