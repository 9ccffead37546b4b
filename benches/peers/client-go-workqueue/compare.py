#!/usr/bin/env python3
"""Runs k8s-workqueue's `compare` bench and this Go peer alternately (A B A B ...) and prints
the medians and the ratio ours/peer per workload.

    python3 benches/peers/client-go-workqueue/compare.py [RUNS] [WORKLOADS]

RUNS defaults to 5; WORKLOADS is a comma-separated list (default: all of them). Both binaries
are built first (release). Set CARGO_TARGET_DIR as usual to pick the cargo target directory.
"""

import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ALL = [
    f"{kind}_{w}"
    for kind in ("queue", "pq")
    for w in ("mem", "batch1000", "spsc", "8workers", "add_1000tasks")
]


def build_rust():
    out = subprocess.run(
        ["cargo", "bench", "-p", "k8s-workqueue", "--bench", "compare", "--no-run",
         "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "compare" \
                and msg.get("executable"):
            return msg["executable"]
    sys.exit("compare bench executable not found")


def build_go():
    exe = os.path.join(os.environ.get("TMPDIR", "/tmp"), "client-go-workqueue-peer")
    subprocess.run(["go", "build", "-o", exe, "."], cwd=HERE, check=True)
    return exe


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    only = sys.argv[2] if len(sys.argv) > 2 else ",".join(ALL)
    ours, peer = build_rust(), build_go()
    results = {}
    for _ in range(runs):
        for side, cmd in (("ours", [ours, "--only", only]), ("peer", [peer, "-only", only])):
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                for metric in ("ops_per_sec", "p99_add_ns", "bytes_per_item"):
                    if r.get(metric):
                        results.setdefault((r["workload"], metric, side), []).append(r[metric])
    print(f"{'workload':22} {'metric':15} {'ours':>12} {'peer':>12} {'ours/peer':>9}  runs ours | peer")
    for workload in only.split(","):
        for metric in ("ops_per_sec", "p99_add_ns", "bytes_per_item"):
            a = results.get((workload, metric, "ours"), [])
            b = results.get((workload, metric, "peer"), [])
            if not a or not b:
                continue
            ma, mb = statistics.median(a), statistics.median(b)
            fmt = " ".join(f"{x:.3g}" for x in a) + " | " + " ".join(f"{x:.3g}" for x in b)
            print(f"{workload:22} {metric:15} {ma:12.4g} {mb:12.4g} {ma / mb:9.2f}  {fmt}")


if __name__ == "__main__":
    main()
