// Command client-go-peer is the client-go v0.37.2 side of the k8s-rs peer benchmarks (run by
// `cargo xtask bench`): the same scenarios as benches/harness (k8s-rs-bench), each printing one
// JSON line {"side","scenario","checks","metrics"}.
//
//	client-go-peer codec --inputs DIR [--scale F]
//	client-go-peer workqueue [--n N]
//	client-go-peer watch --server URL --pods N --events N
//	client-go-peer informer --server URL --pods N --mode list|stream
//	client-go-peer e2e [...]
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: client-go-peer <codec|workqueue|informer|e2e> [--flag value ...]"))
	}
	f := parseFlags(os.Args[2:])
	switch os.Args[1] {
	case "codec":
		runCodec(f).emit("codec")
	case "workqueue":
		runWorkqueue(f).emit("workqueue")
	case "watch":
		runWatch(f).emit("watch")
	case "informer":
		runInformer(f).emit("informer")
	case "e2e":
		runE2E(f).emit("e2e")
	default:
		fail(fmt.Errorf("unknown scenario %q", os.Args[1]))
	}
}
