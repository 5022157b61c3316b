"""e2e.md and e2e.json from the collected runs; the median runs' .hgrm files are kept."""

import json
import os
import shutil
import statistics


def one_line(r):
    """A progress line for one run's figures."""
    if "max" in r:
        return (f"max {r['max']['msgs_per_s']}/s at {r['max']['cpu_us_per_msg']} us CPU/msg; "
                f"at 50% ({r['half']['msgs_per_s']}/s): p99 {r['half']['latency_us']['p99_us']} "
                f"us, {r['half']['cpu_us_per_msg']} us CPU/msg")
    if "drain_per_s" in r:
        return (f"core down: {r['ingest']['msgs_per_s']}/s acked after fsync (p99 "
                f"{r['ingest']['latency_us']['p99_us']} us, {r['ingest']['cpu_us_per_msg']} us "
                f"CPU/msg); drain {r['drain_per_s']}/s ({r['back_to_last_secs']} s from the "
                f"core's return to the last arrival), every message arrived once: "
                f"{r['arrived_once']}")
    keys = ("msgs_per_s", "delivered_per_s", "cpu_us_per_msg", "peak_rss_mib", "bound",
            "rss_mib", "idle_cpu_pct")
    return ", ".join(f"{k}={r[k]}" for k in keys if k in r)


def pick(runs, path):
    values = []
    for r in runs:
        v = r
        for key in path:
            v = v.get(key) if isinstance(v, dict) else None
        if isinstance(v, (int, float)):
            values.append(v)
    return values


def spread(runs, *path):
    """(median, min, max) of a figure over the runs, or None."""
    values = pick(runs, path)
    if not values:
        return None
    return (statistics.median(values), min(values), max(values))


