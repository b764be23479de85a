package loader

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/unit"
)

// tree builds a root directory from in-root paths: a value starting with
// "-> " makes a symlink to the rest, any other value a file with that
// content.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		host := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			if err := os.Symlink(target, host); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(host, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// newUnit creates a unit with contexts of its own.
func newUnit(id string, names []string, host *unit.Host, frag string) *Unit {
	return initUnit(new(Unit), id, names, host, frag, nil)
}

func loadIn(t *testing.T, root, name string) (*Set, *Unit) {
	t.Helper()
	s := testSet(root)
	s.LoadAll()
	u, err := s.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s, u
}

const (
	etc   = "/etc/systemd/system/"
	run   = "/run/systemd/system/"
	local = "/usr/local/lib/systemd/system/"
	lib   = "/lib/systemd/system/"
	svc   = "[Service]\nExecStart=/bin/true\n"
)

// TestLoader checks how units are found and assembled, each case stating
// what systemd 252 did with the same layout (the recorded oracle data in
// conformance/testdata, or a booted systemd 252).
func TestLoader(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		load  string
		check func(t *testing.T, s *Set, u *Unit)
	}{
		{
			// gosd-alias-rel.service -> gosd-real.service: Id is the file's
			// name and Names lists every alias, whichever name was loaded.
			name: "an alias symlink names the same unit",
			files: map[string]string{
				local + "real.service":    svc,
				etc + "alias-rel.service": "-> ../../../usr/local/lib/systemd/system/real.service",
				etc + "alias-abs.service": "-> /usr/local/lib/systemd/system/real.service",
			},
			load: "alias-abs.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.ID, "real.service")
				cgEq(t, u.Names, []string{"alias-abs.service", "alias-rel.service", "real.service"})
				cgEq(t, u.FragmentPath, local+"real.service")
				if s.Get("alias-rel.service") != u {
					t.Error("the other alias is another unit")
				}
			},
		},
		{
			// gosd-masked-link.service: a /dev/null link in /etc hides the
			// file in /usr/local/lib; FragmentPath is the link.
			name: "a /dev/null symlink masks the unit",
			files: map[string]string{
				local + "m.service": svc,
				etc + "m.service":   "-> /dev/null",
			},
			load: "m.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.FragmentPath, u.LoadError.Error()}, []string{StateMasked, etc + "m.service", "Unit m.service is masked."})
			},
		},
		{
			// Checked on a booted systemd 252: a masked unit still reads its
			// drop-ins (DropInPaths, Description) and .wants directory.
			name: "a masked unit still has its drop-ins",
			files: map[string]string{
				etc + "m.service":                 "-> /dev/null",
				etc + "m.service.d/a.conf":        "[Unit]\nDescription=dropin of masked\n",
				etc + "m.service.wants/a.service": "-> ../a.service",
				etc + "a.service":                 svc,
			},
			load: "m.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.Unit.Description}, []string{StateMasked, "dropin of masked"})
				cgEq(t, u.DropInPaths, []string{etc + "m.service.d/a.conf"})
				cgEq(t, u.Deps.Of(Wants), []string{"a.service"})
			},
		},
		{
			// Checked on a booted systemd 252: a fatal setting in a drop-in
			// ends that drop-in only; the unit loads and later drop-ins apply.
			name: "a fatal setting in a drop-in skips the rest of that drop-in",
			files: map[string]string{
				etc + "f.service":          "[Unit]\nDescription=frag\n" + svc,
				etc + "f.service.d/a.conf": "[Unit]\nDescription=one\n[Service]\nExecStart=+!/bin/true\n[Unit]\nDocumentation=man:after-fatal\n",
				etc + "f.service.d/b.conf": "[Unit]\nDocumentation=man:second\n",
			},
			load: "f.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.Unit.Description}, []string{StateLoaded, "one"})
				cgEq(t, u.Unit.Documentation, []string{"man:second"})
			},
		},
		{
			// gosd-masked-empty.service.
			name:  "an empty file masks the unit",
			files: map[string]string{etc + "e.service": ""},
			load:  "e.service",
			check: func(t *testing.T, s *Set, u *Unit) { cgEq(t, u.LoadState, StateMasked) },
		},
		{
			// gosd-nonexistent.service and a service with only drop-ins
			// (checked on a booted systemd 252): not found, no drop-ins.
			name:  "a service without a file is not found, drop-ins or not",
			files: map[string]string{etc + "d.service.d/a.conf": "[Unit]\nDescription=x\n"},
			load:  "d.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.LoadError.Error(), u.Unit.Description}, []string{StateNotFound, "Unit d.service not found.", ""})
				cgEq(t, len(u.DropInPaths), 0)
			},
		},
		{
			// A slice needs no file: gosdc-sl.slice with only a drop-in was
			// loaded, with "Slice /gosdc/sl" as description.
			name:  "a slice loads from drop-ins alone",
			files: map[string]string{etc + "a-b.slice.d/x.conf": "[Slice]\nMemoryMax=5M\n"},
			load:  "a-b.slice",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.Unit.Description, u.CGroup.Slice}, []string{StateLoaded, "Slice /a/b", "a.slice"})
				cgEq(t, u.CGroup.MemoryMax, uint64(5<<20))
			},
		},
		{
			// gosd-dropin.service: 30-same.conf exists in /etc, /run and
			// /usr/local/lib and the /etc one is used; the others apply in
			// lexical order across directories. Non-.conf files are ignored.
			// An empty or /dev/null drop-in is listed but holds nothing.
			name: "drop-ins override by file name and apply in lexical order",
			files: map[string]string{
				local + "d.service":                svc,
				local + "d.service.d/30-same.conf": "[Unit]\nDescription=local\n",
				run + "d.service.d/30-same.conf":   "[Unit]\nDescription=run\n",
				etc + "d.service.d/30-same.conf":   "[Unit]\nDescription=etc\n",
				run + "d.service.d/10-first.conf":  "[Unit]\nDescription=first\nDocumentation=man:a\n",
				local + "d.service.d/50-last.conf": "[Unit]\nDocumentation=man:b\n",
				etc + "d.service.d/README":         "[Unit]\nDescription=readme\n",
				etc + "d.service.d/40-null.conf":   "-> /dev/null",
				etc + "d.service.d/45-empty.conf":  "",
			},
			load: "d.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.DropInPaths, []string{run + "d.service.d/10-first.conf", etc + "d.service.d/30-same.conf", etc + "d.service.d/40-null.conf", etc + "d.service.d/45-empty.conf", local + "d.service.d/50-last.conf"})
				cgEq(t, u.Unit.Description, "etc")
				cgEq(t, u.Unit.Documentation, []string{"man:a", "man:b"})
			},
		},
		{
			// gosdx-.service.d and gosdx-web-.service.d apply to
			// gosdx-web-api.service, the shorter prefix first; the type
			// directory service.d (like timer.d for every timer) comes
			// before all of them.
			name: "prefix and type drop-ins",
			files: map[string]string{
				local + "x-web-api.service":         svc,
				etc + "x-.service.d/10-x.conf":      "[Unit]\nDocumentation=man:x\n",
				etc + "x-web-.service.d/20-w.conf":  "[Unit]\nDocumentation=man:w\n",
				etc + "service.d/05-type.conf":      "[Unit]\nDocumentation=man:type\n",
				etc + "x-web-api.service.d/30.conf": "[Unit]\nDocumentation=man:own\n",
			},
			load: "x-web-api.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.Unit.Documentation, []string{"man:type", "man:x", "man:w", "man:own"})
			},
		},
		{
			// gosdt@.service.d applies to every instance, gosdt@one.service.d
			// to that one only; gosdt-alias@ is an alias template, so
			// gosdt-alias@three.service is gosdt@three.service.
			name: "template drop-ins and alias templates",
			files: map[string]string{
				local + "t@.service":           "[Unit]\nDescription=t %i\n" + svc,
				local + "t@.service.d/a.conf":  "[Unit]\nDocumentation=man:all\n",
				etc + "t@one.service.d/b.conf": "[Unit]\nDocumentation=man:one\n",
				local + "t-alias@.service":     "-> t@.service",
			},
			load: "t-alias@three.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.ID, "t@three.service")
				cgEq(t, u.Names, []string{"t-alias@three.service", "t@three.service"})
				cgEq(t, u.Unit.Description, "t three")
				cgEq(t, u.Unit.Documentation, []string{"man:all"})
				one, _ := s.Load("t@one.service")
				cgEq(t, one.Unit.Documentation, []string{"man:all", "man:one"})
			},
		},
		{
			// gosd-group.target.wants: relative, absolute and dangling links
			// count, a /dev/null entry does not, a plain file is refused,
			// and a bare template gets the target's name as instance
			// (gosdw@gosd-group.service) with a "has different name"
			// warning. .requires/ works the same way.
			name: ".wants and .requires directories",
			files: map[string]string{
				etc + "g.target":                         "[Unit]\nDescription=g\n",
				local + "a.service":                      svc,
				local + "w@.service":                     svc,
				etc + "g.target.wants/a.service":         "-> ../../../../usr/local/lib/systemd/system/a.service",
				etc + "g.target.wants/dang.service":      "-> /nonexistent/dang.service",
				etc + "g.target.wants/e.service":         "-> /dev/null",
				etc + "g.target.wants/f.service":         "plain file",
				etc + "g.target.wants/w@.service":        "-> " + local + "w@.service",
				local + "g.target.wants/.hidden.service": "-> " + local + "a.service",
				local + "r.service":                      svc,
				local + "g.target.requires/r.service":    "-> ../r.service",
			},
			load: "g.target",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.Deps.Of(Wants), []string{"a.service", "dang.service", "w@g.service"})
				cgEq(t, u.Deps.Of(Requires), []string{"r.service"})
				cgEq(t, cgMsgs(u), []string{
					"g.target: Wants dependency dropin " + etc + "g.target.wants/f.service is not a symlink, ignoring.",
					"g.target: Wants dependency dropin " + etc + "g.target.wants/w@.service target " + local + "w@.service has different name",
				})
				// The wanted unit sees it in reverse; the target is ordered
				// after what it pulls in (its default dependencies).
				a := s.Get("a.service")
				cgEq(t, a.Deps.Of(WantedBy), []string{"g.target"})
				cgEq(t, u.Deps.Of(After), []string{"a.service", "r.service", "w@g.service"})
			},
		},
		{
			// gosdt@.service.wants/gosdw@.service: an instance passes its
			// own instance on, silently.
			name: "a template in an instance's .wants takes its instance",
			files: map[string]string{
				local + "t@.service":                  svc,
				local + "w@.service":                  svc,
				local + "t@.service.wants/w@.service": "-> ../w@.service",
			},
			load: "t@one.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.Deps.Of(Wants), []string{"w@one.service"})
				cgEq(t, len(cgMsgs(u)), 0)
			},
		},
		{
			// gosdd@ has DefaultInstance=def; the bare template itself is not
			// a unit systemd can show (errors/show-template-gosdd), but the
			// instance its enablement created is loaded from the template.
			name: "DefaultInstance does not make the template loadable",
			files: map[string]string{
				local + "d@.service":                 "[Unit]\nDescription=d %i\n" + svc + "[Install]\nDefaultInstance=def\nWantedBy=g.target\n",
				etc + "g.target":                     "[Unit]\n",
				etc + "g.target.wants/d@def.service": "-> " + local + "d@.service",
			},
			load: "d@def.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.ID, u.Unit.Description, u.FragmentPath}, []string{"d@def.service", "d def", local + "d@.service"})
				cgEq(t, u.Deps.Of(WantedBy), []string{"g.target"})
				_, err := s.Load("d@.service")
				if !errors.Is(err, ErrInvalidName) || err.Error() != "Unit name d@.service is neither a valid invocation ID nor unit name." {
					t.Errorf("Load(template) = %v", err)
				}
			},
		},
		{
			// gosd-override.service in /run and /usr/local/lib: /run wins;
			// /etc wins over both (gosd-etc-wins.service).
			name: "the first directory of the search path wins",
			files: map[string]string{
				local + "o.service": "[Unit]\nDescription=local\n" + svc,
				run + "o.service":   "[Unit]\nDescription=run\n" + svc,
				lib + "p.service":   "[Unit]\nDescription=lib\n" + svc,
				etc + "p.service":   "[Unit]\nDescription=etc\n" + svc,
			},
			load: "o.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.Unit.Description, "run")
				p, _ := s.Load("p.service")
				cgEq(t, p.Unit.Description, "etc")
			},
		},
		{
			// gosd-broken-utf8.service: LoadState=error with EINVAL.
			name:  "a line that is not UTF-8 makes the unit fail to load",
			files: map[string]string{etc + "u.service": "[Unit]\nDescription=\xff\xfe\n" + svc},
			load:  "u.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.LoadError.Error()}, []string{StateError, "Invalid argument"})
			},
		},
		{
			// gosd-broken-crlf.service: a BOM and CRLF line ends are fine.
			name:  "BOM and CRLF",
			files: map[string]string{etc + "c.service": "\xef\xbb\xbf[Unit]\r\nDescription=crlf\r\n[Service]\r\nExecStart=/bin/true\r\n"},
			load:  "c.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, []string{u.LoadState, u.Unit.Description}, []string{StateLoaded, "crlf"})
			},
		},
		{
			// gosd-a.service has JoinsNamespaceOf=gosd-b.service and systemd
			// 252 shows it on gosd-a only.
			name: "JoinsNamespaceOf has no reverse",
			files: map[string]string{
				etc + "a.service": "[Unit]\nJoinsNamespaceOf=b.service\n" + svc,
				etc + "b.service": svc,
			},
			load: "a.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				cgEq(t, u.Deps.Of(JoinsNamespaceOf), []string{"b.service"})
				cgEq(t, len(s.Get("b.service").Deps.Of(JoinsNamespaceOf)), 0)
			},
		},
		{
			// gosd-sliced.service with Slice=gosd-sub.slice: the slice lists
			// it in SliceOf=, gosd.slice lists gosd-sub.slice; all can freeze.
			name: "slices and their members",
			files: map[string]string{
				etc + "s.service":   "[Service]\nExecStart=/bin/true\nSlice=x-y.slice\n",
				etc + "x.slice":     "[Slice]\n",
				etc + "x-y.slice":   "[Slice]\n",
				etc + "sock.socket": "[Socket]\nListenStream=/run/s\nSlice=x-y.slice\n",
			},
			load: "s.service",
			check: func(t *testing.T, s *Set, u *Unit) {
				xy := s.Get("x-y.slice")
				cgEq(t, xy.SliceOf(), []string{"s.service", "sock.socket"})
				cgEq(t, s.Get("x.slice").SliceOf(), []string{"x-y.slice"})
				// A socket cannot be frozen, so neither can its slice.
				cgEq(t, []bool{u.CanFreeze(), xy.CanFreeze()}, []bool{true, false})
				// The root slice is loaded as the parent of x.slice.
				if r := s.Get("-.slice"); r == nil || !r.Perpetual() || r.Unit.Description != "Root Slice" {
					t.Errorf("-.slice: %+v", r)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tree(t, tc.files)
			s, u := loadIn(t, root, tc.load)
			tc.check(t, s, u)
		})
	}
}

