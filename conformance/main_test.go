package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// gosdBin is the gosd binary built for the tests that run the CLI.
var gosdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gosd-conformance")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gosdBin = filepath.Join(dir, "gosd")
	cmd := exec.Command("go", "build", "-o", gosdBin, "../cmd/gosd")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building gosd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
