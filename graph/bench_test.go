package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gosd/gosd/graph"
)

// benchWorld is the benchmark graph: 1000 services in 20 layers,
// each requiring and ordered after two units of the layer before, all
// wanted by one target.
func benchWorld(b *testing.B) *world {
	var lines, all []string
	const layers, width = 20, 50
	name := func(l, i int) string { return fmt.Sprintf("l%02d-%02d.service", l, i) }
	for l := 0; l < layers; l++ {
		for i := 0; i < width; i++ {
			line := name(l, i) + ":"
			if l > 0 {
				for _, p := range []int{i, (i*7 + 3) % width} {
					line += fmt.Sprintf(" Requires=%s After=%s", name(l-1, p), name(l-1, p))
				}
			}
			lines = append(lines, line)
			all = append(all, name(l, i))
		}
	}
	lines = append(lines, "all.target: AllowIsolate=yes Wants="+strings.Join(all, " "))
	return loadWorld(b, strings.Join(lines, "\n"))
}

func BenchmarkBuildStart1000(b *testing.B) {
	w := benchWorld(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := graph.Build(w, "all.target", graph.Start, graph.Replace); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildIsolateActive1000 isolates the target with every unit
// running: all start jobs are redundant and dropped.
func BenchmarkBuildIsolateActive1000(b *testing.B) {
	w := benchWorld(b)
	for _, u := range w.Units() {
		w.active[u] = graph.StateActive
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := graph.Build(w, "all.target", graph.Start, graph.Isolate); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildStop1000(b *testing.B) {
	w := benchWorld(b)
	for _, u := range w.Units() {
		w.active[u] = graph.StateActive
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := graph.Build(w, "l00-00.service", graph.Stop, graph.Replace); err != nil {
			b.Fatal(err)
		}
	}
}
