package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
)

// ops: iterations of each operation at scale 1 (the same table as the harness's codec.rs).
var ops = map[string]int{
	"pod2k_decode_json": 20000, "pod2k_encode_json": 20000,
	"pod10k_decode_json": 5000, "pod10k_encode_json": 5000,
	"podlist10k_decode_json": 3, "podlist10k_encode_json": 3,
	"cm1m_decode_json": 50, "cm1m_encode_json": 50,
	"pod10k_decode_yaml": 300, "pod10k_encode_yaml": 300, "podlist1k_decode_yaml": 2,
	"pod10k_decode_dyn": 5000, "pod10k_encode_dyn": 5000, "podlist10k_decode_dyn": 3,
}

// runCodec decodes and encodes with client-go's own serializers (what its REST client uses):
// the JSON and YAML serializers of k8s.io/apimachinery over the client-go scheme, and
// unstructured's JSON scheme for untyped objects.
func runCodec(f flags) *report {
	dir := f.str("inputs", "target/bench/inputs")
	scale := f.num("scale", 1)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fail(err)
		}
		return b
	}
	pod2k, pod10k, pod10kYAML := read("pod-2k.json"), read("pod-10k.json"), read("pod-10k.yaml")
	list10k, list1kYAML, cm1m := read("podlist-10k.json"), read("podlist-1k.yaml"), read("configmap-1m.json")
	js := jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, jsonserializer.SerializerOptions{})
	ys := jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, jsonserializer.SerializerOptions{Yaml: true})
	decode := func(s runtime.Decoder, data []byte, into runtime.Object) runtime.Object {
		obj, _, err := s.Decode(data, nil, into)
		if err != nil {
			fail(err)
		}
		return obj
	}
	encode := func(s runtime.Encoder, obj runtime.Object) []byte {
		var buf bytes.Buffer
		if err := s.Encode(obj, &buf); err != nil {
			fail(err)
		}
		return buf.Bytes()
	}
	r := newReport()
	names := func(items []corev1.Pod) []string {
		out := make([]string, len(items))
		for i := range items {
			out[i] = items[i].Name
		}
		return out
	}
	list := decode(js, list10k, &corev1.PodList{}).(*corev1.PodList)
	r.check("podlist10k_count", len(list.Items))
	r.check("podlist10k_names", namesChecksum(names(list.Items)))
	ylist := decode(ys, list1kYAML, &corev1.PodList{}).(*corev1.PodList)
	r.check("podlist1k_yaml_count", len(ylist.Items))
	r.check("podlist1k_yaml_names", namesChecksum(names(ylist.Items)))
	ulist := &unstructured.UnstructuredList{}
	if err := ulist.UnmarshalJSON(list10k); err != nil {
		fail(err)
	}
	unames := make([]string, len(ulist.Items))
	for i := range ulist.Items {
		unames[i] = ulist.Items[i].GetName()
	}
	r.check("podlist10k_dyn_count", len(ulist.Items))
	r.check("podlist10k_dyn_names", namesChecksum(unames))
	pod := decode(js, pod10k, &corev1.Pod{}).(*corev1.Pod)
	r.check("pod10k_containers", len(pod.Spec.Containers))
	cm := decode(js, cm1m, &corev1.ConfigMap{}).(*corev1.ConfigMap)
	r.check("cm1m_keys", len(cm.Data))
	small := decode(js, pod2k, &corev1.Pod{}).(*corev1.Pod)
	upod := &unstructured.Unstructured{}
	if err := upod.UnmarshalJSON(pod10k); err != nil {
		fail(err)
	}

	var sink any
	timeOp := func(name string, fn func() any) {
		base, ok := ops[name]
		if !ok {
			fail(fmt.Errorf("unknown op %s", name))
		}
		iters := int(math.Max(1, math.Round(float64(base)*scale)))
		start := time.Now()
		for i := 0; i < iters; i++ {
			sink = fn()
		}
		r.metric(name+"_us", float64(time.Since(start).Nanoseconds())/1e3/float64(iters))
	}
	timeOp("pod2k_decode_json", func() any { return decode(js, pod2k, &corev1.Pod{}) })
	timeOp("pod2k_encode_json", func() any { return encode(js, small) })
	timeOp("pod10k_decode_json", func() any { return decode(js, pod10k, &corev1.Pod{}) })
	timeOp("pod10k_encode_json", func() any { return encode(js, pod) })
	timeOp("podlist10k_decode_json", func() any { return decode(js, list10k, &corev1.PodList{}) })
	timeOp("podlist10k_encode_json", func() any { return encode(js, list) })
	timeOp("cm1m_decode_json", func() any { return decode(js, cm1m, &corev1.ConfigMap{}) })
	timeOp("cm1m_encode_json", func() any { return encode(js, cm) })
	timeOp("pod10k_decode_yaml", func() any { return decode(ys, pod10kYAML, &corev1.Pod{}) })
	timeOp("pod10k_encode_yaml", func() any { return encode(ys, pod) })
	timeOp("podlist1k_decode_yaml", func() any { return decode(ys, list1kYAML, &corev1.PodList{}) })
	timeOp("pod10k_decode_dyn", func() any {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(pod10k); err != nil {
			fail(err)
		}
		return u
	})
	timeOp("pod10k_encode_dyn", func() any {
		b, err := upod.MarshalJSON()
		if err != nil {
			fail(err)
		}
		return b
	})
	timeOp("podlist10k_decode_dyn", func() any {
		u := &unstructured.UnstructuredList{}
		if err := u.UnmarshalJSON(list10k); err != nil {
			fail(err)
		}
		return u
	})
	_ = sink
	return r
}
