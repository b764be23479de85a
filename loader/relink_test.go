package loader

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosd/gosd/unit"
)

// relinkTree has what link treats specially: templates and instances,
// aliases by symlink (of a unit and of a template), .wants and .requires
// directories, targets with default dependencies (one ordered before a
// unit it wants, one without default dependencies, two that want each
// other), Before= and After= both ways, a slice, JoinsNamespaceOf=,
// dependencies on units that have no file (c2.service and p2.target get
// one, an alias, during the test), an Accept=yes socket and a timer.
func relinkTree() map[string]string {
	return map[string]string{
		etc + "a.service":                   "[Unit]\nWants=b.service c-alias.service\nAfter=b.service\nBefore=d.service\n" + svc,
		etc + "b.service":                   "[Unit]\nBefore=a.service\nRequires=missing.service\n[Service]\nExecStart=/bin/true\nSlice=custom.slice\n",
		etc + "c.service":                   svc,
		etc + "c-alias.service":             "-> c.service",
		etc + "d.service":                   "[Unit]\nJoinsNamespaceOf=a.service\nPartOf=g.target\n" + svc + "PrivateTmp=yes\n",
		etc + "e.service":                   "[Unit]\nAfter=g.target\n" + svc,
		etc + "f.service":                   "[Unit]\nDefaultDependencies=no\n" + svc + "Slice=custom.slice\n",
		etc + "custom.slice":                "[Unit]\nDescription=custom\n",
		etc + "g.target":                    "[Unit]\nWants=h.target\n",
		etc + "g.target.wants/a.service":    "-> ../a.service",
		etc + "g.target.wants/t@x.service":  "-> ../t@.service",
		etc + "g.target.requires/e.service": "-> ../e.service",
		etc + "h.target":                    "[Unit]\nWants=g.target f.service\n",
		etc + "i.target":                    "[Unit]\nWants=c.service\nBefore=c.service\n",
		etc + "j.target":                    "[Unit]\nDefaultDependencies=no\nWants=c.service\n",
		etc + "t@.service":                  "[Unit]\nAfter=c.service\nBindsTo=c-alias.service\nWants=i.target\n" + svc,
		etc + "t-alias@.service":            "-> t@.service",
		etc + "echo@.service":               "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n",
		etc + "echo.socket":                 "[Socket]\nListenStream=1234\nAccept=yes\n",
		etc + "k.timer":                     "[Timer]\nOnActiveSec=5\n",
		etc + "k.service":                   svc,
		etc + "n.service":                   "[Unit]\nDefaultDependencies=no\nUpholds=t@y.service\nOnFailure=f.service\nJoinsNamespaceOf=t-alias@y.service\n" + svc,
		etc + "x.service":                   "[Unit]\nWants=c2.service\nAfter=c2.service\n" + svc,
		etc + "o.service":                   "[Unit]\nDefaultDependencies=no\nJoinsNamespaceOf=c-alias.service\n" + svc,
		etc + "p.target":                    "[Unit]\nWants=q.service\n",
		etc + "q.service":                   "[Unit]\nAfter=p2.target\n" + svc,
		etc + "m.service":                   "[Unit]\nRequires=t-alias@z.service\nWants=j.target\n" + svc,
	}
}

