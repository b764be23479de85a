package loader

import "slices"

// Well-known unit names (systemd's special units).
const (
	sysinitTarget  = "sysinit.target"
	basicTarget    = "basic.target"
	shutdownTarget = "shutdown.target"
	socketsTarget  = "sockets.target"
	timersTarget   = "timers.target"
	pathsTarget    = "paths.target"
	timeSetTarget  = "time-set.target"
	timeSyncTarget = "time-sync.target"
)

// initType creates the typed sections of the unit's type. The exec, kill
// and cgroup contexts are d's shared defaults when d is not nil (slices
// excepted: a slice's cgroup context records its members), else the
// unit's own.
func (u *Unit) initType(d *sharedContexts) {
	switch u.Type {
	case "service":
		if u.Service == nil {
			u.Service = new(Service)
		}
		u.Service.init()
	case "socket":
		u.Socket = newSocket()
	case "timer":
		u.Timer = newTimer()
	case "path":
		u.Path = newPathUnit()
	case "mount":
		u.Mount = newMount()
	case "automount":
		u.Automount = newAutomount()
	case "swap":
		u.Swap = newSwap()
	}
	u.ctx = d
	secs := typeSections(u.Type)
	switch {
	case secs&secExec == 0:
	case d != nil:
		u.Exec, u.shared = d.exec, u.shared|sharedExec
	default:
		u.Exec = newExecContext()
	}
	switch {
	case secs&secKill == 0:
	case d != nil:
		u.Kill, u.shared = d.kill, u.shared|sharedKill
	default:
		u.Kill = newKillContext()
	}
	switch {
	case secs&secCGroup == 0:
	case d != nil && u.Type != "slice":
		u.CGroup, u.shared = d.cgroup, u.shared|sharedCGroup
	default:
		u.CGroup = newCGroupContext()
		u.initCGroup()
	}
	// Units that come and go with the system rather than by job are left
	// alone by isolate unless they say otherwise.
	switch u.Type {
	case "mount", "automount", "swap", "slice", "scope", "device":
		u.Unit.IgnoreOnIsolate = true
	}
	u.initSpecialSlice()
}

// Perpetual reports whether the unit is one systemd never stops: the root
// and system slices, init.scope and the root mount.
func (u *Unit) Perpetual() bool {
	switch u.ID {
	case "-.slice", "system.slice", "init.scope", "-.mount":
		return true
	}
	return false
}

// References reports whether u's own files or type (not another unit's)
// give it a dependency of any kind on other, under any of other's names:
// systemd's UNIT_REFERENCES, which keeps other loaded while u is.
func (u *Unit) References(other *Unit) bool {
	for _, e := range u.fwd {
		if e.name == other.ID || len(other.Names) > 1 && slices.Contains(other.Names, e.name) {
			return true
		}
	}
	return false
}

// addImplicitDeps adds the dependencies systemd derives from a loaded
// unit's type and settings. gosd deliberately adds none on slices, mount
// units or systemd-journald.socket: it has no cgroup slices of its own,
// tracks no mount table and captures service output itself.
func (u *Unit) addImplicitDeps(s *Set) {
	switch u.Type {
	case "service":
		u.serviceExtras()
	case "socket":
		u.socketExtras(s)
	case "timer":
		u.timerExtras(s)
	case "path":
		u.pathExtras(s)
	case "mount":
		u.mountExtras(s)
	case "automount":
		u.automountExtras(s)
	case "swap":
		u.swapExtras(s)
	case "target", "slice":
		if u.Unit.DefaultDependencies {
			u.addDep(Conflicts, shutdownTarget)
			u.addDep(Before, shutdownTarget)
		}
	}
	if u.Exec != nil {
		u.execExtras(s)
	}
}

// addSystemDefaults adds the dependencies that DefaultDependencies=yes
// gives services, sockets, timers and paths of the system manager.
func (u *Unit) addSystemDefaults() {
	u.addDep(Requires, sysinitTarget)
	u.addDep(After, sysinitTarget)
	u.addDep(Conflicts, shutdownTarget)
	u.addDep(Before, shutdownTarget)
}

