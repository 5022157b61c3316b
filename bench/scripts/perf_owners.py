"""Summarise `perf script` output (recorded with --call-graph dwarf) by owner.

    perf record -e cpu-clock -F 199 --call-graph dwarf,16384 -p <gateway pid> -o g.data -- sleep 5
    perf script -i g.data > g.txt
    python3 bench/scripts/perf_owners.py g.txt

Prints the share of samples per thread name, the share whose leaf is the allocator or memmove,
and both broken down by the first frame of our own code or of a library we call (engine::,
ureq, serde, glommio, fjall/lsm_tree, core_api), which is where the work was asked for.
"""

import collections
import re
import sys

OWN = ("engine::", "<engine", "ureq", "<ureq", "serde", "<serde", "glommio", "<glommio",
       "fjall", "lsm_tree", "core_api", "<core_api", "crossbeam", "futures")
ALLOC = ("malloc", "free", "memmove", "memcpy", "realloc", "consolidate", "unlink_chunk")


def main(path, top=25):
    samples = open(path, errors="replace").read().split("\n\n")
    total = 0
    threads, owners, alloc = collections.Counter(), collections.Counter(), collections.Counter()
    alloc_total = 0
    for sample in samples:
        lines = [l.strip() for l in sample.strip().split("\n") if l.strip()]
        if len(lines) < 2:
            continue
        total += 1
        threads[lines[0].split()[0]] += 1
        frames = [re.sub(r"^[0-9a-f]+ ", "", l).rsplit(" (", 1)[0] for l in lines[1:]]
        owner = next((f for f in frames if f.startswith(OWN)), "?")
        owner = re.sub(r"\+0x[0-9a-f]+$", "", owner)[:120]
        owners[owner] += 1
        if any(a in frames[0] for a in ALLOC):
            alloc_total += 1
            alloc[owner] += 1
    if not total:
        sys.exit("no samples")
    pct = lambda n: f"{100 * n / total:5.1f}%"
    print(f"{total} samples; allocator/memmove leaf: {pct(alloc_total)}")
    print("\nby thread:")
    for name, n in threads.most_common(top):
        print(f"  {pct(n)} {name}")
    print("\nby first own/library frame:")
    for name, n in owners.most_common(top):
        print(f"  {pct(n)} {name}")
    print("\nallocator/memmove leaf, by first own/library frame:")
    for name, n in alloc.most_common(top):
        print(f"  {pct(n)} {name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
