package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
)

// runE2E: the harness's e2e scenario against the real control plane (KUBECONFIG), client-side
// rate limiting off: sequential GETs, full LISTs, merge PATCHes, informer time to synced.
func runE2E(f flags) *report {
	ns := f.str("namespace", "bench-e2e")
	count := int(f.num("count", 10000))
	gets, lists, patches := int(f.num("gets", 2000)), int(f.num("lists", 5)), int(f.num("patches", 1000))
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		fail(err)
	}
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	api := cs.CoreV1().ConfigMaps(ns)
	name := func(i int) string { return fmt.Sprintf("cm-%05d", i%count) }
	must := func(err error) {
		if err != nil {
			fail(err)
		}
	}
	r := newReport()
	_, err = api.Get(ctx, name(0), metav1.GetOptions{})
	must(err)
	t, c := time.Now(), cpuSeconds()
	for i := 0; i < gets; i++ {
		_, err := api.Get(ctx, name(i), metav1.GetOptions{})
		must(err)
	}
	r.metric("get_per_s", float64(gets)/time.Since(t).Seconds())
	r.metric("cpu_us_per_get", (cpuSeconds()-c)*1e6/float64(gets))
	t, c = time.Now(), cpuSeconds()
	var names []string
	for i := 0; i < lists; i++ {
		l, err := api.List(ctx, metav1.ListOptions{})
		must(err)
		names = names[:0]
		for j := range l.Items {
			names = append(names, l.Items[j].Name)
		}
	}
	r.metric("list_per_s", float64(lists)/time.Since(t).Seconds())
	r.metric("cpu_ms_per_list", (cpuSeconds()-c)*1e3/float64(lists))
	r.check("list_count", len(names))
	r.check("list_names", namesChecksum(names))
	nonce := strconv.FormatInt(time.Now().UnixNano(), 10)
	t, c = time.Now(), cpuSeconds()
	for i := 0; i < patches; i++ {
		patch := []byte(`{"metadata":{"annotations":{"bench/nonce":"` + nonce + `"}}}`)
		_, err := api.Patch(ctx, name(i), types.MergePatchType, patch, metav1.PatchOptions{})
		must(err)
	}
	r.metric("patch_per_s", float64(patches)/time.Since(t).Seconds())
	r.metric("cpu_us_per_patch", (cpuSeconds()-c)*1e6/float64(patches))
	for _, mode := range []string{"list", "stream"} {
		fac := factoryFor(cs, ns, mode == "stream")
		inf := fac.Core().V1().ConfigMaps().Informer()
		stop := make(chan struct{})
		t := time.Now()
		fac.Start(stop)
		waitSynced(inf)
		r.metric("time_to_synced_"+mode+"_ms", float64(time.Since(t).Microseconds())/1e3)
		r.check("informer_"+mode+"_count", len(inf.GetStore().List()))
		close(stop)
		fac.Shutdown()
	}
	return r
}
