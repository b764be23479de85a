package loader

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// Linking a Set piecemeal. link computes every unit's Deps from the
// forward dependencies of all units; a Set that is linked already only
// needs the entries that units loaded since (linkLoaded) or a unit
// forgotten (Forget) add or take away, on the units they touch. Both give
// what link would give: the tests compare them with it.
//
// The Deps of a unit touched are built anew: a caller may hold the lists
// of the old ones (Deps.Of shares them), which must not change under it.
// The cost is the size of the touched units' lists: an instance of a
// service with default dependencies touches sysinit.target, basic.target
// and shutdown.target, whose lists name every such service loaded.

// depChange is an entry to add to one unit's list of a kind, or to delete.
type depChange struct {
	u    *Unit
	kind Dep
	del  bool
	id   string
}

// relation returns how u's forward dependencies name o (by name, as
// depGraph's relation by index).
func (s *Set) relation(u, o *Unit) uint8 {
	var r uint8
	for _, e := range u.fwd {
		if b := relKind(e.kind); b != 0 && s.units[e.name] == o {
			r |= b
		}
	}
	return r
}

// linkLoaded links the units loaded since the Set was last linked,
// s.order[from:]: their own Deps, and the entries they add to the units
// loaded before (reverse dependencies, default target dependencies, slice
// members), including those of the dependencies left dangling by Forget
// that now name a unit.
func (s *Set) linkLoaded(from int) {
	resolved := s.resolveDangling(from)
	renamed := s.renamed
	s.renamed = nil
	// Full relinks: when most units are new, one link costs about as much
	// and lays their lists out in one array; when a unit linked already got
	// a name (a rare merge), units that named it while no unit had it may
	// now be ordered against it otherwise, both ways, or placed in it.
	if len(s.order)-from >= from || slices.ContainsFunc(renamed, func(u *Unit) bool { return int(u.idx) < from }) {
		s.link()
		return
	}
	var ch []depChange
	add := func(u *Unit, k Dep, id string) { ch = append(ch, depChange{u: u, kind: k, id: id}) }
	// edge records u's forward dependency e on o as link does.
	edge := func(u *Unit, e *depEdge, o *Unit) {
		switch {
		case o == u:
		case o == nil:
			add(u, e.kind, e.name)
		default:
			if e.name == o.ID {
				e.name = o.ID // the unit's own ID string, as depGraph
			}
			add(u, e.kind, o.ID)
			// systemd 252 records JoinsNamespaceOf= on the joining unit only.
			if e.kind != JoinsNamespaceOf {
				add(o, e.kind.Inverse(), u.ID)
			}
		}
	}
	// targetEdge records that t is ordered after o, if it is.
	targetEdge := func(t, o *Unit, rt uint8) {
		if targetOrdered(t, o, rt, s.relation(o, t)) {
			add(t, After, o.ID)
			add(o, Before, t.ID)
		}
	}
	for _, u := range s.order[from:] {
		for j := range u.fwd {
			edge(u, &u.fwd[j], s.units[u.fwd[j].name])
		}
		if u.Type == "target" && defaultDeps(u) {
			rel := map[*Unit]uint8{}
			for _, e := range u.fwd {
				if o := s.units[e.name]; o != nil {
					rel[o] |= relKind(e.kind)
				}
			}
			for o, rt := range rel {
				targetEdge(u, o, rt)
			}
		}
	}
	// A target loaded before has no default dependency on a unit loaded
	// since unless it named it while it was not loaded.
	for _, r := range resolved {
		for j := range r.u.fwd {
			if e := &r.u.fwd[j]; e.name == r.name {
				ch = append(ch, depChange{u: r.u, kind: e.kind, del: true, id: e.name})
				edge(r.u, e, r.to)
			}
		}
		if r.u.Type == "target" {
			targetEdge(r.u, r.to, s.relation(r.u, r.to))
		}
	}
	applyChanges(ch)
	s.linkSlicesFrom(from)
}

