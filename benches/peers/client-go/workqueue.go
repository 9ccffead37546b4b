package main

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
)

// queue is what client-go's typed workqueue and controller-runtime's priority queue share.
type queue interface {
	Add(item int)
	Get() (int, bool)
	Done(item int)
	Len() int
	ShutDown()
}

func newQueue(kind string) queue {
	if kind == "pq" {
		return priorityqueue.New[int]("")
	}
	return workqueue.NewTyped[int]()
}

// producerConsumers: one producer adds n distinct items while `workers` workers get and done
// them; items fully processed per second.
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

// batches: one goroutine adds 1,000 distinct items, then gets and dones them, n/1000 times.
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

// manyAdders: `tasks` goroutines each add n/tasks distinct items, yielding after each add;
// adds/s counts until the queue holds them all.
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
	// Until the queue holds every item: controller-runtime's AddWithOpts only appends to a
	// buffer that a goroutine (or Len, Get) applies later; Len waits for that work.
	if q.Len() != per*tasks {
		fail(errorf("queue holds %d items, not %d", q.Len(), per*tasks))
	}
	elapsed := time.Since(start)
	all := make([]int64, 0, n)
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return float64(per*tasks) / elapsed.Seconds(), all
}

// bytesPerItem: resident-memory growth per queued item after n distinct adds (as on our side).
func bytesPerItem(kind string, n int) float64 {
	before := rss()
	q := newQueue(kind)
	for i := 0; i < n; i++ {
		q.Add(i)
	}
	if q.Len() != n { // controller-runtime buffers adds; Len flushes them into its trees
		fail(errorf("queue holds %d items, not %d", q.Len(), n))
	}
	b := float64(rss()-before) / float64(n)
	runtime.KeepAlive(q)
	q.ShutDown()
	return b
}

func pct(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

func runWorkqueue(f flags) *report {
	n := int(f.num("n", 1_000_000))
	r := newReport()
	r.check("items", n)
	r.metric("queue_mem_bytes_per_item", bytesPerItem("queue", n))
	r.metric("pq_mem_bytes_per_item", bytesPerItem("pq", n))
	for _, kind := range []string{"queue", "pq"} {
		r.metric(kind+"_batch1000_per_s", batches(kind, n))
		r.metric(kind+"_spsc_per_s", producerConsumers(kind, n, 1))
		r.metric(kind+"_8workers_per_s", producerConsumers(kind, n, 8))
		ops, lat := manyAdders(kind, n, 1000)
		r.metric(kind+"_add1000tasks_per_s", ops)
		r.metric(kind+"_add1000tasks_p99_us", float64(pct(lat, 0.99))/1e3)
	}
	return r
}
