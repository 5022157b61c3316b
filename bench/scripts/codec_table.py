#!/usr/bin/env python3
"""Markdown tables of the codec benchmark: for each case and operation, the median over the
saved criterion baselines of each run's median (ns per message), and each other codec's time
divided by ours (> 1.00: we are faster).

Usage: bench/scripts/codec_table.py [target/criterion] [baseline ...]   (default: run1 run2 run3)
"""
import json
import statistics
import sys
from pathlib import Path

CASES = ["submit_sm", "deliver_sm_receipt", "enquire_link", "concat_ucs2_3_parts"]
OPERATIONS = [("decode", "decode"), ("encode", "encode"), ("decode_encode", "decode+encode")]
CODECS = ["ours", "rusmpp", "smpp34"]


def median_ns(root, case, operation, codec, baselines):
    runs = []
    for baseline in baselines:
        path = root / case / operation / codec / baseline / "estimates.json"
        if path.exists():
            runs.append(json.loads(path.read_text())["median"]["point_estimate"])
    return (statistics.median(runs), len(runs)) if runs else (None, 0)


def main():
    args = sys.argv[1:]
    root = Path(args[0]) if args else Path("target/criterion")
    baselines = args[1:] or ["run1", "run2", "run3"]
    for case in CASES:
        print(f"### {case}\n")
        print("| operation | ours (ns) | rusmpp (ns) | rusmpp / ours | smpp34 (ns) | smpp34 / ours |")
        print("|---|---:|---:|---:|---:|---:|")
        for operation, label in OPERATIONS:
            cells = [label]
            ours, _ = median_ns(root, case, operation, "ours", baselines)
            cells.append(f"{ours:.1f}" if ours else "n/a")
            for codec in CODECS[1:]:
                theirs, _ = median_ns(root, case, operation, codec, baselines)
                cells.append(f"{theirs:.1f}" if theirs else "n/a")
                cells.append(f"{theirs / ours:.2f}" if theirs and ours else "n/a")
            print("| " + " | ".join(cells) + " |")
        print()
    counts = {median_ns(root, c, o, k, baselines)[1] for c in CASES for o, _ in OPERATIONS for k in CODECS}
    print(f"Runs found per measurement: {sorted(counts)} (baselines: {', '.join(baselines)})")


if __name__ == "__main__":
    main()
