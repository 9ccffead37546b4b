#!/usr/bin/env python3
"""Sample controller: k8s-rs (examples/sample-controller) vs client-go (benches/peers/client-go-controller).

Usage (from the repository root, with `cargo xtask cluster up` done):
    python3 benches/controller_compare.py [runs=3] [foos=1000] [workers=1,4,16]
For each worker count and run, each side gets a fresh namespace holding `foos` unreconciled Foos
(created before its clock starts); the controller process starts, syncs its informers and
reconciles until every Foo has its Deployment and status, then reports its time, reconciles,
requests, CPU and peak RSS. Sides alternate (A B A B …). Namespaces are emptied afterwards
(the plane has no namespace controller, so they stay, empty).
"""
import json, os, statistics, subprocess, sys, random

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
foos = sys.argv[2] if len(sys.argv) > 2 else "1000"
workers = [int(w) for w in (sys.argv[3] if len(sys.argv) > 3 else "1,4,16").split(",")]
env = dict(os.environ)
kubeconfig = subprocess.run(["cargo", "xtask", "cluster", "env"], cwd=root, capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
env["KUBECONFIG"] = kubeconfig
subprocess.run(["cargo", "build", "--release", "-q", "-p", "sample-controller", "--bin", "sample-controller-bench"], cwd=root, check=True)
peer_dir = os.path.join(root, "benches", "peers", "client-go-controller")
peer_bin = os.path.join(root, "target", "bench", "client-go-controller")
subprocess.run(["go", "build", "-o", peer_bin, "."], cwd=peer_dir, check=True)
ours = os.path.join(root, "target", "release", "sample-controller-bench")
tag = "%04x" % random.randrange(1 << 16)
results = {}
for w in workers:
    for run in range(runs):
        for side in ("k8s-rs", "client-go"):
            ns = f"ctrl-{tag}-{side}-{w}-{run}"
            subprocess.run([ours, "setup", ns, foos], env=env, check=True)
            cmd = [ours, "run", ns, str(w), foos] if side == "k8s-rs" else [peer_bin, "-namespace", ns, "-workers", str(w), "-expect", foos]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            assert r["foos"] == int(foos), r  # both sides saw every Foo converge
            results.setdefault((w, side), []).append(r)
            subprocess.run([ours, "cleanup", ns], env=env, check=True)
            print(f"workers={w} run={run} {side}: {r['reconciles_per_s']:.0f} Foos/s, {r['requests']} requests, {r['max_rss_kb'] / 1024:.1f} MiB", file=sys.stderr)
print(f"{'workers':<8}{'metric':<18}{'k8s-rs median [min..max]':<30}{'client-go median [min..max]':<30}ours/peer")
for w in workers:
    for metric in ("reconciles_per_s", "cpu_seconds", "max_rss_kb", "requests", "writes", "reconciles"):
        a = [r[metric] for r in results[(w, "k8s-rs")]]
        b = [r[metric] for r in results[(w, "client-go")]]
        ma, mb = statistics.median(a), statistics.median(b)
        fmt = lambda m, v: f"{m:.1f} [{min(v):.1f}..{max(v):.1f}]"
        print(f"{w:<8}{metric:<18}{fmt(ma, a):<30}{fmt(mb, b):<30}{ma / mb if mb else float('nan'):.2f}")
os.makedirs(os.path.join(root, "target", "bench"), exist_ok=True)
with open(os.path.join(root, "target", "bench", "controller_compare.json"), "w") as f:
    json.dump({f"{w}/{s}": v for (w, s), v in results.items()}, f, indent=1)
