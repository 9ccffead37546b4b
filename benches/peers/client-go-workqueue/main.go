// Command client-go-workqueue is the peer benchmark for k8s-workqueue: the same workloads as
// workqueue/benches/compare.rs, run on client-go's typed workqueue and controller-runtime's
// priority queue. It prints one JSON object per workload.
//
//	go run . [-n 1000000] [-only queue_spsc,pq_spsc]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
)

// queue is what both queues offer for these workloads.
type queue interface {
	Add(item int)
	Get() (int, bool)
	Done(item int)
	ShutDown()
}

type result struct {
	Impl      string  `json:"impl"`
	Workload  string  `json:"workload"`
	Items     int     `json:"items"`
	OpsPerSec float64 `json:"ops_per_sec"`
	P50AddNs  int64   `json:"p50_add_ns,omitempty"`
	P99AddNs  int64   `json:"p99_add_ns,omitempty"`
	MaxAddNs  int64   `json:"max_add_ns,omitempty"`
	BytesItem float64 `json:"bytes_per_item,omitempty"`
}

func newQueue(kind string) queue {
	if kind == "pq" {
		return priorityqueue.New[int]("")
	}
	return workqueue.NewTyped[int]()
}

// producerConsumers: one producer adds n distinct items while `workers` workers get and done
// them; ops/s is items fully processed (add+get+done) per second.
func producerConsumers(kind string, n, workers int) float64 {
	q := newQueue(kind)
	var wg sync.WaitGroup
	var remaining atomic.Int64
	remaining.Store(int64(n))
	finished := make(chan struct{})
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				item, shutdown := q.Get()
				if shutdown {
					return
				}
				q.Done(item)
				if remaining.Add(-1) == 0 {
					close(finished)
				}
			}
		}()
	}
	go func() {
		for i := 0; i < n; i++ {
			q.Add(i)
		}
	}()
	<-finished
	elapsed := time.Since(start)
	q.ShutDown()
	wg.Wait()
	return float64(n) / elapsed.Seconds()
}

// batches: one goroutine adds 1,000 distinct items, then gets and dones them, n/1000 times
// (controller-runtime's BenchmarkAddGetDone); no contention, the cost of the operations alone.
func batches(kind string, n int) float64 {
	q := newQueue(kind)
	defer q.ShutDown()
	start := time.Now()
	for r := 0; r < n/1000; r++ {
		for i := 0; i < 1000; i++ {
			q.Add(i)
		}
		for i := 0; i < 1000; i++ {
			item, _ := q.Get()
			q.Done(item)
		}
	}
	return float64(n/1000*1000) / time.Since(start).Seconds()
}

// manyAdders: `tasks` goroutines each add n/tasks distinct items (yielding after each add) into
// an empty queue; returns adds/s and the add latency distribution.
func manyAdders(kind string, n, tasks int) (float64, []int64) {
	q := newQueue(kind)
	defer q.ShutDown()
	per := n / tasks
	lat := make([][]int64, tasks)
	var wg sync.WaitGroup
	start := time.Now()
	for t := 0; t < tasks; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			l := make([]int64, 0, per)
			base := t * per
			for i := 0; i < per; i++ {
				s := time.Now()
				q.Add(base + i)
				l = append(l, int64(time.Since(s)))
				runtime.Gosched()
			}
			lat[t] = l
		}(t)
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := make([]int64, 0, n)
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return float64(per*tasks) / elapsed.Seconds(), all
}

// bytesPerItem: heap growth per queued item after n distinct adds.
func bytesPerItem(kind string, n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	q := newQueue(kind)
	for i := 0; i < n; i++ {
		q.Add(i)
	}
	if kind == "pq" {
		// controller-runtime buffers adds; Len flushes the buffer into the trees.
		q.(priorityqueue.PriorityQueue[int]).Len()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	runtime.KeepAlive(q)
	q.ShutDown()
	return b
}

func pct(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func main() {
	n := flag.Int("n", 1_000_000, "items per workload")
	only := flag.String("only", "", "comma-separated workloads to run (default: all)")
	flag.Parse()
	want := func(name string) bool {
		return *only == "" || slices.Contains(strings.Split(*only, ","), name)
	}
	enc := json.NewEncoder(os.Stdout)
	emit := func(r result) {
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	impls := map[string]string{"queue": "client-go v0.37.2", "pq": "controller-runtime v0.25.2"}
	for _, kind := range []string{"queue", "pq"} {
		if w := kind + "_mem"; want(w) {
			emit(result{Impl: impls[kind], Workload: w, Items: *n, BytesItem: bytesPerItem(kind, *n)})
		}
		if w := kind + "_batch1000"; want(w) {
			emit(result{Impl: impls[kind], Workload: w, Items: *n, OpsPerSec: batches(kind, *n)})
		}
		if w := kind + "_spsc"; want(w) {
			emit(result{Impl: impls[kind], Workload: w, Items: *n, OpsPerSec: producerConsumers(kind, *n, 1)})
		}
		if w := kind + "_8workers"; want(w) {
			emit(result{Impl: impls[kind], Workload: w, Items: *n, OpsPerSec: producerConsumers(kind, *n, 8)})
		}
		if w := kind + "_add_1000tasks"; want(w) {
			ops, lat := manyAdders(kind, *n, 1000)
			emit(result{Impl: impls[kind], Workload: w, Items: *n, OpsPerSec: ops,
				P50AddNs: pct(lat, 0.50), P99AddNs: pct(lat, 0.99), MaxAddNs: pct(lat, 1)})
		}
	}
}