// danglingDep is a unit's forward dependency on a name no unit had when
// it was linked, and the unit that has it now.
type danglingDep struct {
	u, to *Unit
	name  string
}

// resolveDangling takes out of s.dangling the names of the units loaded
// since s.order[from] and of those given names since (s.renamed, new
// units among them), and returns them with the units that name them.
func (s *Set) resolveDangling(from int) []danglingDep {
	if len(s.dangling) == 0 {
		return nil
	}
	var out []danglingDep
	take := func(name string) {
		for _, u := range s.dangling[name] {
			out = append(out, danglingDep{u, s.units[name], name})
		}
		delete(s.dangling, name)
	}
	for _, u := range s.order[from:] {
		for _, n := range u.Names {
			take(n)
		}
	}
	for _, u := range s.renamed {
		for _, n := range s.aliases[u] {
			take(n)
		}
	}
	return out
}

// linkSlicesFrom records in their slices the units loaded since
// s.order[from]. A slice loaded since may have members loaded before it
// (placed in it while it was not loaded): all units are looked at then.
func (s *Set) linkSlicesFrom(from int) {
	start := from
	for _, u := range s.order[from:] {
		if u.CGroup != nil && u.Type == "slice" {
			start = 0
		}
	}
	for _, u := range s.order[start:] {
		if sl := s.sliceOf(u); sl != nil && (int(u.idx) >= from || int(sl.idx) >= from) {
			sl.CGroup.members = append(sl.CGroup.members, u)
		}
	}
}

// Forget unloads the unit called id (by any of its names; nothing when
// no unit of that name is loaded): it leaves the Set under all its names,
// and the entries it gave other units' Deps (reverse dependencies,
// default target dependencies) and its slice go with it, as if it had
// never been loaded. A unit that names it in its own files still does:
// its Deps list the name as given, as link does for a name no unit has,
// and the next Load of the name loads the unit afresh from its files.
// The Deps of the units touched are new: lists read before do not change.
func (s *Set) Forget(id string) {
	x := s.units[id]
	if x == nil {
		return
	}
	var names []string
	for _, n := range slices.Concat(x.Names, s.aliases[x]) {
		if s.units[n] == x {
			names = append(names, n)
		}
	}
	// The units whose lists name x: those x's lists name, and those that
	// join its namespace, which x does not record.
	var touched []*Unit
	for _, oid := range x.Deps.All() {
		if o := s.units[oid]; o != nil && o != x {
			touched = append(touched, o)
		}
	}
	for _, n := range names {
		touched = append(touched, s.joinedBy[n]...)
	}
	slices.SortFunc(touched, func(a, b *Unit) int { return cmp.Compare(a.idx, b.idx) })
	touched = slices.Compact(touched)
	var ch []depChange
	for _, o := range touched {
		if o == x {
			continue
		}
		// Every entry of x on o is x's, or o's own dependency on x, which
		// stays under the name o gave.
		start := 0
		for _, sp := range o.Deps.spans {
			k, end := Dep(sp&spanKindMask), int(sp>>spanKindBits)
			if _, found := slices.BinarySearch(o.Deps.names[start:end], x.ID); found {
				ch = append(ch, depChange{u: o, kind: k, del: true, id: x.ID})
			}
			start = end
		}
		for _, e := range o.fwd {
			if s.units[e.name] == x {
				ch = append(ch, depChange{u: o, kind: e.kind, id: e.name})
				s.dangle(e.name, o)
			}
		}
	}
	applyChanges(ch)
	for _, e := range x.fwd {
		if s.units[e.name] == nil {
			drop(s.dangling, e.name, x)
		}
		if e.kind == JoinsNamespaceOf {
			drop(s.joinedBy, e.name, x)
		}
	}
	if sl := s.sliceOf(x); sl != nil {
		sl.CGroup.members = without(sl.CGroup.members, x)
	}
	for _, n := range names {
		delete(s.units, n)
	}
	delete(s.aliases, x)
	i := int(x.idx)
	s.order = slices.Delete(s.order, i, i+1)
	for ; i < len(s.order); i++ {
		s.order[i].idx = int32(i)
	}
}

