package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gosd/gosd/unit"
)

// writeGraph writes n services in layers of n/20 into root's
// /etc/systemd/system: each Requires= and After= two units of the layer
// before, is wanted by a target through a .wants link, and one in ten has
// a drop-in. It is the shape the boot benchmarks use.
func writeGraph(tb testing.TB, root string, n int) {
	dir := filepath.Join(root, "etc/systemd/system")
	wants := filepath.Join(dir, "bench.target.wants")
	if err := os.MkdirAll(wants, 0o755); err != nil {
		tb.Fatal(err)
	}
	per := max(n/20, 1)
	for i := range n {
		deps := ""
		if layer := i / per; layer > 0 {
			a := (layer-1)*per + i%per
			b := (layer-1)*per + (i+1)%per
			deps = fmt.Sprintf("Requires=u%d.service u%d.service\nAfter=u%d.service u%d.service\n", a, b, a, b)
		}
		body := fmt.Sprintf("[Unit]\nDescription=generated unit %d\n%s\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\nEnvironment=INDEX=%d\n\n[Install]\nWantedBy=bench.target\n", i, deps, i)
		name := fmt.Sprintf("u%d.service", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
		if err := os.Symlink("../"+name, filepath.Join(wants, name)); err != nil {
			tb.Fatal(err)
		}
		if i%10 == 0 {
			d := filepath.Join(dir, name+".d")
			if err := os.MkdirAll(d, 0o755); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, "10-limits.conf"), []byte("[Service]\nTimeoutStartSec=5s\n"), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	target := "[Unit]\nDescription=benchmark target\n"
	if err := os.WriteFile(filepath.Join(dir, "bench.target"), []byte(target), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// benchLoad loads and links every unit under root, b.N times, and reports
// the heap the last loaded set keeps alive.
func benchLoad(b *testing.B, root string) {
	host := &unit.Host{Root: root, MachineID: "0123456789abcdef0123456789abcdef", Hostname: "bench"}
	var units int
	var before, after runtime.MemStats
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		s := NewSet(SystemPaths(root), host)
		s.LoadAll()
		units = len(s.Units())
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(s)
		b.StartTimer()
	}
	b.ReportMetric(float64(units), "units")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(units), "B/unit")
}

// BenchmarkLoad10000 is the loader target of 250 ms for 10,000 units.
func BenchmarkLoad10000(b *testing.B) {
	root := b.TempDir()
	writeGraph(b, root, 10000)
	benchLoad(b, root)
}

// BenchmarkLoadDebian loads the recorded Debian tree of the conformance
// tests (nginx, redis, memcached, openssh, postgresql, cron, dbus).
func BenchmarkLoadDebian(b *testing.B) {
	root, err := filepath.Abs("../conformance/testdata/root")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(root); err != nil {
		b.Skip("no recorded Debian tree:", err)
	}
	benchLoad(b, root)
}

// instanceSet loads writeGraph's n units and an Accept=yes socket with
// its service template, as a socket-activated server has them before its
// first connection.
func instanceSet(tb testing.TB, n int) *Set {
	root := tb.TempDir()
	writeGraph(tb, root, n)
	dir := filepath.Join(root, "etc/systemd/system")
	for name, body := range map[string]string{
		"echo@.service": "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n",
		"echo.socket":   "[Socket]\nListenStream=1234\nAccept=yes\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	s := NewSet(SystemPaths(root), &unit.Host{Root: root, MachineID: "0123456789abcdef0123456789abcdef", Hostname: "bench"})
	s.LoadAll()
	return s
}

// BenchmarkLoadInstance loads one instance per iteration, as the engine
// does for each connection of an Accept=yes socket, and keeps them all:
// each instance adds to the lists of sysinit.target, basic.target and
// shutdown.target, which the next one copies (run it with -benchtime=Nx
// to see the cost after N instances).
func BenchmarkLoadInstance(b *testing.B) {
	s := instanceSet(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Load(fmt.Sprintf("echo@%d-1-2.service", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadForgetInstance loads an instance and forgets it, as a
// connection's unit comes and goes.
func BenchmarkLoadForgetInstance(b *testing.B) {
	s := instanceSet(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("echo@%d-1-2.service", i)
		if _, err := s.Load(id); err != nil {
			b.Fatal(err)
		}
		s.Forget(id)
	}
}
