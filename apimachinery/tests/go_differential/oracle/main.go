// Oracle for k8s-apimachinery's randomized differential test (apimachinery/tests/go_differential.rs):
// the answers of Go's k8s.io/apimachinery v0.37.2 for a stream of cases.
//
//	apimachinery-oracle < cases.jsonl > answers.jsonl
//
// Every input line is a JSON array ["area", arguments...]; every output line is the answer, a
// JSON array of strings, in the same order. The areas:
//
//	["q", s]                 resource.ParseQuantity: ["err"] or ["ok", String(), Value(), MilliValue(), Format]
//	["q2", a, b]             both parsed: ["ok", Cmp, (a+b).String(), (a-b).String()], else ["err"]
//	["ls", sel, set...]      labels.Parse: ["err"] or ["ok", String(), "1"/"0" per label set]
//	["fs", sel, set...]      fields.ParseSelector: ["err"] or ["ok", String(), "1"/"0" per field set]
//	["v", s]                 validation messages (joined by "\n"): qualified name, label value,
//	                         DNS-1123 label, DNS-1123 subdomain, path segment name, path segment prefix
//	["t", s]                 metav1.Time and metav1.MicroTime decoded from s (as a JSON string) and
//	                         encoded again: [time, microTime], each "err" or the JSON text
//	["io", json, total, up]  intstr.IntOrString decoded from json and encoded again, and
//	                         GetScaledValueFromIntOrPercent(total, up): [json or "err", value or "err"]
//	["d", s]                 metav1.Duration decoded from s (as a JSON string) and encoded again:
//	                         [json or "err"]
//
// A label or field set is a JSON object of strings. A panic in Go's code answers ["panic", message].
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

func str(v json.RawMessage) string {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		panic(fmt.Sprintf("bad case argument %s: %v", v, err))
	}
	return s
}

func set(v json.RawMessage) map[string]string {
	var m map[string]string
	if err := json.Unmarshal(v, &m); err != nil {
		panic(fmt.Sprintf("bad set %s: %v", v, err))
	}
	return m
}

func bits(match func(map[string]string) bool, sets []json.RawMessage) string {
	var b strings.Builder
	for _, s := range sets {
		if match(set(s)) {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func quantity(args []json.RawMessage) []string {
	q, err := resource.ParseQuantity(str(args[0]))
	if err != nil {
		return []string{"err"}
	}
	v, m := q.Value(), q.MilliValue()
	return []string{"ok", q.String(), strconv.FormatInt(v, 10), strconv.FormatInt(m, 10), string(q.Format)}
}

func quantity2(args []json.RawMessage) []string {
	a, err1 := resource.ParseQuantity(str(args[0]))
	b, err2 := resource.ParseQuantity(str(args[1]))
	if err1 != nil || err2 != nil {
		return []string{"err"}
	}
	sum, diff := a.DeepCopy(), a.DeepCopy()
	sum.Add(b)
	diff.Sub(b)
	return []string{"ok", strconv.Itoa(a.Cmp(b)), sum.String(), diff.String()}
}

func labelSelector(args []json.RawMessage) []string {
	sel, err := labels.Parse(str(args[0]))
	if err != nil {
		return []string{"err"}
	}
	return []string{"ok", sel.String(), bits(func(m map[string]string) bool { return sel.Matches(labels.Set(m)) }, args[1:])}
}

func fieldSelector(args []json.RawMessage) []string {
	sel, err := fields.ParseSelector(str(args[0]))
	if err != nil {
		return []string{"err"}
	}
	return []string{"ok", sel.String(), bits(func(m map[string]string) bool { return sel.Matches(fields.Set(m)) }, args[1:])}
}

func validate(args []json.RawMessage) []string {
	s := str(args[0])
	j := func(errs []string) string { return strings.Join(errs, "\n") }
	return []string{
		j(validation.IsQualifiedName(s)),
		j(validation.IsValidLabelValue(s)),
		j(validation.IsDNS1123Label(s)),
		j(validation.IsDNS1123Subdomain(s)),
		j(pathvalidation.IsValidPathSegmentName(s)),
		j(pathvalidation.IsValidPathSegmentPrefix(s)),
	}
}

// roundTrip decodes the JSON string s into v and encodes v again.
func roundTrip(s string, v json.Unmarshaler) string {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return "err"
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "err"
	}
	return string(out)
}

func times(args []json.RawMessage) []string {
	var t metav1.Time
	var m metav1.MicroTime
	return []string{roundTrip(str(args[0]), &t), roundTrip(str(args[0]), &m)}
}

func intOrString(args []json.RawMessage) []string {
	var v intstr.IntOrString
	if err := json.Unmarshal([]byte(str(args[0])), &v); err != nil {
		return []string{"err", "err"}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []string{"err", "err"}
	}
	total, err := strconv.Atoi(str(args[1]))
	if err != nil {
		panic(err)
	}
	scaled, err := intstr.GetScaledValueFromIntOrPercent(&v, total, str(args[2]) == "true")
	if err != nil {
		return []string{string(out), "err"}
	}
	return []string{string(out), strconv.Itoa(scaled)}
}

func duration(args []json.RawMessage) []string {
	var d metav1.Duration
	return []string{roundTrip(str(args[0]), &d)}
}

func answer(line []byte) (out []string) {
	defer func() {
		if r := recover(); r != nil {
			out = []string{"panic", fmt.Sprint(r)}
		}
	}()
	var c []json.RawMessage
	if err := json.Unmarshal(line, &c); err != nil || len(c) == 0 {
		panic(fmt.Sprintf("bad case line %q: %v", line, err))
	}
	args := c[1:]
	switch area := str(c[0]); area {
	case "q":
		return quantity(args)
	case "q2":
		return quantity2(args)
	case "ls":
		return labelSelector(args)
	case "fs":
		return fieldSelector(args)
	case "v":
		return validate(args)
	case "t":
		return times(args)
	case "io":
		return intOrString(args)
	case "d":
		return duration(args)
	default:
		panic("unknown area " + area)
	}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		if err := enc.Encode(answer(in.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
