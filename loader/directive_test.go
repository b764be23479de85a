package loader

import (
	"testing"
	"unsafe"

	"github.com/gosd/gosd/unit"
)

// TestDirectiveLookup checks the hashed name index against the tables: a
// directive is found under each section it is in and under no other, no
// two directives claim one section and name (the index would then pick
// one silently), and unknown names are not found.
func TestDirectiveLookup(t *testing.T) {
	owner := map[[2]string]*directive{}
	for ti := range directiveTables {
		for i := range directiveTables[ti] {
			d := &directiveTables[ti][i]
			for _, sec := range sectionNames {
				bit := sectionOf(sec)
				got := lookupDirective(bit, d.name)
				if d.in&bit == 0 {
					if got == d {
						t.Errorf("%s= found in [%s], which it is not in", d.name, sec)
					}
					continue
				}
				k := [2]string{sec, d.name}
				if prev := owner[k]; prev != nil {
					t.Errorf("[%s] %s= is in two directive tables", sec, d.name)
				}
				owner[k] = d
				if got != d {
					t.Errorf("[%s] %s= not found", sec, d.name)
				}
			}
		}
	}
	if len(owner) < 1000 {
		t.Errorf("%d (section, directive) pairs; the tables have more than 1000", len(owner))
	}
	for _, name := range []string{"", "ExecStar", "ExecStartX", "zzz", "Description "} {
		for _, sec := range sectionNames {
			if d := lookupDirective(sectionOf(sec), name); d != nil {
				t.Errorf("lookupDirective([%s], %q) = %s=, want none", sec, name, d.name)
			}
		}
	}
}

// unitTypes are the unit types of systemd 252.
var unitTypes = []string{"service", "socket", "target", "device", "timer", "path", "mount", "automount", "swap", "slice", "scope"}

// TestEveryDirectiveParses applies a few values to every directive in
// every section it is in, on a new unit of every type that has that
// section: a parser reaching for a context one of those types lacks (a
// [Unit] setting for a service's, say), or a table entry of the wrong
// parser type for its section, panics. (The types of the fields a parser
// sets are checked by the compiler.)
func TestEveryDirectiveParses(t *testing.T) {
	host := &unit.Host{Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"}
	applied := map[[2]string]bool{} // (section, directive) pairs applied in some type
	for _, typ := range unitTypes {
		secs := typeSections(typ)
		if secs == 0 {
			t.Errorf("no sections for type %s", typ)
		}
		id := "x." + typ
		for ti := range directiveTables {
			for _, d := range directiveTables[ti] {
				for _, sec := range sectionNames {
					if d.in&secs&sectionOf(sec) == 0 {
						continue
					}
					applied[[2]string{sec, d.name}] = true
					for _, v := range []string{"", "yes", "1", "/x", "x y", "-"} {
						func() {
							defer func() {
								if r := recover(); r != nil {
									t.Errorf("[%s] %s=%s in a %s: %v", sec, d.name, v, typ, r)
								}
							}()
							u := newUnit(id, []string{id}, host, "/etc/systemd/system/"+id)
							u.apply([]unit.Option{{Section: sec, Name: d.name, Value: v, File: u.FragmentPath, Line: 1}})
							if lookupDirective(u.sectionBit(sec), d.name) == nil {
								t.Errorf("[%s] %s= not found in a %s", sec, d.name, typ)
							}
						}()
					}
				}
			}
		}
	}
	pairs := 0
	for ti := range directiveTables {
		for _, d := range directiveTables[ti] {
			for _, sec := range sectionNames {
				if d.in&sectionOf(sec) == 0 {
					continue
				}
				pairs++
				if !applied[[2]string{sec, d.name}] {
					t.Errorf("[%s] %s= is in no unit type's sections", sec, d.name)
				}
			}
		}
	}
	if pairs < 1000 {
		t.Errorf("%d (section, directive) pairs applied; the tables have more than 1000", pairs)
	}
}

// TestStructSizes keeps the structs every loaded unit allocates within
// their size classes: a field added to Unit or Service should go behind a
// pointer (Unit.Unit.jobs, Unit.notes, Service.rare) unless most units set it. The
// runtime adds an 8-byte header to objects above 512 bytes.
func TestStructSizes(t *testing.T) {
	for _, c := range []struct {
		name       string
		size, most uintptr
	}{
		{"Unit", unsafe.Sizeof(Unit{}), 512},
		{"Service", unsafe.Sizeof(Service{}), 416},
	} {
		if c.size > c.most {
			t.Errorf("%s is %d bytes, more than %d: the allocation moves to a larger size class", c.name, c.size, c.most)
		}
	}
}

// TestFirstReport: a unit's problems are reported once, however often the
// manager loads it, since Load gives back the unit already loaded.
func TestFirstReport(t *testing.T) {
	s, u := svcLoad(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n"}, "a.service")
	if len(u.Unsupported()) == 0 {
		t.Fatal("PrivateNetwork= not listed as unsupported")
	}
	if !u.FirstReport() {
		t.Fatal("FirstReport false on a new unit")
	}
	again, err := s.Load("a.service")
	if err != nil {
		t.Fatal(err)
	}
	if again.FirstReport() {
		t.Error("FirstReport true again after a second Load")
	}
	// daemon-reload reads the files into a new Set, and the problems are
	// reported again: systemd 252 under nsboot logged "warn.service:5:
	// Unknown key 'FooBar' in section [Service], ignoring." at the boot and
	// once more after "Reloading.".
	reloaded := NewSet(s.Paths, s.Host)
	r, err := reloaded.Load("a.service")
	if err != nil {
		t.Fatal(err)
	}
	if !r.FirstReport() {
		t.Error("FirstReport false for the unit of a reloaded Set")
	}
}

// TestDepNamesShareIDs: a dependency naming a loaded unit by its ID keeps
// that unit's ID string, not the copy read from the file; one by an alias
// keeps the alias (a later link looks it up again).
func TestDepNamesShareIDs(t *testing.T) {
	s, a := svcLoad(t, map[string]string{
		"a.service": "[Unit]\nRequires=b.service\nAfter=b.service c.service\n[Service]\nExecStart=/bin/true\n",
		"b.service": "[Service]\nExecStart=/bin/true\n",
		"c.service": "[Service]\nExecStart=/bin/true\n",
	}, "a.service")
	b, c := s.units["b.service"], s.units["c.service"]
	if b == nil || c == nil {
		t.Fatal("b or c not loaded")
	}
	n := 0
	for _, e := range a.fwd {
		var id string
		switch e.name {
		case "b.service":
			id = b.ID
		case "c.service":
			id = c.ID
		default:
			continue
		}
		n++
		if unsafe.StringData(e.name) != unsafe.StringData(id) {
			t.Errorf("%v on %s: a copy of the name, not the unit's ID", e.kind, e.name)
		}
	}
	if n != 3 {
		t.Errorf("%d dependencies on b and c, want 3", n)
	}
}
