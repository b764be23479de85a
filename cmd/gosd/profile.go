//go:build gosd_profile

package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// The profiles of BENCHMARKS.md, in a build with -tags gosd_profile:
// GOSD_CPUPROFILE (the whole run), GOSD_SHUTDOWN_CPUPROFILE (from SIGTERM
// to exit), GOSD_SHUTDOWN_TRACE (an execution trace of the same span, for
// `go tool trace`: where the loop waits) and GOSD_MEMPROFILE (the heap
// when the shutdown begins, every allocation recorded). The default build
// leaves runtime/pprof out: the linker then turns heap profiling off,
// whose bucket table (1.4 MB mapped on the first sample) cost the manager
// RSS.

const profiling = true

func init() {
	if os.Getenv("GOSD_MEMPROFILE") != "" {
		// every allocation, so that the heap profile's figures are exact
		runtime.MemProfileRate = 1
	}
}

// startCPUProfile starts a CPU profile written to path, at 1 kHz (a boot
// is too short for the default 100 Hz; the rate set first stays, and
// StartCPUProfile's own attempt only warns), and returns what ends it.
func startCPUProfile(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	runtime.SetCPUProfileRate(1000)
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// writeHeapProfile writes the heap profile to path.
func writeHeapProfile(path string) {
	if f, err := os.Create(path); err == nil {
		pprof.WriteHeapProfile(f)
		f.Close()
	}
}

// startTrace starts an execution trace written to path and returns what
// ends it.
func startTrace(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	trace.Start(f)
	return func() { trace.Stop(); f.Close() }
}
