package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// report is one scenario's result line: checks must match across sides, metrics are measured
// (a name ending in _per_s is better higher, anything else lower).
type report struct {
	Checks  map[string]any     `json:"checks"`
	Metrics map[string]float64 `json:"metrics"`
}

func newReport() *report {
	return &report{Checks: map[string]any{}, Metrics: map[string]float64{}}
}

func (r *report) check(name string, v any)      { r.Checks[name] = v }
func (r *report) metric(name string, v float64) { r.Metrics[name] = v }
func (r *report) emit(scenario string) {
	r.metric("process_peak_rss_mb", float64(peakRSS())/1e6)
	r.metric("process_cpu_ms", cpuSeconds()*1e3)
	line, err := json.Marshal(map[string]any{"side": "client-go", "scenario": scenario, "checks": r.Checks, "metrics": r.Metrics})
	if err != nil {
		fail(err)
	}
	fmt.Println(string(line))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "client-go-peer:", err)
	os.Exit(1)
}

// namesChecksum is FNV-1a 64 over the sorted names, each followed by "\n" (same on every side).
func namesChecksum(names []string) string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	h := fnv.New64a()
	for _, n := range sorted {
		h.Write([]byte(n))
		h.Write([]byte("\n"))
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

func peakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// rss is the current resident set size in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * 4096
}

// flags are --name value pairs.
type flags map[string]string

func parseFlags(args []string) flags {
	f := flags{}
	for i := 0; i+1 < len(args); i += 2 {
		f[strings.TrimPrefix(args[i], "--")] = args[i+1]
	}
	return f
}

func (f flags) str(name, def string) string {
	if v, ok := f[name]; ok {
		return v
	}
	return def
}

func (f flags) num(name string, def float64) float64 {
	if v, ok := f[name]; ok {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fail(fmt.Errorf("--%s: cannot parse %q", name, v))
		}
		return x
	}
	return def
}

func errorf(format string, args ...any) error { return errors.New(fmt.Sprintf(format, args...)) }