// TestIncrementalLink loads units one by one and forgets some, and after
// each step compares every unit's Deps (all kinds), slice members and
// names with those a full link of the same units gives: one Set is linked
// as Load and Forget link it, the other relinked in full after each step.
// The lists read before each step must not change, and the indexes of
// the incremental Set must hold no unit forgotten and no name loaded as
// dangling.
func TestIncrementalLink(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) string
		ops   []string
	}{
		{
			name:  "tree",
			setup: func(t *testing.T) string { return tree(t, relinkTree()) },
			ops: []string{
				"load g.target", "load i.target", "load j.target", "load t@1.service",
				"load t-alias@2.service", "load echo.socket", "load echo@1-1-2.service",
				"load echo@2-1-2.service", "load k.timer", "load n.service", "load m.service",
				"load t@y.service", "load no-such.service", "load o.service",
				// instances
				"forget t@1.service", "forget echo@1-1-2.service", "forget t-alias@2.service",
				// ordinary units, named by others (some through an alias)
				"forget c.service", "load t@3.service", "load c-alias.service",
				"forget a.service", "forget d.service", "load a.service",
				// targets: one of two that want each other, one the instances want
				"forget h.target", "load h.target", "forget i.target", "load t@4.service",
				// the slice with its members, then a member
				"forget custom.slice", "load custom.slice", "forget b.service", "load b.service",
				// a unit every service names, a unit not found, a forgotten name
				"forget sysinit.target", "load echo@3-1-2.service", "forget missing.service",
				"forget missing.service", "load d.service", "loadall",
				"forget t@y.service", "forget n.service", "load n.service",
				// a name no unit had, given to a unit loaded already
				"load x.service", "forget c2.service", "symlink c2.service c.service", "load c2.service",
				"forget c2.service", "load c2.service", // under that name
				"load p.target", "forget p2.target", "symlink p2.target p.target", "load p2.target",
			},
		},
		{
			name: "graph of 200 units",
			setup: func(t *testing.T) string {
				root := tree(t, map[string]string{
					etc + "echo@.service": relinkTree()[etc+"echo@.service"],
					etc + "echo.socket":   relinkTree()[etc+"echo.socket"],
				})
				writeGraph(t, root, 200)
				return root
			},
			ops: []string{
				"loadall", "load echo@1-1-2.service", "load echo@2-1-2.service", "forget echo@1-1-2.service",
				"forget u5.service", "forget u15.service", "load echo@3-1-2.service", "load u15.service",
				"forget bench.target", "load u5.service", "load bench.target", "forget u199.service",
				"forget echo@3-1-2.service", "forget basic.target", "load echo@4-1-2.service",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.setup(t)
			host := &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"}
			inc, full := NewSet(SystemPaths(root), host), NewSet(SystemPaths(root), host)
			for _, op := range tc.ops {
				if args, ok := strings.CutPrefix(op, "symlink "); ok {
					name, target, _ := strings.Cut(args, " ")
					if err := os.Symlink(target, filepath.Join(root, etc, name)); err != nil {
						t.Fatal(err)
					}
				}
				held := holdLists(inc)
				for _, s := range []*Set{inc, full} {
					verb, name, _ := strings.Cut(op, " ")
					switch verb {
					case "load":
						if _, err := s.Load(name); err != nil {
							t.Fatal(err)
						}
					case "loadall":
						s.LoadAll()
					case "forget":
						s.Forget(name)
					case "symlink":
						s.ForgetIndex()
					}
				}
				full.link()
				held.check(t, op)
				if !compareSets(t, op, inc, full) {
					return
				}
			}
		})
	}
}

// compareSets reports (as errors) where inc differs from full.
func compareSets(t *testing.T, op string, inc, full *Set) bool {
	t.Helper()
	ok := true
	errorf := func(format string, args ...any) {
		t.Errorf("after %s: "+format, append([]any{op}, args...)...)
		ok = false
	}
	ids := func(s *Set) []string {
		var out []string
		for i, u := range s.Units() {
			if int(u.idx) != i {
				errorf("%s is at %d, its idx says %d", u.ID, i, u.idx)
			}
			out = append(out, u.ID)
		}
		return out
	}
	if a, b := ids(inc), ids(full); !slices.Equal(a, b) {
		errorf("units %q, want %q", a, b)
		return false
	}
	byName := func(s *Set) map[string]string {
		m := map[string]string{}
		for n, u := range s.units {
			m[n] = u.ID
		}
		return m
	}
	if a, b := byName(inc), byName(full); !maps.Equal(a, b) {
		errorf("names %v, want %v", a, b)
	}
	// Forget takes a unit out of the Set's indexes too.
	loaded := func(u *Unit) bool { return int(u.idx) < len(inc.order) && inc.order[u.idx] == u }
	for n := range inc.dangling {
		if inc.units[n] != nil {
			errorf("dangling holds %s, which is loaded", n)
		}
	}
	for what, m := range map[string]map[string][]*Unit{"dangling": inc.dangling, "joinedBy": inc.joinedBy} {
		for n, l := range m {
			for _, u := range l {
				if !loaded(u) {
					errorf("%s[%s] holds %s, which is not loaded", what, n, u.ID)
				}
			}
		}
	}
	for u := range inc.aliases {
		if !loaded(u) {
			errorf("aliases hold %s, which is not loaded", u.ID)
		}
	}
	for i, u := range inc.Units() {
		f := full.Units()[i]
		for k := range NumDeps {
			got, want := u.Deps.Of(k), f.Deps.Of(k)
			if !slices.Equal(got, want) {
				errorf("%s %s = %q, want %q", u.ID, k, got, want)
			}
			if cap(got) != len(got) {
				errorf("%s %s has len %d cap %d", u.ID, k, len(got), cap(got))
			}
		}
		if got, want := u.SliceOf(), f.SliceOf(); !slices.Equal(got, want) {
			errorf("%s SliceOf %q, want %q", u.ID, got, want)
		}
	}
	return ok
}

