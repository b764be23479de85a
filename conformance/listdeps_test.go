package conformance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestListDependenciesMatchesSystemd compares `gosd systemctl --root
// list-dependencies --plain` with what systemd 252 printed, leaving out
// the units of systemd's own machinery that gosd does not model (see
// DIFFERENCES.txt).
func TestListDependenciesMatchesSystemd(t *testing.T) {
	root, _ := filepath.Abs("testdata/root")
	files, _ := filepath.Glob("testdata/list-dependencies_*.txt")
	if len(files) == 0 {
		t.Fatal("no recorded list-dependencies output")
	}
	keep := func(text string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
			if strings.HasPrefix(l, "#") || dropFromSets(strings.TrimSpace(l)) {
				continue
			}
			out = append(out, l)
		}
		return out
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "list-dependencies_"), ".txt")
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(gosdBin, "systemctl", "--root="+root, "list-dependencies", "--no-pager", "--plain", name).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			w, g := keep(string(want)), keep(string(out))
			if strings.Join(w, "\n") != strings.Join(g, "\n") {
				t.Errorf("gosd:\n%s\nsystemd:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		})
	}
}
