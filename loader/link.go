package loader

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

// initType creates the typed sections of the unit's type.
func (u *Unit) initType() {
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
	if typeSections[u.Type]&secExec != 0 {
		u.Exec = newExecContext()
	}
	if typeSections[u.Type]&secKill != 0 {
		u.Kill = newKillContext()
	}
	if typeSections[u.Type]&secCGroup != 0 {
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
// dependency is recorded in reverse on the other unit.
func (s *Set) link() {
	id := func(name string) string {
		if o := s.units[name]; o != nil {
			return o.ID
		}
		return name
	}
	fwd := make([]Deps, len(s.order))
	for i, u := range s.order {
		for _, e := range u.fwd {
			if o := id(e.name); o != u.ID {
				fwd[i][e.kind] = append(fwd[i][e.kind], o)
			}
		}
	}
	index := make(map[*Unit]int, len(s.order))
	for i, u := range s.order {
		index[u] = i
	}
	// systemd's default target dependencies: a target is ordered after
	// the units it pulls in or is part of (Requires=, Requisite=, Wants=,
	// BindsTo=, PartOf=, Upholds=), when both are loaded with
	// DefaultDependencies=yes and the target is not ordered before the
	// unit already (by either side).
	for i, t := range s.order {
		if t.Type != "target" || !t.Unit.DefaultDependencies || t.LoadState != StateLoaded {
			continue
		}
		ordered := map[string]bool{}
		for _, k := range []Dep{Before, After} {
			for _, n := range fwd[i][k] {
				ordered[n] = true
			}
		}
		for _, k := range []Dep{Requires, Requisite, Wants, BindsTo, PartOf, Upholds} {
			for _, n := range fwd[i][k] {
				o := s.units[n]
				if o == nil || o.LoadState != StateLoaded || !o.Unit.DefaultDependencies {
					continue
				}
				if ordered[o.ID] || fwd[index[o]].Has(After, t.ID) {
					continue
				}
				ordered[o.ID] = true
				fwd[i].Add(After, o.ID)
			}
		}
	}
	for i, u := range s.order {
		for k := range u.Deps {
			u.Deps[k] = append(u.Deps[k][:0], fwd[i][k]...)
		}
	}
	for i, u := range s.order {
		for k, l := range fwd[i] {
			if Dep(k) == JoinsNamespaceOf {
				continue // systemd 252 records it on the joining unit only
			}
			for _, n := range l {
				if o := s.units[n]; o != nil {
					o.Deps.Add(Dep(k).Inverse(), u.ID)
				}
			}
		}
	}
	s.linkSlices()
	for _, u := range s.order {
		u.Deps.compact()
	}
}

// linkSlices records in each loaded slice the units placed in it.
func (s *Set) linkSlices() {
	for _, u := range s.order {
		if u.CGroup != nil {
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
