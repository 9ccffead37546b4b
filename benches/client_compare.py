#!/usr/bin/env python3
"""Client get/list throughput against the local control plane: k8s-rs vs kube-rs, alternating runs.

Usage (from the repository root, with `cargo xtask cluster up` done):
    python3 benches/client_compare.py [runs=5] [gets=1000] [lists=20]
Builds both sides in release mode, creates 1,000 ConfigMaps (≈0.6 KB each) in namespace
`client-bench`, runs A B A B …, and prints medians, min/max and the ratio ours/peer.
"""
import json, os, statistics, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
gets = sys.argv[2] if len(sys.argv) > 2 else "1000"
lists = sys.argv[3] if len(sys.argv) > 3 else "20"
env = dict(os.environ)
kubeconfig = subprocess.run(["cargo", "xtask", "cluster", "env"], cwd=root, capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
env["KUBECONFIG"] = kubeconfig
subprocess.run(["cargo", "build", "--release", "-q", "-p", "k8s-rs-tests", "--bin", "client_bench"], cwd=root, check=True)
peer_dir = os.path.join(root, "benches", "peers", "kube-rs")
subprocess.run(["cargo", "build", "--release", "-q"], cwd=peer_dir, check=True)
ours = [os.path.join(root, "target", "release", "client_bench")]
peer = [os.path.join(peer_dir, "target", "release", "kube-rs-peer")]
ns = "client-bench"
subprocess.run(ours + ["setup", ns, "1000"], env=env, check=True)
# k8s-rs runs twice: with its default HTTP/2 (as client-go) and with DISABLE_HTTP2=1 (HTTP/1.1,
# what kube-rs speaks).
h1_env = dict(env, DISABLE_HTTP2="1")
sides = (("k8s-rs", ours + ["run", ns, gets, lists], env),
         ("k8s-rs-h1", ours + ["run", ns, gets, lists], h1_env),
         ("kube-rs", peer + [ns, gets, lists], env))
results = {name: [] for name, _, _ in sides}
for _ in range(runs):
    for name, cmd, side_env in sides:
        out = subprocess.run(cmd, env=side_env, capture_output=True, text=True, check=True).stdout
        results[name].append(json.loads(out.strip().splitlines()[-1]))
fmt = lambda v: f"{statistics.median(v):.1f} [{min(v):.1f}..{max(v):.1f}]"
print(f"{'metric':<16}{'k8s-rs (h2)':<26}{'k8s-rs (h1)':<26}{'kube-rs (h1)':<26}h2/kube-rs  h1/kube-rs")
for metric in ("get_per_s", "list_per_s", "cpu_us_per_get", "cpu_us_per_list"):
    a, h, b = ([r[metric] for r in results[n]] for n in ("k8s-rs", "k8s-rs-h1", "kube-rs"))
    mb = statistics.median(b)
    print(f"{metric:<16}{fmt(a):<26}{fmt(h):<26}{fmt(b):<26}{statistics.median(a) / mb:<12.2f}{statistics.median(h) / mb:.2f}")
os.makedirs(os.path.join(root, "target", "bench"), exist_ok=True)
with open(os.path.join(root, "target", "bench", "client_compare.json"), "w") as f:
    json.dump(results, f, indent=1)