// TestTargetDefaultDependencies checks systemd's default dependencies of
// targets: Conflicts= and Before= shutdown.target, and After= on the
// units they pull in, unless either side has DefaultDependencies=no or
// the unit is already ordered after the target.
func TestTargetDefaultDependencies(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "t.target":      "[Unit]\nWants=a.service b.service c.service\nRequires=d.service\n",
		etc + "a.service":     svc,
		etc + "b.service":     "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "c.service":     "[Unit]\nAfter=t.target\n" + svc,
		etc + "d.service":     svc,
		etc + "nodeps.target": "[Unit]\nDefaultDependencies=no\nWants=a.service\n",
	})
	s, u := loadIn(t, root, "t.target")
	cgEq(t, u.Deps.Of(After), []string{"a.service", "d.service"})
	cgEq(t, u.Deps.Of(Conflicts), []string{"shutdown.target"})
	cgEq(t, u.Deps.Of(Before), []string{"c.service", "shutdown.target"})
	n := s.Get("nodeps.target")
	cgEq(t, len(n.Deps.Of(After))+len(n.Deps.Of(Conflicts)), 0)
	if !slices.Contains(s.Get("shutdown.target").Deps.Of(ConflictedBy), "t.target") {
		t.Error("shutdown.target does not list t.target in ConflictedBy")
	}
}

