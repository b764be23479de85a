package conformance

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/loader"
)

// TestEveryDirectiveKnown checks gosd's directive tables against the keys
// of systemd 252's own unit-file parser (testdata/directives.txt): every
// key systemd accepts is parsed by gosd (typed, or listed as unsupported),
// and gosd accepts no key systemd would call unknown.
func TestEveryDirectiveKnown(t *testing.T) {
	data, err := os.ReadFile("testdata/directives.txt")
	if err != nil {
		t.Fatal(err)
	}
	systemd := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			systemd[l] = true
		}
	}
	gosd := map[string]bool{}
	for _, d := range loader.Directives() {
		for _, s := range d.Sections {
			gosd[s+"."+d.Name] = true
		}
	}
	var missing, extra []string
	for k := range systemd {
		if !gosd[k] {
			missing = append(missing, k)
		}
	}
	for k := range gosd {
		if !systemd[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("%d directives systemd 252 parses are not in gosd's tables:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	if len(extra) > 0 {
		t.Errorf("%d directives gosd parses are unknown to systemd 252:\n%s", len(extra), strings.Join(extra, "\n"))
	}
}
