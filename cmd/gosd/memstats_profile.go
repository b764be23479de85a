//go:build gosd_profile

package main

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strings"
)

// writeMemClasses writes the runtime's memory classes (where the
// manager's anonymous memory goes), one "name bytes" line each, for
// BENCHMARKS.md: GOSD_MEMSTATS=path, written when the shutdown begins,
// in a build with -tags gosd_profile (runtime/metrics costs the default
// build's binary and heap).
func writeMemClasses(path string) {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") || strings.HasPrefix(d.Name, "/gc/heap/objects") || d.Name == "/sched/goroutines:goroutines" {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			fmt.Fprintf(&b, "%s %d\n", s.Name, s.Value.Uint64())
		}
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
}