// TestSpecialSlices checks what systemd builds into -.slice and
// system.slice: loaded without a file, perpetual, no default dependencies.
func TestSpecialSlices(t *testing.T) {
	root := tree(t, map[string]string{etc + "x.service": svc})
	s, _ := loadIn(t, root, "x.service")
	for _, tc := range []struct{ id, desc, slice string }{{"-.slice", "Root Slice", ""}, {"system.slice", "System Slice", "-.slice"}} {
		u := s.Get(tc.id)
		if u == nil {
			t.Fatalf("%s not loaded", tc.id)
		}
		got := []any{u.LoadState, u.Unit.Description, u.Unit.Documentation, u.Unit.DefaultDependencies, u.Perpetual(), u.CGroup.Slice}
		want := []any{StateLoaded, tc.desc, []string{"man:systemd.special(7)"}, false, true, tc.slice}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", tc.id, got, want)
		}
	}
}

// TestWantsEntryMasks checks that a .wants entry leading to an empty unit
// file is skipped (systemd's null_or_empty_path()), whether the loader
// learns the file is empty from reading it ahead (LoadAll) or from a stat
// (Load), and through links that the read-ahead cannot vouch for
// (absolute, outside the search path, through a symlinked directory).
func TestWantsEntryMasks(t *testing.T) {
	usrLib := "/usr/lib/systemd/system/"
	root := tree(t, map[string]string{
		etc + "g.target":                      "[Unit]\n",
		local + "a.service":                   svc,
		local + "empty.service":               "",
		local + "abs.service":                 svc,
		"/opt/units/l.service":                svc,
		"/opt/units/lempty.service":           "",
		usrLib + "x.service":                  svc,
		usrLib + "y.service":                  "",
		"/lib":                                "-> usr/lib",
		etc + "g.target.wants/a.service":      "-> ../../../../usr/local/lib/systemd/system/a.service",
		etc + "g.target.wants/empty.service":  "-> ../../../../usr/local/lib/systemd/system/empty.service",
		etc + "g.target.wants/abs.service":    "-> /usr/local/lib/systemd/system/abs.service",
		etc + "g.target.wants/l.service":      "-> /opt/units/l.service",
		etc + "g.target.wants/lempty.service": "-> /opt/units/lempty.service",
		etc + "g.target.wants/x.service":      "-> ../../../../lib/systemd/system/x.service",
		etc + "g.target.wants/y.service":      "-> /lib/systemd/system/y.service",
	})
	want := []string{"a.service", "abs.service", "l.service", "x.service"}
	host := &unit.Host{Root: root, Hostname: "host"}
	all := NewSet(SystemPaths(root), host)
	all.LoadAll()
	one := NewSet(SystemPaths(root), host)
	if _, err := one.Load("g.target"); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Set{"LoadAll": all, "Load": one} {
		if got := s.Get("g.target").Deps.Of(Wants); !slices.Equal(got, want) {
			t.Errorf("%s: Wants = %v, want %v", name, got, want)
		}
	}
}

