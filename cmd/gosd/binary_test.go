package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryLeavesOut: code that gosd avoids because PID 1's binary is
// resident whole (a boot faults in nearly every 64 KB window of it, see
// BENCHMARKS.md) must not come back through a new import or call.
func TestBinaryLeavesOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gosd binary")
	}
	bin := filepath.Join(t.TempDir(), "gosd")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	left := []struct{ prefix, why string }{
		{"encoding/json.(*decodeState)", "the JSON decoder (~45 KB): the helper's spec and the control protocol have their own forms, the console log its own reader (console.go)"},
		{"github.com/rs/zerolog.ConsoleWriter", "zerolog's ConsoleWriter decodes every event with encoding/json: consoleLog does it"},
		{"fmt.(*ss)", "fmt's scanner (~50 KB with its tables): use strconv"},
		{"internal/poll.splice", "io.Copy and friends link os.File's ReadFrom and WriteTo (splice, sendfile, copy_file_range: ~49 KB)"},
		{"runtime/pprof.", "profiles are for builds with -tags gosd_profile"},
		{"slices.pdqsortCmpFunc[go.shape.struct { github.com/gosd/", "~13 KB of sorting code for each struct type: sort.Slice, or sort pointers"},
	}
	for _, s := range syms {
		for _, l := range left {
			if strings.HasPrefix(s.Name, l.prefix) {
				t.Errorf("the gosd binary links %s: %s", s.Name, l.why)
			}
		}
	}
}