// link computes every unit's Deps from the forward dependencies of all
// loaded units: names become unit IDs, targets are ordered after the
// units they pull in (systemd's default target dependencies), and each
// dependency is recorded in reverse on the other unit. Every unit's Deps
// is carved from two arrays shared by the Set, capped so that appending to
// a list copies it.
func (s *Set) link() {
	g := s.depGraph()
	extra := s.targetDeps(g)

	// Count each unit's list of each kind, then fill them into one array:
	// first the forward lists, each unit's on its own on all CPUs, then in
	// one pass the reverse ones (which land in other units' lists) and the
	// target dependencies. forward calls f for each forward dependency of
	// s.order[i]: the kind and the other unit's ID.
	forward := func(i int, f func(k Dep, id string)) {
		for j, e := range s.order[i].fwd {
			switch to := g.to[int(g.first[i])+j]; to {
			case toSelf:
			case toNone:
				f(e.kind, e.name)
			default:
				f(e.kind, s.order[to].ID)
			}
		}
	}
	// reverse calls f for each dependency recorded on another unit than
	// the one it comes from, and for each target dependency: the unit it
	// is recorded on, its kind there and the other unit's ID.
	reverse := func(f func(on int, k Dep, id string)) {
		for i, u := range s.order {
			for j, e := range u.fwd {
				// systemd 252 records JoinsNamespaceOf= on the joining unit only.
				if to := g.to[int(g.first[i])+j]; to >= 0 && e.kind != JoinsNamespaceOf {
					f(int(to), e.kind.Inverse(), u.ID)
				}
			}
		}
		for _, e := range extra {
			f(int(e.from), After, s.order[e.to].ID)
			f(int(e.to), Before, s.order[e.from].ID)
		}
	}
	const nd = int(NumDeps)
	pos := make([]int32, len(s.order)*nd+1)
	parallel(len(s.order), func(i int) {
		forward(i, func(k Dep, _ string) { pos[i*nd+int(k)]++ })
	})
	reverse(func(on int, k Dep, _ string) { pos[on*nd+int(k)]++ })
	sum := int32(0)
	for i, c := range pos {
		pos[i] = sum
		sum += c
	}
	all := make([]string, sum)
	fill := make([]int32, len(pos))
	copy(fill, pos)
	parallel(len(s.order), func(i int) {
		forward(i, func(k Dep, id string) {
			at := i*nd + int(k)
			all[fill[at]] = id
			fill[at]++
		})
	})
	reverse(func(on int, k Dep, id string) {
		at := on*nd + int(k)
		all[fill[at]] = id
		fill[at]++
	})
	// Each unit's lists are its own part of all, and its spans its own
	// part of spans (one per kind it has): on all CPUs, each list is
	// sorted and made unique and moved up against the one before.
	first := make([]int32, len(s.order)+1)
	for i := range s.order {
		n := int32(0)
		for at := i * nd; at < (i+1)*nd; at++ {
			if pos[at+1] > pos[at] {
				n++
			}
		}
		first[i+1] = first[i] + n
	}
	spans := make([]uint32, first[len(s.order)])
	parallel(len(s.order), func(i int) {
		start, w := pos[i*nd], pos[i*nd]
		sp := spans[first[i]:first[i]:first[i+1]]
		for k := range nd {
			l := all[pos[i*nd+k]:pos[i*nd+k+1]]
			if len(l) == 0 {
				continue
			}
			if len(l) > 1 {
				slices.Sort(l)
				l = slices.Compact(l)
			}
			w += int32(copy(all[w:], l))
			sp = append(sp, span(Dep(k), int(w-start)))
		}
		clear(all[w:pos[(i+1)*nd]])
		ds := Deps{}
		if w > start {
			ds = Deps{names: all[start:w:w], spans: sp}
		}
		s.order[i].Deps = ds
	})
	s.linkSlices()
}

// depGraph says which loaded unit each forward dependency names.
type depGraph struct {
	// to[first[i]+j] is the index in the load order of the unit that
	// s.order[i].fwd[j] names, or toNone or toSelf.
	to    []int32
	first []int32
}

const (
	toNone int32 = -1 // no unit of that name is loaded
	toSelf int32 = -2 // the unit itself (by another of its names)
)

func (s *Set) depGraph() depGraph {
	total := 0
	for _, u := range s.order {
		total += len(u.fwd)
	}
	g := depGraph{to: make([]int32, total), first: make([]int32, len(s.order)+1)}
	at := int32(0)
	for i, u := range s.order {
		g.first[i] = at
		at += int32(len(u.fwd))
	}
	g.first[len(s.order)] = at
	// The lookups only read s.units: they run on all CPUs.
	parallel(len(s.order), func(i int) {
		u := s.order[i]
		to := g.to[g.first[i]:g.first[i+1]]
		for j, e := range u.fwd {
			to[j] = toNone
			if o := s.units[e.name]; o == u {
				to[j] = toSelf
			} else if o != nil {
				to[j] = o.idx
				if e.name == o.ID {
					// the unit's own ID string: the name's copy is let go
					u.fwd[j].name = o.ID
				}
			}
		}
	})
	return g
}

