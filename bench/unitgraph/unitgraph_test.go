package unitgraph

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

var update = flag.Bool("update", false, "rewrite testdata/small.golden")

// TestGenerateShape checks the structure issue 4 asks for on the three
// default graphs: the layer sizes, two requirements on the layer before
// for every unit past the first layer, every unit required by the layer
// after (so wanting the last layer pulls in all of them), and the order.
func TestGenerateShape(t *testing.T) {
	for _, spec := range DefaultSpecs() {
		t.Run(string(spec.Kind), func(t *testing.T) {
			g, err := Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			layer := map[string]int{}
			size := make([]int, spec.Layers)
			requiredBy := map[string]int{}
			seen := map[string]bool{}
			for _, u := range g.Units {
				for _, d := range u.Requires {
					if !seen[d] {
						t.Errorf("%s comes before %s, which it requires", u.Name, d)
					}
					requiredBy[d]++
				}
				seen[u.Name] = true
				if u.Layer < 0 {
					continue
				}
				if u.Kind != spec.Kind {
					t.Errorf("%s: kind %s, want %s", u.Name, u.Kind, spec.Kind)
				}
				layer[u.Name] = u.Layer
				size[u.Layer]++
				want := spec.Fanin
				if u.Layer == 0 {
					want = 0
				}
				if len(u.Requires) != want {
					t.Errorf("%s (layer %d) requires %v, want %d units", u.Name, u.Layer, u.Requires, want)
				}
				for _, d := range u.Requires {
					if l, ok := layer[d]; !ok || l != u.Layer-1 {
						t.Errorf("%s (layer %d) requires %s of layer %d", u.Name, u.Layer, d, l)
					}
				}
				if len(slices.Compact(slices.Clone(u.Requires))) != len(u.Requires) {
					t.Errorf("%s requires a unit twice: %v", u.Name, u.Requires)
				}
			}
			if len(layer) != spec.Units {
				t.Errorf("%d layer units, want %d", len(layer), spec.Units)
			}
			for l, n := range size {
				if n != spec.Units/spec.Layers {
					t.Errorf("layer %d has %d units, want %d", l, n, spec.Units/spec.Layers)
				}
			}
			for name := range layer {
				if requiredBy[name] == 0 {
					t.Errorf("%s is required by nothing", name)
				}
			}
			last := g.Units[len(g.Units)-1]
			if last.Name != FinalName || !slices.Equal(last.Requires, []string{TargetName}) {
				t.Errorf("last unit %s requires %v, want %s after %s", last.Name, last.Requires, FinalName, TargetName)
			}
		})
	}
}

func TestGenerateBadSpec(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"unknown kind", Spec{Kind: "forking", Units: 10, Layers: 2, Fanin: 2}},
		{"target kind", Spec{Kind: Target, Units: 10, Layers: 2, Fanin: 2}},
		{"no layers", Spec{Kind: Simple, Units: 10, Layers: 0, Fanin: 2}},
		{"fewer units than layers", Spec{Kind: Simple, Units: 3, Layers: 4, Fanin: 2}},
		{"negative fanin", Spec{Kind: Simple, Units: 10, Layers: 2, Fanin: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(tc.spec); !errors.Is(err, ErrSpec) {
				t.Fatalf("Generate(%+v) = %v, want ErrSpec", tc.spec, err)
			}
		})
	}
}

