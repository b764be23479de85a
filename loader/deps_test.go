package loader

import (
	"maps"
	"slices"
	"testing"

	"github.com/gosd/gosd/unit"
)

// depsOf lists every kind ds has with its list, through Of for each kind,
// and checks that All yields exactly the same, in Dep order.
func depsOf(t *testing.T, ds *Deps) map[Dep][]string {
	t.Helper()
	got := map[Dep][]string{}
	for k := range NumDeps {
		if l := ds.Of(k); l != nil {
			got[k] = l
		}
	}
	var kinds []Dep
	for k, l := range ds.All() {
		kinds = append(kinds, k)
		if !slices.Equal(l, got[k]) {
			t.Errorf("All: %s = %q, Of gives %q", k, l, got[k])
		}
	}
	if want := slices.Sorted(maps.Keys(got)); !slices.Equal(kinds, want) {
		t.Errorf("All yields kinds %v, Of has %v", kinds, want)
	}
	return got
}

func TestDepsAdd(t *testing.T) {
	type add struct {
		k    Dep
		name string
	}
	for _, tc := range []struct {
		name string
		adds []add
		want map[Dep][]string
	}{
		{name: "none", want: map[Dep][]string{}},
		{
			name: "one kind keeps the order of adding and duplicates",
			adds: []add{{After, "b"}, {After, "a"}, {After, "b"}},
			want: map[Dep][]string{After: {"b", "a", "b"}},
		},
		{
			name: "kinds added out of Dep order",
			adds: []add{{ReferencedBy, "z"}, {Requires, "r"}, {After, "a1"}, {Requires, "r2"}, {Wants, "w"}, {After, "a2"}, {ReferencedBy, "z2"}},
			want: map[Dep][]string{
				Requires: {"r", "r2"}, Wants: {"w"}, After: {"a1", "a2"}, ReferencedBy: {"z", "z2"},
			},
		},
		{
			name: "first and last kind",
			adds: []add{{ReferencedBy, "last"}, {Requires, "first"}},
			want: map[Dep][]string{Requires: {"first"}, ReferencedBy: {"last"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ds Deps
			for _, a := range tc.adds {
				ds.Add(a.k, a.name)
			}
			got := depsOf(t, &ds)
			if !maps.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, a := range tc.adds {
				if !ds.Has(a.k, a.name) {
					t.Errorf("Has(%s, %s) = false", a.k, a.name)
				}
				if ds.Has(a.k.Inverse(), a.name) && a.k.Inverse() != a.k && !slices.Contains(tc.want[a.k.Inverse()], a.name) {
					t.Errorf("Has(%s, %s) = true", a.k.Inverse(), a.name)
				}
			}
			if ds.Has(Conflicts, "a") {
				t.Error("Has(Conflicts, a) = true")
			}
		})
	}
}

// TestDepsAddCopies checks that Add never changes what a copy of the Deps
// or a slice Of returned shows: linked units share one array.
func TestDepsAddCopies(t *testing.T) {
	var ds Deps
	ds.Add(After, "a")
	ds.Add(Before, "b")
	ds.Add(After, "c")
	before, after := ds.Of(Before), ds.Of(After)
	cp := ds
	cp.Add(After, "d")
	cp.Add(Before, "e")
	cp.Add(Requires, "f")
	if got := depsOf(t, &ds); !maps.EqualFunc(got, map[Dep][]string{Before: {"b"}, After: {"a", "c"}}, slices.Equal) {
		t.Errorf("the original changed: %q", got)
	}
	if !slices.Equal(before, []string{"b"}) || !slices.Equal(after, []string{"a", "c"}) {
		t.Errorf("slices from Of changed: Before %q After %q", before, after)
	}
	// Appending to a list Of returned copies it.
	_ = append(before, "x")
	if got := ds.Of(After); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("append to Of(Before) reached Of(After): %q", got)
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
	s := NewSet(SystemPaths(root), &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"})
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