// heldLists are the lists of a Set's units as a caller holds them, with a
// copy of each taken at the time.
type heldLists struct {
	held, copies map[string]map[Dep][]string
}

func holdLists(s *Set) heldLists {
	h := heldLists{map[string]map[Dep][]string{}, map[string]map[Dep][]string{}}
	for _, u := range s.Units() {
		h.held[u.ID], h.copies[u.ID] = map[Dep][]string{}, map[Dep][]string{}
		for k := range NumDeps {
			if l := u.Deps.Of(k); l != nil {
				h.held[u.ID][k], h.copies[u.ID][k] = l, slices.Clone(l)
			}
		}
	}
	return h
}

func (h heldLists) check(t *testing.T, op string) {
	t.Helper()
	for id, lists := range h.held {
		if !maps.EqualFunc(lists, h.copies[id], slices.Equal) {
			t.Errorf("after %s: %s: lists read before changed: %q, were %q", op, id, lists, h.copies[id])
		}
	}
}

// testSet is a Set of the units under root, with a fixed host name and
// machine ID for the specifiers.
func testSet(root string) *Set {
	return NewSet(SystemPaths(root), &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"})
}

// TestForget: a forgotten unit leaves the Set under all its names, its
// entries leave the units it touched, and the units that name it still
// do, under the name they gave; loading it again links it back.
func TestForget(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "a.service":       "[Unit]\nDefaultDependencies=no\nWants=c-alias.service\nAfter=b.service\n" + svc,
		etc + "b.service":       "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "c.service":       "[Unit]\nDefaultDependencies=no\nBefore=a.service\n" + svc,
		etc + "c-alias.service": "-> c.service",
	})
	s := testSet(root)
	a, err := s.Load("a.service")
	if err != nil {
		t.Fatal(err)
	}
	old := depsOf(t, &a.Deps)
	want := map[Dep][]string{Wants: {"c.service"}, After: {"b.service", "c.service"}}
	if !maps.EqualFunc(old, want, slices.Equal) {
		t.Fatalf("a.service: %q, want %q", old, want)
	}
	s.Forget("c.service")
	if !maps.EqualFunc(old, want, slices.Equal) {
		t.Errorf("lists read before Forget changed: %q", old)
	}
	if s.Get("c.service") != nil || s.Get("c-alias.service") != nil {
		t.Error("c.service is still loaded")
	}
	for i, u := range s.Units() {
		if u.ID == "c.service" || int(u.idx) != i {
			t.Errorf("Units()[%d] is %s, idx %d", i, u.ID, u.idx)
		}
	}
	want = map[Dep][]string{Wants: {"c-alias.service"}, After: {"b.service"}}
	if got := depsOf(t, &a.Deps); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("a.service after Forget: %q, want %q", got, want)
	}
	s.Forget("c.service") // not loaded: nothing
	if _, err := s.Load("c.service"); err != nil {
		t.Fatal(err)
	}
	c := s.Get("c-alias.service")
	if c == nil || c.ID != "c.service" {
		t.Fatalf("c-alias.service is %v", c)
	}
	want = map[Dep][]string{Wants: {"c.service"}, After: {"b.service", "c.service"}}
	if got := depsOf(t, &a.Deps); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("a.service after loading c.service again: %q, want %q", got, want)
	}
	want = map[Dep][]string{WantedBy: {"a.service"}, Before: {"a.service"}}
	if got := depsOf(t, &c.Deps); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("c.service: %q, want %q", got, want)
	}
}

