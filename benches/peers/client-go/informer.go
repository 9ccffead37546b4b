package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"
)

// newFactory is an informer factory for namespace bench on the replay server, stripping
// managedFields (as every side does); streaming selects client-go's WatchListClient gate.
func newFactory(server string, streaming bool) informers.SharedInformerFactory {
	cfg := &rest.Config{Host: server, RateLimiter: flowcontrol.NewFakeAlwaysRateLimiter()}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	return factoryFor(cs, "bench", streaming)
}

var baseGates = clientfeatures.FeatureGates()

// watchListGate turns client-go's WatchListClient feature (streaming list) on or off; installed
// once, before any informer reads the gates.
type watchListGate struct{ on atomic.Bool }

var gate = func() *watchListGate {
	g := &watchListGate{}
	clientfeatures.ReplaceFeatureGates(g)
	return g
}()

func (g *watchListGate) Enabled(k clientfeatures.Feature) bool {
	if k == clientfeatures.WatchListClient {
		return g.on.Load()
	}
	return baseGates.Enabled(k)
}

// factoryFor is an informer factory for one namespace that strips managedFields (as every side
// does), syncing by streaming list or by paged list.
func factoryFor(cs kubernetes.Interface, ns string, streaming bool) informers.SharedInformerFactory {
	gate.on.Store(streaming)
	return informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns),
		informers.WithTransform(stripManagedFields))
}

// stripManagedFields is the usual informer transform (what k8s-rs's factory does by default).
func stripManagedFields(obj any) (any, error) {
	if a, err := meta.Accessor(obj); err == nil {
		a.SetManagedFields(nil)
	}
	return obj, nil
}

// waitSynced polls HasSynced every millisecond (cache.WaitForCacheSync polls every 100 ms,
// which would round every time to synced up to the next 100 ms).
func waitSynced(inf cache.SharedIndexInformer) {
	deadline := time.Now().Add(10 * time.Minute)
	for !inf.HasSynced() {
		if time.Now().After(deadline) {
			fail(fmt.Errorf("not synced after 10 minutes"))
		}
		time.Sleep(time.Millisecond)
	}
}

func storeChecks(r *report, inf cache.SharedIndexInformer, prefix string) {
	objs := inf.GetStore().List()
	names := make([]string, 0, len(objs))
	var maxRV uint64
	managed := 0
	for _, o := range objs {
		p := o.(*corev1.Pod)
		names = append(names, p.Name)
		if rv, err := strconv.ParseUint(p.ResourceVersion, 10, 64); err == nil && rv > maxRV {
			maxRV = rv
		}
		if p.ManagedFields != nil {
			managed++
		}
	}
	r.check(prefix+"count", len(objs))
	r.check(prefix+"names", namesChecksum(names))
	r.check(prefix+"max_rv", maxRV)
	r.check(prefix+"with_managed_fields", managed)
}

func runWatch(f flags) *report {
	server := f.str("server", "")
	pods, events := int64(f.num("pods", 1000)), int64(f.num("events", 100000))
	fac := newFactory(server, false)
	inf := fac.Core().V1().Pods().Informer()
	var count atomic.Int64
	target := pods + events
	done := make(chan struct{})
	bump := func() {
		if count.Add(1) == target {
			close(done)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { bump() },
		UpdateFunc: func(any, any) { bump() },
		DeleteFunc: func(any) { bump() },
	}); err != nil {
		fail(err)
	}
	stop := make(chan struct{})
	t0 := time.Now()
	fac.Start(stop)
	waitSynced(inf)
	tSync, cpuSync := time.Now(), cpuSeconds()
	select {
	case <-done:
	case <-time.After(20 * time.Minute):
		fail(fmt.Errorf("only %d of %d events", count.Load(), target))
	}
	elapsed, cpu := time.Since(tSync), cpuSeconds()-cpuSync
	r := newReport()
	r.check("handler_events", count.Load())
	storeChecks(r, inf, "store_")
	r.metric("time_to_synced_ms", float64(tSync.Sub(t0).Microseconds())/1e3)
	r.metric("events_per_s", float64(events)/elapsed.Seconds())
	r.metric("cpu_us_per_event", cpu*1e6/float64(events))
	r.metric("rss_end_mb", float64(rss())/1e6)
	close(stop)
	fac.Shutdown()
	return r
}

func benchCall(server, method, path string) string {
	req, err := http.NewRequestWithContext(context.Background(), method, server+path, nil)
	if err != nil {
		fail(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

// forceRelist: the server ends every open watch with 410 Gone; wait until it has served one
// more full sync, then settle.
func forceRelist(server string, settle time.Duration) {
	syncs := func() int {
		n, err := strconv.Atoi(benchCall(server, "GET", "/bench/syncs"))
		if err != nil {
			fail(err)
		}
		return n
	}
	before := syncs()
	benchCall(server, "POST", "/bench/expire")
	deadline := time.Now().Add(5 * time.Minute)
	for syncs() <= before {
		if time.Now().After(deadline) {
			fail(fmt.Errorf("no relist within 300 s after the forced expiry"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(settle)
}

func runInformer(f flags) *report {
	server := f.str("server", "")
	pods := f.num("pods", 10000)
	mode := f.str("mode", "list")
	if mode != "list" && mode != "stream" {
		fail(fmt.Errorf("--mode list|stream, not %q", mode))
	}
	r := newReport()
	baseline := rss()
	fac := newFactory(server, mode == "stream")
	inf := fac.Core().V1().Pods().Informer()
	stop := make(chan struct{})
	t0, c0 := time.Now(), cpuSeconds()
	fac.Start(stop)
	waitSynced(inf)
	r.metric("time_to_synced_ms", float64(time.Since(t0).Microseconds())/1e3)
	r.metric("sync_cpu_ms", (cpuSeconds()-c0)*1e3)
	r.metric("rss_synced_mb", float64(rss())/1e6)
	time.Sleep(2 * time.Second)
	// A long-running Go process collects at least every 2 minutes: measure after a collection.
	runtime.GC()
	steady := rss()
	r.metric("rss_steady_mb", float64(steady)/1e6)
	r.metric("bytes_per_object", float64(steady-baseline)/pods)
	storeChecks(r, inf, "")
	forceRelist(server, 2*time.Second)
	runtime.GC()
	r.metric("rss_after_relist_mb", float64(rss())/1e6)
	storeChecks(r, inf, "relisted_")
	close(stop)
	fac.Shutdown()
	return r
}