// TestUnitFilesLoad writes every default graph and loads it with gosd's
// loader: the files must carry no diagnostic and mean what the graph says.
func TestUnitFilesLoad(t *testing.T) {
	for _, spec := range DefaultSpecs() {
		t.Run(string(spec.Kind), func(t *testing.T) {
			g, err := Generate(spec)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := g.WriteLayer(dir); err != nil {
				t.Fatal(err)
			}
			host := &unit.Host{Root: dir, MachineID: "0123456789abcdef0123456789abcdef", Hostname: "bench"}
			set := loader.NewSet(loader.SystemPaths(dir), host)
			if _, err := set.Load(TargetName); err != nil {
				t.Fatal(err)
			}
			for _, gu := range g.Units {
				u := set.Get(gu.Name)
				if u == nil || u.LoadState != "loaded" {
					t.Fatalf("%s not loaded: %+v", gu.Name, u)
				}
				for _, d := range u.Diags {
					t.Errorf("%s:%d: %s: %s", d.File, d.Line, d.Directive, d.Msg)
				}
				after := u.Deps.Of(loader.After)
				for _, d := range gu.Requires {
					if !slices.Contains(after, d) {
						t.Errorf("%s: not After=%s (After: %v)", gu.Name, d, after)
					}
				}
				if gu.Kind == Target {
					for _, d := range append(slices.Clone(gu.Requires), RestartName, FinalName) {
						if !slices.Contains(u.Deps.Of(loader.Wants), d) {
							t.Errorf("%s does not want %s", gu.Name, d)
						}
					}
					continue
				}
				if gu.Layer >= 0 && !slices.Equal(u.Deps.Of(loader.Requires), sorted(gu.Requires)) {
					t.Errorf("%s: Requires %v, want %v", gu.Name, u.Deps.Of(loader.Requires), sorted(gu.Requires))
				}
				s := u.Service
				if s.Type != gu.Kind.ServiceType() {
					t.Errorf("%s: Type=%s, want %s", gu.Name, s.Type, gu.Kind.ServiceType())
				}
				if gu.Layer >= 0 && gu.Kind == Oneshot && !s.RemainAfterExit {
					t.Errorf("%s: RemainAfterExit=no", gu.Name)
				}
				if gu.Kind == Notify && s.NotifyAccess != "all" || gu.Kind == NotifyDaemon && s.NotifyAccess != "main" {
					t.Errorf("%s: NotifyAccess=%s", gu.Name, s.NotifyAccess)
				}
				if gu.Restart != (s.Restart == "always") {
					t.Errorf("%s: Restart=%s", gu.Name, s.Restart)
				}
				if len(s.ExecStart) != 1 || !slices.Equal(s.ExecStart[0].Argv, gu.Argv) {
					t.Errorf("%s: ExecStart %+v, want %q", gu.Name, s.ExecStart, gu.Argv)
				}
			}
			if fi, err := os.Stat(filepath.Join(dir, NotifyWrapperPath)); err != nil || fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("notify wrapper not executable: %v", err)
			}
			f, err := os.Open(filepath.Join(dir, GraphPath))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			back, err := Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, g) {
				t.Errorf("graph read back differs from the one written")
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestUnitFilesGolden pins the text of every unit file of a small graph.
func TestUnitFilesGolden(t *testing.T) {
	for _, dd := range []bool{false, true} {
		g, err := Generate(Spec{Kind: Notify, Units: 5, Layers: 2, Fanin: 2, DefaultDependencies: dd})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, u := range g.Units {
			b.WriteString("## " + u.Name + "\n" + g.UnitFile(u))
		}
		echo := g.EchoUnitFiles()
		for _, name := range []string{EchoSocketName, EchoServiceName} {
			b.WriteString("## " + name + "\n" + echo[name])
		}
		golden := filepath.Join("testdata", "small-nodefault.golden")
		if dd {
			golden = filepath.Join("testdata", "small-default.golden")
		}
		if *update {
			if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s differs (rerun with -update and review):\n%s", golden, b.String())
		}
	}
}

// TestDecodeRejects: Decode fails on what is not a graph's JSON; checking
// the graph itself is floor.Run's (see its TestRunRejectsBadGraph).
func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"not json", `units:`},
		{"units not a list", `{"units":{"name":"a.service"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(bytes.NewReader([]byte(tc.json))); err == nil {
				t.Fatal("Decode accepted it")
			}
		})
	}
}