// TestLinkPath checks where linkPath says a symlink leads, and that it
// refuses what only the file system can tell.
func TestLinkPath(t *testing.T) {
	const dir = "/etc/systemd/system/g.target.wants"
	tests := []struct {
		name, target, want string
		ok                 bool
	}{
		{"up to the directory", "../a.service", "/etc/systemd/system/a.service", true},
		{"up to the root and down", "../../../../usr/lib/a.service", "/usr/lib/a.service", true},
		{"absolute", "/usr/lib/systemd/system/a.service", "/usr/lib/systemd/system/a.service", true},
		{"same directory", "a.service", dir + "/a.service", true},
		{"above the root", "../../../../../a.service", "", false},
		{"up after a name", "../x/../a.service", "", false},
		{"up at the end", "../x/..", "", false},
		{"absolute with up", "/usr/../a.service", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := linkPath(dir, tc.target)
			if got != tc.want || ok != tc.ok {
				t.Errorf("linkPath(%q) = %q, %v; want %q, %v", tc.target, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestFwdRefs checks the names drain pushes for a built unit: each once,
// where it was last mentioned, in the order of those last mentions.
func TestFwdRefs(t *testing.T) {
	edges := func(names ...string) []depEdge {
		var out []depEdge
		for _, n := range names {
			out = append(out, depEdge{Wants, n})
		}
		return out
	}
	var long, longWant []string
	for i := range 40 {
		n := string(rune('a' + i%20))
		long = append(long, n)
		if i >= 20 {
			longWant = append(longWant, n)
		}
	}
	tests := []struct {
		name string
		fwd  []depEdge
		want []string
	}{
		{"none", nil, []string{}},
		{"distinct", edges("a", "b", "c"), []string{"a", "b", "c"}},
		{"repeated", edges("a", "b", "a", "c", "b"), []string{"a", "c", "b"}},
		{"many (with a set)", edges(long...), longWant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fwdRefs(tc.fwd); !slices.Equal(got, tc.want) {
				t.Errorf("fwdRefs = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestForgetIndex: after ForgetIndex a unit not loaded yet is still
// found, from a new scan, which also sees a file added since.
func TestForgetIndex(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.service", "[Service]\nExecStart=/bin/true\n")
	s := NewSet(SystemPaths(root), &unit.Host{Root: root})
	if u, err := s.Load("a.service"); err != nil || u.LoadState != StateLoaded {
		t.Fatalf("a: %v %v", u, err)
	}
	s.ForgetIndex()
	write("b.service", "[Unit]\nWants=a.service\n[Service]\nExecStart=/bin/true\n")
	u, err := s.Load("b.service")
	if err != nil || u.LoadState != StateLoaded {
		t.Fatalf("b after ForgetIndex: %v %v", u, err)
	}
	if got := u.Deps.Of(Wants); len(got) != 1 || got[0] != "a.service" {
		t.Errorf("b wants %v", got)
	}
	if u, _ := s.Load("c.service"); u == nil || u.LoadState != "not-found" {
		t.Errorf("c: %+v", u)
	}
}
