package loader

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gosd/gosd/bench/unitgraph"
	"github.com/gosd/gosd/unit"
)

// memGraphs are the 1000-unit sets whose live heap per unit the memory
// benchmark and test measure: the boot benchmark's oneshot graph as the
// harness writes it (DefaultDependencies=no), the same with systemd's
// default dependencies, and writeGraph's services (drop-ins, .wants links).
var memGraphs = []struct {
	name  string
	write func(tb testing.TB, root string)
}{
	{"unitgraph", func(tb testing.TB, root string) { writeUnitGraph(tb, root, false) }},
	{"unitgraph-default-deps", func(tb testing.TB, root string) { writeUnitGraph(tb, root, true) }},
	{"writeGraph", func(tb testing.TB, root string) { writeGraph(tb, root, 1000) }},
}

// writeUnitGraph writes the boot benchmark's 1000-unit oneshot graph
// (bench/unitgraph) into root.
func writeUnitGraph(tb testing.TB, root string, defaultDeps bool) {
	spec := unitgraph.DefaultSpecs()[0]
	spec.DefaultDependencies = defaultDeps
	g, err := unitgraph.Generate(spec)
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.WriteLayer(root); err != nil {
		tb.Fatal(err)
	}
}

// liveBytesPerUnit loads and links every unit under root and returns the
// heap the loaded Set keeps alive, per unit, and the number of units.
func liveBytesPerUnit(root string) (perUnit float64, units int) {
	host := &unit.Host{Root: root, MachineID: "0123456789abcdef0123456789abcdef", Hostname: "bench"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewSet(SystemPaths(root), host)
	s.LoadAll()
	runtime.GC()
	runtime.ReadMemStats(&after)
	units = len(s.Units())
	runtime.KeepAlive(s)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(units), units
}

// BenchmarkLoadMemory reports the live heap a loaded 1000-unit Set keeps
// per unit (B/unit): the manager's budget is 12 MB RSS for 1000 units.
func BenchmarkLoadMemory(b *testing.B) {
	for _, g := range memGraphs {
		b.Run(g.name, func(b *testing.B) {
			root := b.TempDir()
			g.write(b, root)
			var per float64
			var units int
			for b.Loop() {
				per, units = liveBytesPerUnit(root)
			}
			b.ReportMetric(per, "B/unit")
			b.ReportMetric(float64(units), "units")
		})
	}
}

// TestLoadMemoryBound checks that a loaded Set of the boot benchmark's
// 1000 units stays far from the manager's budget (12 MB RSS for 1000
// units, heap and all). It measures about 1.6 KB a unit, and
// BenchmarkLoadMemory (unitgraph) about 1.75 KB: the bound leaves room
// for noise, not for units that grow by half.
func TestLoadMemoryBound(t *testing.T) {
	const bound = 2560 // bytes per unit
	root := t.TempDir()
	writeUnitGraph(t, root, false)
	per, units := liveBytesPerUnit(root)
	t.Logf("%d units, %.0f B/unit", units, per)
	if units < 1000 {
		t.Fatalf("%d units loaded, want the graph's 1000 and more", units)
	}
	if per > bound {
		t.Errorf("a loaded Set keeps %.0f B per unit, more than %d", per, bound)
	}
}

// TestForgetLetsGo loads instances as an Accept=yes socket's connections
// come and go, one in 64 staying: what a kept instance holds alive must
// be about its own size (3 KB measured), not the forgotten instances
// allocated beside it (about 210 KB each when instances came from the
// Set's slabs, 64 to an array).
func TestForgetLetsGo(t *testing.T) {
	const bound = 16 << 10 // bytes per kept instance
	s := instanceSet(t, 200)
	s.ForgetIndex()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := 0
	for i := range 64 * 50 {
		id := fmt.Sprintf("echo@%d-1-2.service", i)
		if _, err := s.Load(id); err != nil {
			t.Fatal(err)
		}
		if i%64 == 0 {
			kept++
		} else {
			s.Forget(id)
		}
	}
	s.ForgetIndex()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(kept)
	t.Logf("%d instances kept: %.0f B each", kept, per)
	if per > bound {
		t.Errorf("a kept instance holds %.0f B alive, more than %d", per, bound)
	}
	runtime.KeepAlive(s)
}

// TestFileTextNotKept loads a unit whose file is mostly 1 MiB of comments:
// what the unit keeps of it (values, names, the parser's warnings) must
// not hold the file's text alive.
func TestFileTextNotKept(t *testing.T) {
	const pad = 1 << 20
	body := "[Unit]\nDescription=big\nRequires=b.service\n" +
		strings.Repeat("# "+strings.Repeat("x", 61)+"\n", pad/64) +
		"[Service]\nExecStart=/bin/true --flag\nEnvironment=A=1\nnot an assignment\nNoSuchKey=1\n"
	root := tree(t, map[string]string{etc + "a.service": body, etc + "b.service": svc})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, u := loadIn(t, root, "a.service")
	// Two collections: the Set's pool of read buffers is emptied by the second.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if u.Unit.Description != "big" || len(u.Diags) != 2 || len(u.Service.ExecStart) != 1 {
		t.Fatalf("a.service not loaded as written: %q, %v, %v", u.Unit.Description, u.Diags, u.Service.ExecStart)
	}
	if live := int64(after.HeapAlloc) - int64(before.HeapAlloc); live > pad/4 {
		t.Errorf("the loaded Set keeps %d bytes alive: the %d-byte file is kept", live, len(body))
	}
	runtime.KeepAlive(s)
}

// TestLoadFragmentation checks how much of the heap spans a loaded Set
// occupies is free space between its objects (HeapInuse - HeapAlloc, per
// unit), loaded whole (LoadAll) and as the manager loads a boot (Load of
// the target, one unit at a time). Units and services allocated one by
// one, between the parse's garbage of the same size classes, left about
// 800 bytes a unit of it; from slabs, about 300.
func TestLoadFragmentation(t *testing.T) {
	const bound = 600 // bytes per unit
	root := t.TempDir()
	writeUnitGraph(t, root, false)
	host := &unit.Host{Root: root, MachineID: "0123456789abcdef0123456789abcdef", Hostname: "bench"}
	for _, whole := range []bool{true, false} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := NewSet(SystemPaths(root), host)
		if whole {
			s.LoadAll()
		} else if _, err := s.Load(unitgraph.TargetName); err != nil {
			t.Fatal(err)
		}
		s.ForgetIndex()
		runtime.GC()
		runtime.ReadMemStats(&after)
		units := len(s.Units())
		free := (int64(after.HeapInuse) - int64(before.HeapInuse)) - (int64(after.HeapAlloc) - int64(before.HeapAlloc))
		runtime.KeepAlive(s)
		per := float64(free) / float64(units)
		t.Logf("LoadAll %v: %d units, %.0f free bytes a unit in their spans", whole, units, per)
		if units < 1000 {
			t.Fatalf("%d units loaded, want the graph's 1000 and more", units)
		}
		if per > bound {
			t.Errorf("LoadAll %v: the Set's spans hold %.0f free bytes a unit, more than %d", whole, per, bound)
		}
	}
}