// TestEditList checks the list edits on their own: deletions before
// additions of the same name, duplicates, the ends of the list.
func TestEditList(t *testing.T) {
	ch := func(spec ...string) []depChange {
		var out []depChange
		for _, s := range spec {
			out = append(out, depChange{del: s[0] == '-', id: s[1:]})
		}
		return out
	}
	for _, tc := range []struct {
		old  []string
		ch   []depChange
		want []string
	}{
		{nil, ch("+a"), []string{"a"}},
		{[]string{"b", "d"}, ch("+a", "+c", "+e"), []string{"a", "b", "c", "d", "e"}},
		{[]string{"b", "d"}, ch("+b", "+b", "+c", "+c"), []string{"b", "c", "d"}},
		{[]string{"b", "d"}, ch("-b", "-d", "-x"), nil},
		{[]string{"b", "d"}, ch("-b", "+b", "-c", "+c"), []string{"b", "c", "d"}},
		{[]string{"a", "b", "c"}, ch("-b"), []string{"a", "c"}},
	} {
		prefix := []string{"z"} // a list of the kind before, ending in a name after all
		got := editList(slices.Clone(prefix), tc.old, tc.ch)
		if !slices.Equal(got[1:], tc.want) || got[0] != "z" {
			t.Errorf("%q with %v: %q, want %q", tc.old, tc.ch, got[1:], tc.want)
		}
	}
	// The kind before ending in the name added does not hide it.
	if got := editList([]string{"a"}, nil, ch("+a")); !slices.Equal(got, []string{"a", "a"}) {
		t.Errorf("got %q", got)
	}
}

func (c depChange) String() string {
	if c.del {
		return "-" + c.id
	}
	return fmt.Sprint("+", c.id)
}

// TestForgetRereadsFiles: a unit forgotten (the engine's garbage
// collection) is read from disk again by its next Load, without a new
// Set (daemon-reload) or ForgetIndex: its edited fragment, a drop-in
// directory and a .wants link made since, through an alias, and a unit
// file added since is found; a unit whose file went is not-found. This is
// what systemd 252 does (conformance 975).
func TestForgetRereadsFiles(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "a.service":     "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/old\n",
		etc + "al.service":    "-> a.service",
		etc + "w.service":     "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "z.service":     "[Unit]\nDefaultDependencies=no\nAfter=al.service\n" + svc,
		etc + "d.service":     "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "other.service": "[Unit]\nDefaultDependencies=no\n" + svc,
	})
	write := func(p, body string) {
		t.Helper()
		host := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(host, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := testSet(root)
	for _, n := range []string{"z.service", "d.service"} {
		if _, err := s.Load(n); err != nil {
			t.Fatal(err)
		}
	}
	s.Forget("a.service")
	// edited in place (its directory's mtime stays), then a drop-in
	// directory and a .wants link made
	write(etc+"a.service", "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/new\nEnvironment=FRAG=1\n")
	write(etc+"a.service.d/x.conf", "[Service]\nEnvironment=DROPIN=1\n")
	if err := os.MkdirAll(filepath.Join(root, etc, "a.service.wants"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../w.service", filepath.Join(root, etc, "a.service.wants/w.service")); err != nil {
		t.Fatal(err)
	}
	a, err := s.Load("al.service")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "a.service" || s.Get("a.service") != a {
		t.Fatalf("al.service loads %s", a.ID)
	}
	if got := a.Service.ExecStart; len(got) != 1 || got[0].Path != "/bin/new" {
		t.Errorf("ExecStart %+v, want the edited /bin/new", got)
	}
	if got := a.ExecSettings().Environment; !slices.Equal(got, []string{"FRAG=1", "DROPIN=1"}) {
		t.Errorf("Environment %q, want the fragment's and the new drop-in's", got)
	}
	if got := a.Deps.Of(Wants); !slices.Equal(got, []string{"w.service"}) {
		t.Errorf("a.service wants %q, want the new .wants link's w.service", got)
	}
	if got := s.Get("z.service").Deps.Of(After); !slices.Equal(got, []string{"a.service"}) {
		t.Errorf("z.service after %q, want a.service again", got)
	}
	// a file added after the scan: found without ForgetIndex
	write(etc+"n.service", "[Unit]\nDefaultDependencies=no\n"+svc)
	if n, err := s.Load("n.service"); err != nil || n.LoadState != StateLoaded {
		t.Errorf("n.service added since the scan: %+v %v", n, err)
	}
	s.Forget("d.service")
	if err := os.Remove(filepath.Join(root, etc, "d.service")); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Load("d.service"); err != nil || d.LoadState != "not-found" {
		t.Errorf("d.service whose file went: %+v %v", d, err)
	}
}

// TestNotFoundRetried: a unit loaded as not-found (a Wants= of a loaded
// unit) is read when its file appears and it is asked for by name again,
// without daemon-reload, and the unit that wants it links to it; without
// a file it stays the not-found unit (conformance 979).
func TestNotFoundRetried(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "a.service": "[Unit]\nDefaultDependencies=no\nWants=b.service\n" + svc,
	})
	s := testSet(root)
	if _, err := s.Load("a.service"); err != nil {
		t.Fatal(err)
	}
	b := s.Get("b.service")
	if b == nil || b.LoadState != StateNotFound {
		t.Fatalf("b.service before its file: %+v", b)
	}
	if again, _ := s.Load("b.service"); again != b {
		t.Errorf("b.service without a file loaded anew")
	}
	s.ForgetIndex()
	if err := os.WriteFile(filepath.Join(root, etc, "b.service"), []byte("[Unit]\nDefaultDependencies=no\n"+svc), 0o644); err != nil {
		t.Fatal(err)
	}
	nb, err := s.Load("b.service")
	if err != nil || nb == b || nb.LoadState != StateLoaded {
		t.Fatalf("b.service after its file appeared: %+v %v", nb, err)
	}
	if got := nb.Deps.Of(WantedBy); !slices.Equal(got, []string{"a.service"}) {
		t.Errorf("b.service wanted by %q, want a.service", got)
	}
	if again, _ := s.Load("b.service"); again != nb {
		t.Errorf("a loaded b.service loaded again")
	}
}

