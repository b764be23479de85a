// Package conformance compares gosd with recorded systemd 252 behaviour
// (see README.md): the test data is what the real systemd printed.
package conformance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gosd/gosd/install"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/props"
	"github.com/gosd/gosd/unit"
)

// oracleEnv reads testdata/oracle-env.txt.
func oracleEnv(t testing.TB) map[string]string {
	f, err := os.Open("testdata/oracle-env.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	return env
}

// oracleHost gives specifiers the facts of the machine systemd was
// recorded on.
func oracleHost(t testing.TB, root string) *unit.Host {
	env := oracleEnv(t)
	return &unit.Host{
		Root:          root,
		MachineID:     env["MACHINE_ID"],
		BootID:        strings.ReplaceAll(env["BOOT_ID"], "-", ""),
		Hostname:      env["HOSTNAME"],
		KernelRelease: env["KERNEL_RELEASE"],
		Architecture:  env["ARCHITECTURE"],
	}
}

// readShow parses `systemctl show` output into ordered properties.
func readShow(t testing.TB, file string) []props.Property {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []props.Property
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		k, v, _ := strings.Cut(l, "=")
		out = append(out, props.Property{Name: k, Value: v})
	}
	return out
}

// setValued are properties whose order systemd takes from a hash table.
func setValued(name string) bool {
	if _, ok := loader.DepByName(name); ok {
		return true
	}
	return name == "Names" || name == "RequiresMountsFor"
}

// dropFromSets are units of systemd's own machinery that gosd does not
// model (DIFFERENCES.md): cgroup slices, the mount table, the journal
// socket, and the recorder's helper target.
func dropFromSets(v string) bool {
	return v == "gosd-oracle-all.target" || v == "systemd-journald.socket" ||
		strings.HasSuffix(v, ".slice") || strings.HasSuffix(v, ".mount")
}

func normalise(name, v string) string {
	if !setValued(name) {
		return v
	}
	var keep []string
	for _, w := range strings.Fields(v) {
		// systemctl quotes names that hold backslashes.
		if uq, err := strconv.Unquote(w); err == nil && strings.HasPrefix(w, "\"") {
			w = uq
		}
		if !dropFromSets(w) {
			keep = append(keep, w)
		}
	}
	sort.Strings(keep)
	return strings.Join(keep, " ")
}

// knownDifferences reads DIFFERENCES.txt: "unit property" pairs (either
// may be "*") that are allowed to differ, each with its reason.
func knownDifferences(t testing.TB) [][2]string {
	data, err := os.ReadFile("DIFFERENCES.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		out = append(out, [2]string{f[0], f[1]})
	}
	return out
}

func allowed(known [][2]string, unitName, prop string) bool {
	for _, k := range known {
		if (k[0] == "*" || k[0] == unitName) && (k[1] == "*" || k[1] == prop) {
			return true
		}
	}
	return false
}

// TestShowMatchesSystemd loads testdata/root the way `gosd systemctl
// --root show` does and compares every recorded unit's properties with
// what systemd 252 printed. Run with GOSD_PROPS=Name1,Name2 to look at some
// properties only, and -v for a table of mismatches per property.
func TestShowMatchesSystemd(t *testing.T) {
	root, err := filepath.Abs("testdata/root")
	if err != nil {
		t.Fatal(err)
	}
	set := loader.NewSet(loader.SystemPaths(root), oracleHost(t, root))
	set.LoadAll()
	known := knownDifferences(t)
	inst := install.New(root, io.Discard)
	presets, err := inst.ReadPresets()
	if err != nil {
		t.Fatal(err)
	}
	var only []string
	if v := os.Getenv("GOSD_PROPS"); v != "" {
		only = strings.Split(v, ",")
	}
	files, err := filepath.Glob("testdata/show/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded units: %v", err)
	}
	// Load every recorded name first, as the recorder made systemd do, so
	// that reverse dependencies are complete when units are compared.
	for _, f := range files {
		if _, err := set.Load(filepath.Base(f)); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	type miss struct{ unit, want, got string }
	misses := map[string][]miss{}
	compared := 0
	for _, f := range files {
		unitName := filepath.Base(f)
		u, err := set.Load(unitName)
		if err != nil {
			t.Errorf("%s: %v", unitName, err)
			continue
		}
		want := readShow(t, f)
		st := &props.State{}
		st.UnitFileState, st.UnitFilePreset = inst.ShowState(u.ID, u.FragmentPath, presets)
		got := props.List(u, st)
		// A property may be printed several times (one ExecStart= per
		// command): compare each property's values as an ordered list.
		gotBy := map[string][]string{}
		var gotNames []string
		for _, p := range got {
			gotBy[p.Name] = append(gotBy[p.Name], normalise(p.Name, p.Value))
			gotNames = append(gotNames, p.Name)
		}
		wantBy := map[string][]string{}
		var wantOrder []string
		for _, p := range want {
			if _, ok := wantBy[p.Name]; !ok {
				wantOrder = append(wantOrder, p.Name)
			}
			wantBy[p.Name] = append(wantBy[p.Name], normalise(p.Name, p.Value))
		}
		for _, name := range wantOrder {
			if len(only) > 0 && !slices.Contains(only, name) {
				continue
			}
			if props.IsRuntime(u.Type, name) || allowed(known, unitName, name) {
				continue
			}
			w := strings.Join(wantBy[name], "\n")
			g, ok := gotBy[name]
			if !ok && w != "" {
				misses[name] = append(misses[name], miss{unitName, w, "(property missing)"})
				continue
			}
			compared++
			if gj := strings.Join(g, "\n"); gj != w {
				misses[name] = append(misses[name], miss{unitName, w, gj})
			}
		}
		if len(only) == 0 {
			var wantNames []string
			for _, p := range want {
				wantNames = append(wantNames, p.Name)
			}
			if !slices.Equal(wantNames, gotNames) && !allowed(known, unitName, "(order)") {
				t.Errorf("%s: property names or order differ from systemd's", unitName)
			}
		}
	}
	keys := make([]string, 0, len(misses))
	for k := range misses {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(misses[keys[i]]) > len(misses[keys[j]]) })
	for _, k := range keys {
		m := misses[k]
		t.Errorf("%s differs in %d units, e.g. %s: systemd %q, gosd %q", k, len(m), m[0].unit, m[0].want, m[0].got)
		if testing.Verbose() {
			for _, x := range m[1:min(len(m), 4)] {
				fmt.Printf("    %s: systemd %q, gosd %q\n", x.unit, x.want, x.got)
			}
		}
	}
	t.Logf("%d units, %d property values compared", len(files), compared)
}