// dangle notes that u names name, which no loaded unit has.
func (s *Set) dangle(name string, u *Unit) {
	if s.dangling == nil {
		s.dangling = map[string][]*Unit{}
	}
	if l := s.dangling[name]; len(l) == 0 || l[len(l)-1] != u {
		s.dangling[name] = append(l, u)
	}
}

// drop takes u out of m[name].
func drop(m map[string][]*Unit, name string, u *Unit) {
	if l := without(m[name], u); len(l) > 0 {
		m[name] = l
	} else {
		delete(m, name)
	}
}

// without returns l without u, in place.
func without(l []*Unit, u *Unit) []*Unit {
	return slices.DeleteFunc(l, func(o *Unit) bool { return o == u })
}

// applyChanges gives each unit that ch changes new Deps: its lists with
// the entries of ch deleted, then those of ch added. The arrays of the
// old Deps are not written.
func applyChanges(ch []depChange) {
	// By unit, kind and ID; a deletion before an addition of the same.
	// (sort.Slice: slices.SortFunc compiles ~13 KB of sorting code for
	// each struct type it sorts, and PID 1's binary is resident whole;
	// sort.Slice allocates, so not for a list with nothing to order.)
	if len(ch) > 1 {
		sort.Slice(ch, func(i, j int) bool {
			a, b := &ch[i], &ch[j]
			return cmp.Or(cmp.Compare(a.u.idx, b.u.idx), cmp.Compare(a.kind, b.kind),
				strings.Compare(a.id, b.id), cmp.Compare(b2i(b.del), b2i(a.del))) < 0
		})
	}
	for len(ch) > 0 {
		n := 1
		for n < len(ch) && ch[n].u == ch[0].u {
			n++
		}
		ch[0].u.Deps = ch[0].u.Deps.edited(ch[:n])
		ch = ch[n:]
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// edited returns a copy of ds with the changes ch made, which are sorted
// as applyChanges sorts them. Each list keeps link's shape: sorted,
// unique, capped.
func (ds *Deps) edited(ch []depChange) Deps {
	adds := 0
	for _, c := range ch {
		if !c.del {
			adds++
		}
	}
	names := make([]string, 0, len(ds.names)+adds)
	spans := make([]uint32, 0, min(len(ds.spans)+adds, int(NumDeps)))
	start, sp := 0, ds.spans
	for k := range NumDeps {
		var old []string
		if len(sp) > 0 && Dep(sp[0]&spanKindMask) == k {
			end := int(sp[0] >> spanKindBits)
			old, start, sp = ds.names[start:end], end, sp[1:]
		}
		n := 0
		for n < len(ch) && ch[n].kind == k {
			n++
		}
		from := len(names)
		names = editList(names, old, ch[:n])
		ch = ch[n:]
		if len(names) > from {
			spans = append(spans, span(k, len(names)))
		}
	}
	if len(names) == 0 {
		return Deps{}
	}
	return Deps{names: names[:len(names):len(names)], spans: slices.Clip(spans)}
}

// editList appends to dst the sorted list old with the changes ch made
// (all of one kind, sorted by ID, a deletion before an addition of the
// same ID), and returns it. The unchanged runs of old are copied whole.
func editList(dst, old []string, ch []depChange) []string {
	from, i := len(dst), 0
	for _, c := range ch {
		p, found := slices.BinarySearch(old[i:], c.id)
		dst = append(dst, old[i:i+p]...)
		i += p
		switch {
		case found:
			i++
			if !c.del {
				dst = append(dst, c.id)
			}
		case !c.del && (len(dst) == from || dst[len(dst)-1] != c.id):
			dst = append(dst, c.id)
		}
	}
	return append(dst, old[i:]...)
}