// TestNeedReload: NeedDaemonReload= as systemd 252 computes it
// (conformance 980): an edited fragment or drop-in, a drop-in removed or
// added beside the unit's others, a deleted fragment; not a drop-in in a
// directory made since the unit was read; a masked unit until unmasked.
func TestNeedReload(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "a.service":          "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "a.service.d/x.conf": "[Service]\nEnvironment=X=1\n",
		etc + "n.service":          "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "m.service":          "-> /dev/null",
		// generated from a script reached by an absolute link in the root
		etc + "l.service": "[Unit]\nDefaultDependencies=no\nSourcePath=/etc/init.d/l\n" + svc,
		"/etc/init.d/l":   "-> /opt/l",
		"/opt/l":          "#!/bin/sh\n",
	})
	host := func(p string) string { return filepath.Join(root, p) }
	later := func(p string) {
		t.Helper()
		tm := time.Now().Add(time.Hour)
		if err := os.Chtimes(host(p), tm, tm); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, body string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(host(p)), 0o755)
		if err := os.WriteFile(host(p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load := func() (*Set, map[string]*Unit) {
		s := testSet(root)
		us := map[string]*Unit{}
		for _, n := range []string{"a.service", "n.service", "m.service", "l.service"} {
			u, err := s.Load(n)
			if err != nil {
				t.Fatal(err)
			}
			us[n] = u
		}
		s.ForgetIndex()
		return s, us
	}
	check := func(step string, s *Set, us map[string]*Unit, want ...string) {
		t.Helper()
		for _, n := range []string{"a.service", "n.service", "m.service", "l.service"} {
			if got := s.NeedReload(us[n]); got != slices.Contains(want, n) {
				t.Errorf("%s: NeedReload(%s) = %v", step, n, got)
			}
		}
	}
	s, us := load()
	check("as loaded", s, us)
	write(etc+"n.service.d/new.conf", "[Service]\nEnvironment=N=1\n")
	check("a drop-in directory made since", s, us)
	later(etc + "a.service.d/x.conf")
	check("a drop-in edited", s, us, "a.service")
	s, us = load()
	write(etc+"a.service.d/y.conf", "[Service]\nEnvironment=Y=1\n")
	check("a drop-in added beside", s, us, "a.service")
	s, us = load()
	os.Remove(host(etc + "a.service.d/y.conf"))
	check("a drop-in removed", s, us, "a.service")
	s, us = load()
	later(etc + "n.service")
	check("a fragment edited", s, us, "n.service")
	s, us = load()
	later("/opt/l")
	check("the SourcePath= edited", s, us, "l.service")
	s, us = load()
	os.Remove(host(etc + "m.service"))
	write(etc+"m.service", "[Unit]\nDefaultDependencies=no\n"+svc)
	check("unmasked", s, us, "m.service")
	s, us = load()
	os.Remove(host(etc + "a.service"))
	check("a fragment deleted", s, us, "a.service")
}
