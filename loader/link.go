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
		u.Service = newService()
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
	secs := typeSections[u.Type]
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

// addImplicitDeps adds the dependencies systemd derives from a loaded
// unit's type and settings. gosd deliberately adds none on slices, mount
// units or systemd-journald.socket: it has no cgroup slices of its own,
// tracks no mount table and captures service output itself.
func (u *Unit) addImplicitDeps(s *Set) {
	switch u.Type {
	case "service":
		u.serviceExtras(s)
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
// dependency is recorded in reverse on the other unit. Every Deps list is
// carved from one array, capped so that appending to one copies it.
func (s *Set) link() {
	n := len(s.order)
	total := 0
	for _, u := range s.order {
		total += len(u.fwd)
	}
	// edges are the forward dependencies by unit ID, grouped by the unit
	// they start from: those of s.order[i] are edges[first[i]:first[i+1]].
	edges := make([]linkEdge, 0, total)
	first := make([]int32, n+1)
	for i, u := range s.order {
		first[i] = int32(len(edges))
		for _, e := range u.fwd {
			id, to := e.name, int32(-1)
			if o := s.units[e.name]; o != nil {
				id, to = o.ID, int32(o.idx)
			}
			if id != u.ID {
				edges = append(edges, linkEdge{int32(i), to, e.kind, id})
			}
		}
	}
	first[n] = int32(len(edges))
	extra := s.targetDeps(edges, first)

	// Count each unit's list of each kind, forward and reverse, then fill
	// them into one array.
	pos := make([]int32, n*int(NumDeps)+1)
	for _, l := range [2][]linkEdge{edges, extra} {
		for _, e := range l {
			pos[int(e.from)*int(NumDeps)+int(e.kind)]++
			if e.to >= 0 && e.kind != JoinsNamespaceOf { // systemd 252 records it on the joining unit only
				pos[int(e.to)*int(NumDeps)+int(e.kind.Inverse())]++
			}
		}
	}
	sum := int32(0)
	for i, c := range pos {
		pos[i] = sum
		sum += c
	}
	all := make([]string, sum)
	fill := make([]int32, len(pos))
	copy(fill, pos)
	for _, l := range [2][]linkEdge{edges, extra} {
		for _, e := range l {
			k := int(e.from)*int(NumDeps) + int(e.kind)
			all[fill[k]] = e.id
			fill[k]++
			if e.to >= 0 && e.kind != JoinsNamespaceOf {
				k := int(e.to)*int(NumDeps) + int(e.kind.Inverse())
				all[fill[k]] = s.order[e.from].ID
				fill[k]++
			}
		}
	}
	for i, u := range s.order {
		for k := range u.Deps {
			at := i*int(NumDeps) + k
			l := all[pos[at]:pos[at+1]]
			if len(l) > 1 {
				slices.Sort(l)
				l = slices.Compact(l)
			}
			if len(l) == 0 {
				l = nil
			}
			u.Deps[k] = l[:len(l):len(l)]
		}
	}
	s.linkSlices()
}

// linkEdge is one dependency of s.order[from] on the unit with ID id,
// which is s.order[to] (-1 when no such unit is loaded).
type linkEdge struct {
	from, to int32
	kind     Dep
	id       string
}

// targetDeps returns systemd's default target dependencies, given the
// forward edges grouped by unit as link builds them: a target is ordered after the units it
// pulls in or is part of (Requires=, Requisite=, Wants=, BindsTo=,
// PartOf=, Upholds=), when both are loaded with DefaultDependencies=yes
// and the target is not ordered before the unit already (by either side).
func (s *Set) targetDeps(edges []linkEdge, first []int32) []linkEdge {
	n := len(s.order)
	var extra []linkEdge
	// added holds the After= edges added so far, by target; a later target
	// sees them when it checks whether a unit is ordered after it.
	var added map[int32][]string
	orderedBy := make([]int32, 0)
	for i, t := range s.order {
		if t.Type != "target" || !t.Unit.DefaultDependencies || t.LoadState != StateLoaded {
			continue
		}
		if len(orderedBy) == 0 {
			orderedBy = make([]int32, n)
		}
		// orderedBy[j] == i+1: s.order[j] is already ordered against t.
		mark := int32(i + 1)
		own := edges[first[i]:first[i+1]]
		for _, e := range own {
			if (e.kind == Before || e.kind == After) && e.to >= 0 {
				orderedBy[e.to] = mark
			}
		}
		for _, e := range own {
			switch e.kind {
			case Requires, Requisite, Wants, BindsTo, PartOf, Upholds:
			default:
				continue
			}
			if e.to < 0 || orderedBy[e.to] == mark {
				continue
			}
			o := s.order[e.to]
			if o.LoadState != StateLoaded || !o.Unit.DefaultDependencies || s.orderedAfter(edges, first, added, e.to, t.ID) {
				continue
			}
			orderedBy[e.to] = mark
			if added == nil {
				added = map[int32][]string{}
			}
			added[int32(i)] = append(added[int32(i)], o.ID)
			extra = append(extra, linkEdge{int32(i), e.to, After, o.ID})
		}
	}
	return extra
}

// orderedAfter reports whether s.order[j] has an After= dependency on id,
// among its own edges or those targetDeps added.
func (s *Set) orderedAfter(edges []linkEdge, first []int32, added map[int32][]string, j int32, id string) bool {
	for _, e := range edges[first[j]:first[j+1]] {
		if e.kind == After && e.id == id {
			return true
		}
	}
	return slices.Contains(added[j], id)
}

// linkSlices records in each loaded slice the units placed in it.
func (s *Set) linkSlices() {
	for _, u := range s.order {
		if u.CGroup != nil && u.Type == "slice" {
			u.CGroup.members = u.CGroup.members[:0]
		}
	}
	for _, u := range s.order {
		if u.CGroup == nil || u.CGroup.Slice == "" {
			continue
		}
		if sl := s.units[u.CGroup.Slice]; sl != nil && sl != u && sl.CGroup != nil && sl.Type == "slice" {
			sl.CGroup.members = append(sl.CGroup.members, u)
		}
	}
}
