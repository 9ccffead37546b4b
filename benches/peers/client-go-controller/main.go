// The client-go side of the sample-controller benchmark (benches/controller_compare.py): the
// same controller as examples/sample-controller (k8s.io/sample-controller plus the finalizer
// the k8s-rs one uses because the local plane has no garbage collector), written the way a Go
// user writes it: typed Foo structs with a REST client (what generated clientsets do), shared
// informers, a rate-limited workqueue and N workers. It runs until every Foo in the namespace
// has its Deployment and status, then prints one JSON line of figures.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

const finalizer = "samplecontroller.k8s.io/deployment"

var gv = schema.GroupVersion{Group: "samplecontroller.k8s.io", Version: "v1alpha1"}

type FooSpec struct {
	DeploymentName string `json:"deploymentName"`
	Replicas       *int32 `json:"replicas,omitempty"`
}

type FooStatus struct {
	AvailableReplicas  *int32 `json:"availableReplicas,omitempty"`
	DeploymentReplicas *int32 `json:"deploymentReplicas,omitempty"`
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`
}

type Foo struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              FooSpec    `json:"spec"`
	Status            *FooStatus `json:"status,omitempty"`
}

type FooList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Foo `json:"items"`
}

// What deepcopy-gen would write.
func (in *Foo) DeepCopyObject() runtime.Object {
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if in.Spec.Replicas != nil {
		r := *in.Spec.Replicas
		out.Spec.Replicas = &r
	}
	if in.Status != nil {
		s := *in.Status
		out.Status = &s
	}
	return &out
}

func (in *FooList) DeepCopyObject() runtime.Object {
	out := *in
	out.Items = make([]Foo, len(in.Items))
	for i := range in.Items {
		out.Items[i] = *in.Items[i].DeepCopyObject().(*Foo)
	}
	return &out
}

type counting struct {
	rt               http.RoundTripper
	requests, writes *atomic.Int64
}

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	if r.Method != http.MethodGet {
		c.writes.Add(1)
	}
	return c.rt.RoundTrip(r)
}

type controller struct {
	kube        kubernetes.Interface
	foos        rest.Interface
	fooStore    cache.Indexer
	deployments appslisters.DeploymentLister
	queue       workqueue.TypedRateLimitingInterface[string]
	ns          string
	syncs       atomic.Int64
}

func (c *controller) enqueue(obj interface{}) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *controller) handleObject(obj interface{}) {
	object, ok := obj.(metav1.Object)
	if !ok {
		tombstone, ok := obj.(cache.DeletedFinalStateUnknown)
		if !ok {
			return
		}
		if object, ok = tombstone.Obj.(metav1.Object); !ok {
			return
		}
	}
	owner := metav1.GetControllerOf(object)
	if owner == nil || owner.Kind != "Foo" {
		return
	}
	item, exists, err := c.fooStore.GetByKey(object.GetNamespace() + "/" + owner.Name)
	if err != nil || !exists || item.(*Foo).UID != owner.UID {
		return
	}
	c.enqueue(item)
}

func (c *controller) worker(ctx context.Context) {
	for {
		key, shutdown := c.queue.Get()
		if shutdown {
			return
		}
		if err := c.sync(ctx, key); err != nil {
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}

func hasFinalizer(foo *Foo) bool {
	for _, f := range foo.Finalizers {
		if f == finalizer {
			return true
		}
	}
	return false
}

func (c *controller) sync(ctx context.Context, key string) error {
	c.syncs.Add(1)
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	item, exists, err := c.fooStore.GetByKey(key)
	if err != nil || !exists {
		return err
	}
	foo := item.(*Foo)
	if foo.DeletionTimestamp != nil {
		return nil // not exercised by the benchmark
	}
	if !hasFinalizer(foo) {
		patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
			"finalizers":      append(append([]string{}, foo.Finalizers...), finalizer),
			"resourceVersion": foo.ResourceVersion,
		}})
		patched := &Foo{}
		if err := c.foos.Patch(types.MergePatchType).Namespace(ns).Resource("foos").Name(name).
			Body(patch).Do(ctx).Into(patched); err != nil {
			return err
		}
		foo = patched
	}
	if foo.Spec.DeploymentName == "" {
		return nil
	}
	deployment, err := c.deployments.Deployments(ns).Get(foo.Spec.DeploymentName)
	if errors.IsNotFound(err) {
		deployment, err = c.kube.AppsV1().Deployments(ns).Create(ctx, newDeployment(foo), metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	if !metav1.IsControlledBy(deployment, foo) {
		return fmt.Errorf("deployment %s is not controlled by foo %s", deployment.Name, foo.Name)
	}
	if foo.Spec.Replicas != nil && (deployment.Spec.Replicas == nil || *foo.Spec.Replicas != *deployment.Spec.Replicas) {
		d := deployment.DeepCopy()
		d.Spec.Replicas = foo.Spec.Replicas
		if deployment, err = c.kube.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	available := deployment.Status.AvailableReplicas
	want := FooStatus{AvailableReplicas: &available, DeploymentReplicas: deployment.Spec.Replicas, ObservedGeneration: &foo.Generation}
	if foo.Status != nil && eq32(foo.Status.AvailableReplicas, want.AvailableReplicas) &&
		eq32(foo.Status.DeploymentReplicas, want.DeploymentReplicas) && foo.Status.ObservedGeneration != nil &&
		*foo.Status.ObservedGeneration == foo.Generation {
		return nil
	}
	updated := foo.DeepCopyObject().(*Foo)
	updated.Status = &want
	return c.foos.Put().Namespace(ns).Resource("foos").Name(name).SubResource("status").
		Body(updated).Do(ctx).Error()
}

func eq32(a, b *int32) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func newDeployment(foo *Foo) *appsv1.Deployment {
	labels := map[string]string{"app": "nginx", "controller": foo.Name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:            foo.Spec.DeploymentName,
			Namespace:       foo.Namespace,
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(foo, gv.WithKind("Foo"))},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: foo.Spec.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:latest"}}},
			},
		},
	}
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig")
	ns := flag.String("namespace", "default", "namespace")
	workers := flag.Int("workers", 2, "workers")
	expect := flag.Int("expect", 1000, "Foos to wait for")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		panic(err)
	}
	cfg.QPS = -1 // no client-side rate limit, as on the k8s-rs side
	var requests, writes atomic.Int64
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return counting{rt: rt, requests: &requests, writes: &writes}
	}
	start := time.Now()
	kube := kubernetes.NewForConfigOrDie(cfg)

	scheme := runtime.NewScheme()
	scheme.AddKnownTypes(gv, &Foo{}, &FooList{})
	metav1.AddToGroupVersion(scheme, gv)
	fooCfg := rest.CopyConfig(cfg)
	fooCfg.GroupVersion = &gv
	fooCfg.APIPath = "/apis"
	fooCfg.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	fooClient, err := rest.RESTClientFor(fooCfg)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	paramCodec := runtime.NewParameterCodec(scheme)
	fooInformer := cache.NewSharedIndexInformer(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			list := &FooList{}
			err := fooClient.Get().Namespace(*ns).Resource("foos").VersionedParams(&o, paramCodec).Do(ctx).Into(list)
			return list, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.Watch = true
			return fooClient.Get().Namespace(*ns).Resource("foos").VersionedParams(&o, paramCodec).Watch(ctx)
		},
	}, &Foo{}, 30*time.Second, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	factory := informers.NewSharedInformerFactoryWithOptions(kube, 30*time.Second, informers.WithNamespace(*ns))
	depInformer := factory.Apps().V1().Deployments()
	c := &controller{
		kube:        kube,
		foos:        fooClient,
		fooStore:    fooInformer.GetIndexer(),
		deployments: depInformer.Lister(),
		queue:       workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		ns:          *ns,
	}
	fooInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n interface{}) { c.enqueue(n) },
	})
	depInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.handleObject,
		UpdateFunc: func(o, n interface{}) {
			if o.(*appsv1.Deployment).ResourceVersion == n.(*appsv1.Deployment).ResourceVersion {
				return
			}
			c.handleObject(n)
		},
		DeleteFunc: c.handleObject,
	})
	go fooInformer.Run(ctx.Done())
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), fooInformer.HasSynced, depInformer.Informer().HasSynced) {
		panic("caches did not sync")
	}
	synced := time.Since(start)
	for i := 0; i < *workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	converged := func() int {
		n := 0
		for _, item := range c.fooStore.List() {
			foo := item.(*Foo)
			if foo.Status != nil && eq32(foo.Status.DeploymentReplicas, foo.Spec.Replicas) {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Minute)
	for converged() < *expect {
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("only %d of %d Foos converged", converged(), *expect))
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	c.queue.ShutDown()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	out, _ := json.Marshal(map[string]interface{}{
		"side": "client-go", "foos": converged(), "workers": *workers,
		"seconds": elapsed.Seconds(), "synced_seconds": synced.Seconds(),
		"reconciles": c.syncs.Load(), "requests": requests.Load(), "writes": writes.Load(),
		"reconciles_per_s": float64(*expect) / elapsed.Seconds(),
		"cpu_seconds":      cpu.Seconds(), "max_rss_kb": ru.Maxrss,
	})
	fmt.Println(string(out))
}
