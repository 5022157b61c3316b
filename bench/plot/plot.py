"""bench/plot: HdrHistogram .hgrm percentile distributions -> one PNG latency-percentile chart.

    bench/plot/run.sh bench/results/latency.png bench/results/hgrm/*.hgrm

The x axis is the classic HDR one: 1/(1-percentile) on a log scale, labelled 50%, 90%, 99%,
99.9%, 99.99%; the y axis is latency in milliseconds (log scale, the .hgrm files written by
`smpp-loadgen esme` are in ms). Each file is one line, labelled with its file name.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter  # noqa: E402


def read_hgrm(path):
    """(1/(1-q), value) points of a .hgrm file; the last (q = 1) point is kept at the end."""
    points = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or line.startswith("#"):
                continue
            try:
                value, q = float(parts[0]), float(parts[1])
            except ValueError:
                continue
            points.append((q, value))
    if not points:
        raise ValueError(f"{path}: no percentile lines (is it an .hgrm file?)")
    # Cap q = 1 (the max) at one more decade than the last finite tick so it stays on the axis.
    finite = [1 / (1 - q) for q, _ in points if q < 1]
    top = (max(finite) if finite else 1) * 10
    return [(1 / (1 - q) if q < 1 else top, v) for q, v in points]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", help="PNG file to write")
    parser.add_argument("hgrm", nargs="+", help=".hgrm files (one line each)")
    parser.add_argument("--title", default="omnimessage-smpp latency by percentile")
    args = parser.parse_args(argv)
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    for path in args.hgrm:
        try:
            points = read_hgrm(path)
        except (OSError, ValueError) as e:
            sys.exit(f"bench/plot: {e}")
        xs, ys = zip(*points)
        label = os.path.basename(path).removesuffix(".hgrm")
        ax.plot(xs, ys, label=label, linewidth=1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [1, 2, 10, 100, 1000, 10000, 100000]
    names = ["0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _: names[ticks.index(x)] if x in ticks else ""))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title(args.title)
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", alpha=0.12)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
