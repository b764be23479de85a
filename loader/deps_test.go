package loader

import (
	"maps"
	"slices"
	"testing"
)

// depsOf lists every kind ds has with its list, through Of for each kind.
func depsOf(t *testing.T, ds *Deps) map[Dep][]string {
	t.Helper()
	got := map[Dep][]string{}
	for k := range NumDeps {
		if l := ds.Of(k); l != nil {
			got[k] = l
		}
	}
	return got
}

// depsFrom lays out lists as link does: the kinds in Dep order, each list
// after the one before in one slice.
func depsFrom(lists map[Dep][]string) Deps {
	var ds Deps
	for k := range NumDeps {
		if l, ok := lists[k]; ok {
			ds.names = append(ds.names, l...)
			ds.spans = append(ds.spans, span(k, len(ds.names)))
		}
	}
	return ds
}

func TestDepsOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lists map[Dep][]string
	}{
		{name: "none", lists: map[Dep][]string{}},
		{name: "one kind", lists: map[Dep][]string{After: {"a", "b", "c"}}},
		{name: "several kinds", lists: map[Dep][]string{
			Requires: {"r", "r2"}, Wants: {"w"}, After: {"a1", "a2"}, ReferencedBy: {"z", "z2"},
		}},
		{name: "first and last kind", lists: map[Dep][]string{Requires: {"first"}, ReferencedBy: {"last"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := depsFrom(tc.lists)
			got := depsOf(t, &ds)
			if !maps.EqualFunc(got, tc.lists, slices.Equal) {
				t.Errorf("got %q, want %q", got, tc.lists)
			}
			for k, l := range tc.lists {
				if l := ds.Of(k); cap(l) != len(l) {
					t.Errorf("Of(%s) has len %d cap %d: appending to it would write to the next list", k, len(l), cap(l))
				}
				for _, name := range l {
					if !ds.Has(k, name) {
						t.Errorf("Has(%s, %s) = false", k, name)
					}
					if inv := k.Inverse(); inv != k && !slices.Contains(tc.lists[inv], name) && ds.Has(inv, name) {
						t.Errorf("Has(%s, %s) = true", inv, name)
					}
				}
			}
			if ds.Has(Conflicts, "a") {
				t.Error("Has(Conflicts, a) = true")
			}
		})
	}
}

// TestLinkedDeps checks what link makes of the lists on the 1000-unit
// graph with default dependencies: each is sorted and unique, capped (an
// append copies it), and every dependency between loaded units is
// recorded in reverse on the other.
func TestLinkedDeps(t *testing.T) {
	root := t.TempDir()
	writeUnitGraph(t, root, true)
	s, _ := loadIn(t, root, "bench.target")
	kinds := 0
	for _, u := range s.Units() {
		for k, l := range depsOf(t, &u.Deps) {
			kinds++
			if len(l) == 0 || cap(l) != len(l) {
				t.Errorf("%s: %s has len %d cap %d", u.ID, k, len(l), cap(l))
			}
			if !slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) {
				t.Errorf("%s: %s = %q is not sorted and unique", u.ID, k, l)
			}
			for _, id := range l {
				if o := s.Get(id); o != nil && k != JoinsNamespaceOf && !o.Deps.Has(k.Inverse(), u.ID) {
					t.Errorf("%s: %s=%s but %s has no %s=%s", u.ID, k, id, id, k.Inverse(), u.ID)
				}
			}
		}
	}
	if kinds < 4*len(s.Units()) {
		t.Errorf("%d units have only %d lists", len(s.Units()), kinds)
	}
	// A unit of the second layer: two of the first layer, and default deps.
	u := s.Get("u50.service")
	if u == nil {
		t.Fatal("u50.service not loaded")
	}
	if got, want := u.Deps.Of(Requires), []string{"sysinit.target", "u0.service", "u1.service"}; !slices.Equal(got, want) {
		t.Errorf("Requires %q, want %q", got, want)
	}
}

// TestRelinkKeepsLists loads a unit, then one that depends on it: the
// second link gives the first unit the reverse dependency, and the lists
// read before it are unchanged.
func TestRelinkKeepsLists(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "a.service": "[Unit]\nDefaultDependencies=no\nAfter=c.service\n" + svc,
		etc + "b.service": "[Unit]\nDefaultDependencies=no\nWants=a.service\nBefore=a.service\n" + svc,
	})
	s := testSet(root)
	a, err := s.Load("a.service")
	if err != nil {
		t.Fatal(err)
	}
	old := depsOf(t, &a.Deps)
	want := map[Dep][]string{After: {"c.service"}}
	if !maps.EqualFunc(old, want, slices.Equal) {
		t.Fatalf("a.service: %q, want %q", old, want)
	}
	if _, err := s.Load("b.service"); err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(old, want, slices.Equal) {
		t.Errorf("lists read before the second link changed: %q", old)
	}
	want = map[Dep][]string{WantedBy: {"b.service"}, After: {"b.service", "c.service"}}
	if got := depsOf(t, &a.Deps); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("a.service after loading b.service: %q, want %q", got, want)
	}
}

// TestReferences: a unit references the units its own files name (any
// kind, under any of their names: c.service through its alias), not the
// ones that name it (b.service's Before=a.service gives a.service an
// After=b.service, but a.service does not reference b.service).
func TestReferences(t *testing.T) {
	root := tree(t, map[string]string{
		etc + "a.service":       "[Unit]\nDefaultDependencies=no\nAfter=c-alias.service\n" + svc,
		etc + "b.service":       "[Unit]\nDefaultDependencies=no\nWants=a.service\nBefore=a.service\n" + svc,
		etc + "c.service":       "[Unit]\nDefaultDependencies=no\n" + svc,
		etc + "c-alias.service": "-> c.service",
	})
	s := testSet(root)
	if _, err := s.Load("b.service"); err != nil {
		t.Fatal(err)
	}
	a, b, c := s.Get("a.service"), s.Get("b.service"), s.Get("c.service")
	if a == nil || b == nil || c == nil {
		t.Fatalf("loaded %v %v %v", a, b, c)
	}
	for _, tc := range []struct {
		from, to *Unit
		want     bool
	}{
		{a, c, true}, {b, a, true}, {a, b, false}, {c, a, false}, {b, c, false}, {a, a, false},
	} {
		if got := tc.from.References(tc.to); got != tc.want {
			t.Errorf("%s references %s: %v, want %v", tc.from.ID, tc.to.ID, got, tc.want)
		}
	}
	// All lists every kind's units, kind after kind.
	if got, want := a.Deps.All(), []string{"b.service", "b.service", "c.service"}; !slices.Equal(got, want) {
		t.Errorf("a.service All %q, want %q (WantedBy, After)", got, want)
	}
}
