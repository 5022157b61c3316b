"""Kannel side by side: bearerbox + smsbox with an SMPP smsc group on the same carrier
simulator, fed the egress workload through smsbox's sendsms HTTP interface by a concurrent
HTTP client, receipts counted at a local dlr-url endpoint."""

import http.client
import http.server
import itertools
import json
import os
import shutil
import threading
import time
import urllib.parse

from procs import free_port, wait_port
from scenarios import start_smsc

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "..", "kannel", "kannel.conf.in")


def available():
    """Why Kannel cannot run here, or None."""
    for tool in ("bearerbox", "smsbox"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"{tool} not installed (apt-get install -y kannel)"
    return None


def binary(tool):
    return shutil.which(tool) or f"/usr/sbin/{tool}"


class DlrCounter(http.server.ThreadingHTTPServer):
    """Counts Kannel's delivery-report callbacks (dlr-url) by the `%d` type it fills in."""

    daemon_threads = True

    def __init__(self):
        self.lock = threading.Lock()
        self.by_type = {}
        self.total = 0
        self.last_at = None

        counter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                kind = query.get("type", ["?"])[0]
                with counter.lock:
                    counter.by_type[kind] = counter.by_type.get(kind, 0) + 1
                    if kind in ("1", "2"):
                        counter.total += 1
                        counter.last_at = time.monotonic()
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def smsc_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def push(sendsms_port, dlr_port, total, threads):
    """Sends `total` sendsms requests from `threads` keep-alive connections; the failures."""
    numbers = itertools.count()
    failures = {}
    lock = threading.Lock()
    dlr_url = f"http://127.0.0.1:{dlr_port}/dlr?type=%d"

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", sendsms_port, timeout=30)
        while True:
            n = next(numbers)
            if n >= total:
                break
            query = urllib.parse.urlencode({
                "username": "bench", "password": "bench", "from": "loadgen",
                "to": f"614{n:08d}", "text": f"Load test message {n}",
                "dlr-mask": "3", "dlr-url": dlr_url,
            })
            try:
                conn.request("GET", f"/cgi-bin/sendsms?{query}")
                resp = conn.getresponse()
                resp.read()
                if resp.status // 100 != 2:
                    with lock:
                        failures[resp.status] = failures.get(resp.status, 0) + 1
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", sendsms_port, timeout=30)
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    key = type(e).__name__
                    failures[key] = failures.get(key, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", sendsms_port, timeout=30)
        conn.close()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    return workers, failures


def kannel_run(env, procs_cls, index, total):
    """One Kannel egress run of `total` messages; figures like `egress_run`'s."""
    run_dir = env.run_dir(f"kannel-{index}")
    with procs_cls(run_dir) as procs:
        smsc, carrier_port, stats_path = start_smsc(env, procs, run_dir)
        ports = {"ADMIN_PORT": free_port(), "SMSBOX_PORT": free_port(),
                 "SENDSMS_PORT": free_port(), "CARRIER_PORT": carrier_port,
                 "RUN_DIR": run_dir}
        with open(TEMPLATE) as f:
            conf = f.read()
        for key, value in ports.items():
            conf = conf.replace(f"@{key}@", str(value))
        conf_path = os.path.join(run_dir, "kannel.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        bearerbox = procs.start("bearerbox", [binary("bearerbox"), conf_path])
        wait_port(ports["SMSBOX_PORT"], 20, bearerbox)
        smsbox = procs.start("smsbox", [binary("smsbox"), conf_path])
        wait_port(ports["SENDSMS_PORT"], 20, smsbox)
        deadline = time.monotonic() + 20
        while smsc_stats(stats_path).get("binds", 0) < 1:
            if time.monotonic() > deadline:
                raise RuntimeError("Kannel did not bind to the carrier simulator in 20 s:\n"
                                   + bearerbox.tail())
            time.sleep(0.2)
        dlr = DlrCounter()
        threading.Thread(target=dlr.serve_forever, daemon=True).start()
        try:
            cpu0 = [p.usage.cpu_seconds() for p in (bearerbox, smsbox)]
            t0 = time.monotonic()
            workers, failures = push(ports["SENDSMS_PORT"], dlr.server_address[1], total,
                                     env.args.kannel_http_threads)
            limit = t0 + min(env.args.time_limit, max(120, total / 200))
            t_http = t_sent = None
            while time.monotonic() < limit:
                now = time.monotonic()
                if t_http is None and not any(w.is_alive() for w in workers):
                    t_http = now
                submits = smsc_stats(stats_path).get("submits_ok", 0)
                if t_sent is None and submits >= total:
                    t_sent = now
                with dlr.lock:
                    got = dlr.total
                if got >= total:
                    break
                time.sleep(0.1)
            end = time.monotonic()
            cpu = [p.usage.cpu_seconds() - c for p, c in zip((bearerbox, smsbox), cpu0)]
            stats = smsc_stats(stats_path)
            with dlr.lock:
                dlrs, by_type, last = dlr.total, dict(dlr.by_type), dlr.last_at
        finally:
            dlr.shutdown()
        figures = {
            "messages": total,
            "http_secs": round((t_http or end) - t0, 3),
            "http_failures": failures,
            "carrier_submits_ok": stats.get("submits_ok", 0),
            "send_secs": round((t_sent or end) - t0, 3),
            "dlrs": dlrs, "dlr_types": by_type,
            "deliver_secs": round((last or end) - t0, 3),
            "all_receipts_matched": dlrs >= total,
            "bearerbox_cpu_s": round(cpu[0], 2), "smsbox_cpu_s": round(cpu[1], 2),
            "cpu_us_per_msg": round((cpu[0] + cpu[1]) * 1e6 / max(1, dlrs), 1),
            "peak_rss_mib": round(bearerbox.usage.hwm_mib() + smsbox.usage.hwm_mib(), 1),
            "http_threads": env.args.kannel_http_threads,
        }
        sent = min(total, figures["carrier_submits_ok"])
        figures["msgs_per_s"] = round(sent / figures["send_secs"]) if figures["send_secs"] else 0
        figures["delivered_per_s"] = round(dlrs / figures["deliver_secs"]) \
            if figures["deliver_secs"] else 0
        smsc.stop()
    return figures
