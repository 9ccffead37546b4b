// Oracle for k8s-api's strategic merge patch tests: Go's own implementation
// (k8s.io/apimachinery/pkg/util/strategicpatch) with the Go types of k8s.io/api.
//
//	strategicpatch-oracle apply < cases.jsonl   one result line per case line
//	strategicpatch-oracle diff < cases.jsonl    CreateTwoWayMergePatch(original, modified)
//	strategicpatch-oracle diff3 < cases.jsonl   CreateThreeWayMergePatch(original, modified,
//	                                            current, overwrite)
//	strategicpatch-oracle merge2 < cases.jsonl  JSON merge patch: jsonpatch.CreateMergePatch
//	strategicpatch-oracle merge3 < cases.jsonl  jsonmergepatch.CreateThreeWayJSONMergePatch
//	strategicpatch-oracle meta                  the patchStrategy/patchMergeKey tags of every
//	                                            struct reachable from a registered kind
//
// A case is {"apiVersion", "kind", "original", "patch" (or "modified"), "runs"}. The patch is
// applied (or created) "runs" times (Go iterates maps in random order, and a few patches depend on that order); the
// answer lists the distinct outcomes: {"results": [{"ok": <object>} | {"err": "<message>"}]}.
// A panic in Go's code is an error outcome "panic: <value>".
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/scheme"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

type testCase struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Original   json.RawMessage `json:"original"`
	Patch      json.RawMessage `json:"patch"`
	Modified   json.RawMessage `json:"modified"`
	Current    json.RawMessage `json:"current"`
	Overwrite  bool            `json:"overwrite"`
	Runs       int             `json:"runs"`
}

type outcome struct {
	Ok  json.RawMessage `json:"ok,omitempty"`
	Err *string         `json:"err,omitempty"`
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{scheme.AddToScheme, apiextensionsv1.AddToScheme, apiregistrationv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func once(mode string, obj runtime.Object, c *testCase) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("panic: %v", r)
			out = outcome{Err: &msg}
		}
	}()
	var result []byte
	var err error
	switch mode {
	case "diff":
		result, err = strategicpatch.CreateTwoWayMergePatch(c.Original, c.Modified, obj)
	case "diff3":
		var meta strategicpatch.LookupPatchMeta
		meta, err = strategicpatch.NewPatchMetaFromStruct(obj)
		if err == nil {
			result, err = strategicpatch.CreateThreeWayMergePatch(c.Original, c.Modified, c.Current, meta, c.Overwrite)
		}
	case "merge2":
		result, err = jsonpatch.CreateMergePatch(c.Original, c.Modified)
	case "merge3":
		result, err = jsonmergepatch.CreateThreeWayJSONMergePatch(c.Original, c.Modified, c.Current)
	default:
		result, err = strategicpatch.StrategicMergePatch(c.Original, c.Patch, obj)
	}
	if err != nil {
		msg := err.Error()
		return outcome{Err: &msg}
	}
	return outcome{Ok: result}
}

func run(s *runtime.Scheme, mode string) {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var c testCase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fmt.Fprintf(os.Stderr, "bad case line: %v\n", err)
			os.Exit(2)
		}
		gv, err := schema.ParseGroupVersion(c.APIVersion)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bad apiVersion %q: %v\n", c.APIVersion, err)
			os.Exit(2)
		}
		obj, err := s.New(gv.WithKind(c.Kind))
		if err != nil {
			fmt.Fprintf(os.Stderr, "unknown kind %s %s: %v\n", c.APIVersion, c.Kind, err)
			os.Exit(2)
		}
		if c.Runs < 1 {
			c.Runs = 1
		}
		var results []outcome
		seen := map[string]bool{}
		for i := 0; i < c.Runs; i++ {
			o := once(mode, obj, &c)
			key, _ := json.Marshal(o)
			if !seen[string(key)] {
				seen[string(key)] = true
				results = append(results, o)
			}
		}
		if err := enc.Encode(map[string]any{"results": results}); err != nil {
			panic(err)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "reading cases: %v\n", err)
		os.Exit(2)
	}
}

// openAPIName is the OpenAPI schema name of a Go type: k8s.io/api/core/v1.PodSpec →
// io.k8s.api.core.v1.PodSpec.
func openAPIName(t reflect.Type) string {
	path := t.PkgPath()
	parts := strings.SplitN(path, "/", 2)
	domain := strings.Split(parts[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	name := strings.Join(domain, ".")
	if len(parts) == 2 {
		name += "." + strings.ReplaceAll(parts[1], "/", ".")
	}
	return name + "." + t.Name()
}

type fieldTags struct {
	Strategy string `json:"strategy"`
	MergeKey string `json:"mergeKey"`
}

// collect records the tagged fields of every struct reachable from t.
func collect(t reflect.Type, out map[string]map[string]fieldTags) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() == "" {
		return
	}
	name := openAPIName(t)
	if _, done := out[name]; done {
		return
	}
	fields := map[string]fieldTags{}
	out[name] = fields
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			jsonName := strings.Split(tag, ",")[0]
			if jsonName == "-" {
				continue
			}
			if f.Anonymous && jsonName == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if jsonName == "" {
				jsonName = f.Name
			}
			strategy, mergeKey := f.Tag.Get("patchStrategy"), f.Tag.Get("patchMergeKey")
			if strategy != "" || mergeKey != "" {
				fields[jsonName] = fieldTags{Strategy: strategy, MergeKey: mergeKey}
			}
			collect(f.Type, out)
		}
	}
	walk(t)
}

func meta(s *runtime.Scheme) {
	out := map[string]map[string]fieldTags{}
	var kinds []string
	for gvk, t := range s.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		kinds = append(kinds, gvk.GroupVersion().String()+" "+gvk.Kind)
		collect(t, out)
	}
	sort.Strings(kinds)
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{"kinds": kinds, "types": out}); err != nil {
		panic(err)
	}
}

func main() {
	s := newScheme()
	switch {
	case len(os.Args) == 2 && (os.Args[1] == "apply" || os.Args[1] == "diff" || os.Args[1] == "diff3" || os.Args[1] == "merge2" || os.Args[1] == "merge3"):
		run(s, os.Args[1])
	case len(os.Args) == 2 && os.Args[1] == "meta":
		meta(s)
	default:
		fmt.Fprintln(os.Stderr, "usage: strategicpatch-oracle apply|diff|diff3|merge2|merge3|meta")
		os.Exit(2)
	}
}