// targetEdge is an After= dependency targetDeps adds to s.order[from] on
// s.order[to].
type targetEdge struct{ from, to int32 }

// targetDeps returns systemd's default target dependencies, by
// targetOrdered's rule for each target and each unit it names.
func (s *Set) targetDeps(g depGraph) []targetEdge {
	var extra []targetEdge
	// rel[j]: how the target's forward dependencies name s.order[j]
	var rel []uint8
	for i, t := range s.order {
		if t.Type != "target" || !defaultDeps(t) {
			continue
		}
		if rel == nil {
			rel = make([]uint8, len(s.order))
		}
		to := g.to[g.first[i]:g.first[i+1]]
		for j, e := range t.fwd {
			if to[j] >= 0 {
				rel[to[j]] |= relKind(e.kind)
			}
		}
		for _, j := range to {
			if j < 0 || rel[j] == 0 {
				continue // no unit, or seen already
			}
			if targetOrdered(t, s.order[j], rel[j], g.relation(s, j, int32(i))) {
				extra = append(extra, targetEdge{int32(i), j})
			}
			rel[j] = 0
		}
	}
	return extra
}

// relation returns how s.order[i]'s forward dependencies name s.order[j].
func (g depGraph) relation(s *Set, i, j int32) uint8 {
	var r uint8
	to := g.to[g.first[i]:g.first[i+1]]
	for k, e := range s.order[i].fwd {
		if to[k] == j {
			r |= relKind(e.kind)
		}
	}
	return r
}

// Bits of a relation: how one unit's own forward dependencies name another.
const (
	relOrdered uint8 = 1 << iota // Before= or After=
	relAfter                     // After=
	relPulls                     // Requires=, Requisite=, Wants=, BindsTo=, PartOf=, Upholds=
)

// relKind returns the bits a forward dependency of kind k sets.
func relKind(k Dep) uint8 {
	switch k {
	case Before:
		return relOrdered
	case After:
		return relOrdered | relAfter
	case Requires, Requisite, Wants, BindsTo, PartOf, Upholds:
		return relPulls
	}
	return 0
}

// targetOrdered is systemd's default target dependency for one pair:
// whether target t is ordered after o, where rt is how t's forward
// dependencies name o and ro how o's name t. A target is ordered after
// the units it pulls in or is part of, when both are loaded with
// DefaultDependencies=yes and neither orders the other already (t by
// Before= or After=, o by After=). Of two targets that pull each other
// in, the one loaded first is ordered after the other, as when the rule
// is applied target by target in load order: the second finds itself
// ordered already.
func targetOrdered(t, o *Unit, rt, ro uint8) bool {
	if t == o || t.Type != "target" || !defaultDeps(t) || !defaultDeps(o) {
		return false
	}
	if rt&relPulls == 0 || rt&relOrdered != 0 || ro&relAfter != 0 {
		return false
	}
	return o.idx > t.idx || o.Type != "target" || ro&relPulls == 0 || ro&relOrdered != 0
}

// defaultDeps reports whether u is loaded with DefaultDependencies=yes.
func defaultDeps(u *Unit) bool { return u.LoadState == StateLoaded && u.Unit.DefaultDependencies }

// linkSlices records in each loaded slice the units placed in it.
func (s *Set) linkSlices() {
	for _, u := range s.order {
		if u.CGroup != nil && u.Type == "slice" {
			u.CGroup.members = u.CGroup.members[:0]
		}
	}
	for _, u := range s.order {
		if sl := s.sliceOf(u); sl != nil {
			sl.CGroup.members = append(sl.CGroup.members, u)
		}
	}
}

// sliceOf returns the loaded slice u is placed in, or nil.
func (s *Set) sliceOf(u *Unit) *Unit {
	if u.CGroup == nil || u.CGroup.Slice == "" {
		return nil
	}
	if sl := s.units[u.CGroup.Slice]; sl != nil && sl != u && sl.CGroup != nil && sl.Type == "slice" {
		return sl
	}
	return nil
}