def median_run(runs, *path):
    """The run whose figure is the (lower) median, for its .hgrm files."""
    ranked = sorted((v, i) for i, v in enumerate(pick(runs, path)))
    return runs[ranked[(len(ranked) - 1) // 2][1]] if ranked else None


def fmt(triple, unit="", digits=0):
    if triple is None:
        return "n/a"
    med, lo, hi = triple
    f = (lambda v: f"{v:,.{digits}f}")
    return f"{f(med)}{unit} ({f(lo)}–{f(hi)})"


def keep_hgrm(results_dir, name, path):
    if not path or not os.path.exists(path):
        return None
    dest_dir = os.path.join(results_dir, "hgrm")
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, f"{name}.hgrm")
    shutil.copyfile(path, dest)
    return os.path.relpath(dest, results_dir)


def latency_row(name, runs, key):
    cells = [fmt(spread(runs, key, p)) for p in ("p50_us", "p90_us", "p99_us", "p999_us",
                                                 "max_us")]
    return f"| {name} | " + " | ".join(cells) + " |"


# The figures compared in an A/B run: (scenario key prefix, label, path in a run's figures).
AB_FIGURES = [
    ("ingest", "ingest max msg/s", ("max", "msgs_per_s")),
    ("ingest", "ingest CPU us/msg at max", ("max", "cpu_us_per_msg")),
    ("ingest", "ingest p99 us at 50%", ("half", "latency_us", "p99_us")),
    ("ingest", "ingest CPU us/msg at 50%", ("half", "cpu_us_per_msg")),
    ("egress", "egress sent msg/s", ("msgs_per_s",)),
    ("egress", "egress CPU us/MT", ("cpu_us_per_msg",)),
    ("egress", "egress peak RSS MiB", ("peak_rss_mib",)),
    ("hub", "hub submit->receipt p99 us", ("receipt_latency_us", "p99_us")),
    ("hub", "hub CPU us/msg", ("cpu_us_per_msg",)),
    ("idle", "RSS MiB", ("rss_mib",)),
    ("idle", "idle CPU % of a core", ("idle_cpu_pct",)),
    ("cache", "cache ingest msg/s (core down)", ("ingest", "msgs_per_s")),
    ("cache", "cache drain msg/s", ("drain_per_s",)),
]


def ab_rows(out):
    """(label, A spread, B spread, ratio of the medians B/A) for every figure measured."""
    rows = []
    a_sc, b_sc = out["scenarios"], out["ab"]["scenarios"]
    for key in b_sc:
        for prefix, label, path in AB_FIGURES:
            if not key.startswith(prefix):
                continue
            a = spread(a_sc.get(key, {}).get("runs", []), *path)
            b = spread(b_sc[key].get("runs", []), *path)
            if key.startswith("idle"):
                label = f"idle {key[4:]}: {label}"
            ratio = b[0] / a[0] if a and b and a[0] else None
            rows.append((label, a, b, ratio))
    return rows


def ab_section(out):
    ab = out["ab"]
    md = ["## A/B (runs alternating A, B)", "",
          f"A = `{ab['a']}`, B = `{ab['b']}`. Medians (min–max) over the runs of each side; "
          "ratio = median B / median A. The sections above are A's.", "",
          "| figure | A | B | B/A |", "|---|---|---|---|"]
    lines = []
    for label, a, b, ratio in ab_rows(out):
        r = f"{ratio:.2f}" if ratio is not None else "n/a"
        digits = 2 if "CPU" in label else 1 if "MiB" in label else 0
        a_text, b_text = fmt(a, digits=digits), fmt(b, digits=digits)
        md.append(f"| {label} | {a_text} | {b_text} | {r} |")
        lines.append(f"A/B {label}: A {a_text}, B {b_text}, B/A {r}")
    for key, side in ab["scenarios"].items():
        for e in side.get("errors", []):
            md.append(f"- B {key} failed {e}")
    out["ab_lines"] = lines
    return md + [""]


def write(out, results_dir):
    os.makedirs(results_dir, exist_ok=True)
    sc = out["scenarios"]
    md = ["# End-to-end benchmark results", "",
          f"- Command: `{out['command']}`",
          f"- Date: {out['date']}; commit `{out['commit']}`",
          f"- Machine: {out['machine']['nproc']} cores, {out['machine']['cpu_model']}, "
          f"Linux {out['machine']['kernel']}, load average at start "
          f"{' '.join(out['machine']['load_avg_at_start'])}",
          f"- {out['note']}",
          "- Figures: median (min–max) over the runs. Latencies in microseconds from the "
          "`smpp-loadgen esme` HDR histograms. CPU = the gateway process's utime+stime from "
          "/proc/<pid>/stat over the measured phase divided by the messages; peak RSS = VmHWM.",
          ""]
    kept = {}

    ing = sc.get("ingest", {}).get("runs", [])
    if ing:
        n = ing[0].get("sessions", 4)
        binds = ing[0].get("binds", 1)
        tps = ing[0].get("tps_limit", 100000)
        md += [f"## 1. Ingest ({n} partner sessions, window 64, over {binds} server bind(s) "
               f"at tps_limit {tps} each)", "",
               f"The binds' tps_limit caps ingest at {binds * tps:,} msg/s; submits above it "
               "are answered ESME_RTHROTTLED and do not count (the throttled column shows "
               "whether that cap was reached). msg/s = submit_sm answered ESME_ROK per "
               "second; CPU per message = per ESME_ROK.", "",
               "| | msg/s (ESME_ROK) | offered msg/s | throttled | gateway CPU us/msg | "
               "peak RSS MiB |", "|---|---|---|---|---|---|",
               f"| max rate | {fmt(spread(ing, 'max', 'msgs_per_s'))} | "
               f"{fmt(spread(ing, 'max', 'offered_per_s'))} | "
               f"{fmt(spread(ing, 'max', 'throttled'))} | "
               f"{fmt(spread(ing, 'max', 'cpu_us_per_msg'), digits=2)} | "
               f"{fmt(spread(ing, 'max', 'peak_rss_mib'), digits=1)} |",
               f"| 50% of max | {fmt(spread(ing, 'half', 'msgs_per_s'))} | "
               f"{fmt(spread(ing, 'half', 'offered_per_s'))} | "
               f"{fmt(spread(ing, 'half', 'throttled'))} | "
               f"{fmt(spread(ing, 'half', 'cpu_us_per_msg'), digits=2)} | |", "",
               "submit_sm -> submit_sm_resp latency (us):", "",
               "| run | p50 | p90 | p99 | p99.9 | max |", "|---|---|---|---|---|---|",
               latency_row("max rate", [r["max"] for r in ing], "latency_us"),
               latency_row("50% of max", [r["half"] for r in ing], "latency_us"), ""]
        mid = median_run(ing, "max", "msgs_per_s")
        kept["ingest_max"] = keep_hgrm(results_dir, "ingest-max", mid["max"]["hgrm"])
        mid = median_run(ing, "half", "latency_us", "p99_us")
        kept["ingest_half"] = keep_hgrm(results_dir, "ingest-half", mid["half"]["hgrm"])
        md += [f"esme: `{ing[0]['max']['esme_argv']}`", ""]

    eg = sc.get("egress", {}).get("runs", [])
    if eg:
        md += [f"## 2. Egress ({eg[0]['messages']:,} MT preloaded, 8 client binds at tps_limit "
               "10000, carrier simulator answering at once with receipts)", "",
               "| sent msg/s | delivered (receipt matched at the core) msg/s | gateway CPU "
               "us/MT incl. receipt | peak RSS MiB | all receipts matched |",
               "|---|---|---|---|---|",
               f"| {fmt(spread(eg, 'msgs_per_s'))} | {fmt(spread(eg, 'delivered_per_s'))} | "
               f"{fmt(spread(eg, 'cpu_us_per_msg'), digits=2)} | "
               f"{fmt(spread(eg, 'peak_rss_mib'), digits=1)} | "
               f"{sum(1 for r in eg if r['all_receipts_matched'])}/{len(eg)} runs |", "",
               "The 8 binds' tps_limit caps egress at 80,000 msg/s.", ""]

    kn = sc.get("kannel")
    if kn and "skipped" in kn:
        md += ["## Kannel side by side", "", f"Skipped: {kn['skipped']}", ""]
    elif kn:
        ours, theirs = kn["ours"]["runs"], kn["kannel"]["runs"]
        o, t = spread(ours, "msgs_per_s"), spread(theirs, "msgs_per_s")
        od, td = spread(ours, "delivered_per_s"), spread(theirs, "delivered_per_s")
        ratio = (o[0] / t[0]) if o and t and t[0] else None
        ratio_d = (od[0] / td[0]) if od and td and td[0] else None
        kn["ratio_sent"] = ratio
        kn["ratio_delivered"] = ratio_d
        n = (ours or theirs or [{"messages": 0}])[0]["messages"]
        md += [f"## Kannel side by side ({n:,} MT with receipts, same carrier simulator, runs "
               "alternating)", "",
               "| | sent msg/s | delivered msg/s | CPU us/msg | peak RSS MiB | all receipts |",
               "|---|---|---|---|---|---|",
               f"| omnimessage-smpp | {fmt(o)} | {fmt(od)} | "
               f"{fmt(spread(ours, 'cpu_us_per_msg'), digits=2)} | "
               f"{fmt(spread(ours, 'peak_rss_mib'), digits=1)} | "
               f"{sum(1 for r in ours if r['all_receipts_matched'])}/{len(ours)} |",
               f"| Kannel 1.4.5 (bearerbox+smsbox) | {fmt(t)} | {fmt(td)} | "
               f"{fmt(spread(theirs, 'cpu_us_per_msg'), digits=1)} | "
               f"{fmt(spread(theirs, 'peak_rss_mib'), digits=1)} | "
               f"{sum(1 for r in theirs if r['all_receipts_matched'])}/{len(theirs)} |", "",
               f"Ratio (medians): sent {ratio:.1f}x, delivered {ratio_d:.1f}x." if ratio and
               ratio_d else "Ratio: n/a (a side has no successful run).", "",
               "Kannel is fed through smsbox's sendsms HTTP interface by "
               f"{theirs[0]['http_threads'] if theirs else '?'} keep-alive client threads in the "
               "harness (its MT entry point; ours pulls from the core simulator's REST queue). "
               "Kannel's CPU is bearerbox+smsbox; its sent rate is read from the carrier "
               "simulator's 1 s stats file, so it is exact to about a second. Config: "
               "bench/kannel/.", ""]
        for side, runs in (("ours", kn["ours"]), ("kannel", kn["kannel"])):
            for e in runs["errors"]:
                md.append(f"- {side} failed {e}")

    hub = sc.get("hub", {}).get("runs", [])
    if hub:
        md += [f"## 3. Hub (partner -> gateway -> core route -> gateway -> carrier -> receipt "
               f"-> partner) at {hub[0]['target_rate']:,} msg/s", "",
               "| | p50 | p90 | p99 | p99.9 | max |", "|---|---|---|---|---|---|",
               latency_row("submit -> resp", hub, "latency_us"),
               latency_row("submit -> receipt", hub, "receipt_latency_us"), "",
               f"Receipts matched: {fmt(spread(hub, 'receipts_matched'))}, missing "
               f"{fmt(spread(hub, 'receipts_missing'))}; gateway CPU per message with its "
               f"receipt {fmt(spread(hub, 'cpu_us_per_msg'), ' us', 2)}.", ""]
        mid = median_run(hub, "receipt_latency_us", "p99_us")
        kept["hub_resp"] = keep_hgrm(results_dir, "hub-submit-resp", mid["hgrm"])
        kept["hub_receipt"] = keep_hgrm(results_dir, "hub-submit-receipt", mid["receipt_hgrm"])

    idle_keys = [k for k in sc if k.startswith("idle")]
    if idle_keys:
        md += ["## 4. Idle scale (bound partner sessions doing only enquire_link)", "",
               "| sessions | bound | RSS MiB | peak RSS MiB | idle CPU % of one core |",
               "|---|---|---|---|---|"]
        for k in idle_keys:
            runs = sc[k]["runs"]
            if runs:
                md.append(f"| {runs[0]['sessions']:,} | {fmt(spread(runs, 'still_bound'))} | "
                          f"{fmt(spread(runs, 'rss_mib'), digits=1)} | "
                          f"{fmt(spread(runs, 'peak_rss_mib'), digits=1)} | "
                          f"{fmt(spread(runs, 'idle_cpu_pct'), digits=2)} |")
        md.append("")

    ca = sc.get("cache", {}).get("runs", [])
    if ca:
        md += [f"## 5. Cache ({ca[0]['messages']:,} submits from {ca[0]['sessions']} sessions, "
               f"window 64, one server bind at tps_limit {ca[0]['tps_limit']}, core down)", "",
               "Each submit_sm is answered only after the durable cache's fsync group commit; "
               "then a fresh core simulator is started and counts what the gateway drains "
               "into it: drain msg/s from the first to the last arrival (n/a when the first "
               "poll, every 50 ms, already saw them all: use more messages).", "",
               "| ingest msg/s (core down) | p50 us | p99 us | gateway CPU us/msg | drain "
               "msg/s | drain CPU us/msg | all arrived once |", "|---|---|---|---|---|---|---|",
               f"| {fmt(spread(ca, 'ingest', 'msgs_per_s'))} | "
               f"{fmt(spread(ca, 'ingest', 'latency_us', 'p50_us'))} | "
               f"{fmt(spread(ca, 'ingest', 'latency_us', 'p99_us'))} | "
               f"{fmt(spread(ca, 'ingest', 'cpu_us_per_msg'), digits=2)} | "
               f"{fmt(spread(ca, 'drain_per_s'))} | "
               f"{fmt(spread(ca, 'drain_cpu_us_per_msg'), digits=2)} | "
               f"{sum(1 for r in ca if r['arrived_once'])}/{len(ca)} runs |", ""]

    if "ab" in out:
        md += ab_section(out)

    errors = [(k, e) for k, v in sc.items() if isinstance(v, dict)
              for e in v.get("errors", [])]
    if errors:
        md += ["## Failed runs", ""] + [f"- {k} {e}" for k, e in errors] + [""]
    out["hgrm"] = kept
    with open(os.path.join(results_dir, "e2e.json"), "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(results_dir, "e2e.md"), "w") as f:
        f.write("\n".join(md))
