package loader

import (
	"sync"
	"unsafe"

	"github.com/gosd/gosd/unit"
)

// sharedContexts are the exec, kill and cgroup contexts with the defaults
// systemd gives them, one of each per Set, which the Set's units point at
// until a setting of their own changes one (copy on write): most units
// never set a kill or cgroup setting, and many no exec setting, so
// thousands of units need a handful of contexts, not thousands. A shared
// context is never written; Unit.shared says which of a unit's contexts
// still are.
type sharedContexts struct {
	exec   *ExecContext   // newExecContext(): before the unit type's defaults
	kill   *KillContext   // newKillContext()
	cgroup *CGroupContext // of every type but slices, before it is placed in a slice

	mu sync.Mutex // guards the maps; units of one Set are built in parallel
	// placed holds the cgroup default placed in a slice, by slice name.
	placed map[string]*CGroupContext
	// patched holds the exec default as execExtras leaves it, by unit type.
	patched map[string]*ExecContext
	// specs holds *unit.Specifiers for reuse: a unit needs its own only
	// while its files are read.
	specs sync.Pool
}

// specifiers returns a *unit.Specifiers to fill, from d.specs or new.
func (d *sharedContexts) specifiers() *unit.Specifiers {
	if sp, _ := d.specs.Get().(*unit.Specifiers); sp != nil {
		return sp
	}
	return new(unit.Specifiers)
}

// Bits of Unit.shared: which of the unit's contexts are still shared.
const (
	sharedExec uint8 = 1 << iota
	sharedKill
	sharedCGroup
)

func newSharedContexts() *sharedContexts {
	cg := newCGroupContext()
	cg.TasksMax = defaultTasksMax // initCGroup for types other than slices
	return &sharedContexts{
		exec:    newExecContext(),
		kill:    newKillContext(),
		cgroup:  cg,
		placed:  map[string]*CGroupContext{},
		patched: map[string]*ExecContext{},
	}
}

// placedCGroup returns the default cgroup context placed in slice.
func (d *sharedContexts) placedCGroup(slice string) *CGroupContext {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.placed[slice]
	if c == nil {
		x := *d.cgroup
		x.Slice = slice
		c = &x
		d.placed[slice] = c
	}
	return c
}

// patchedExec returns the default exec context of a unit of type typ that
// has no exec setting, as execExtras leaves it. limits are the manager's
// default limits; they are the same for every call on one Set.
func (d *sharedContexts) patchedExec(typ string, limits *[RlimitCount]*Rlimit) *ExecContext {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.patched[typ]
	if c == nil {
		x := *d.exec
		c = &x
		c.initForType(typ)
		if typ == "service" {
			c.fixServiceStdio()
		}
		// The unit's name only matters with DynamicUser=, which the
		// default does not have.
		c.patch("", limits)
		d.patched[typ] = c
	}
	return c
}

// killCtx returns the unit's kill context for writing: its own copy.
func (u *Unit) killCtx() *KillContext { return ownCopy(u, &u.Kill, sharedKill) }

// cgCtx returns the unit's cgroup context for writing: its own copy.
func (u *Unit) cgCtx() *CGroupContext { return ownCopy(u, &u.CGroup, sharedCGroup) }

// ownCopy returns *p for writing: while bit of u.shared says *p is the
// Set's shared default, it is replaced by a copy first (copy on write).
func ownCopy[T any](u *Unit, p **T, bit uint8) *T {
	if u.shared&bit != 0 {
		c := **p
		*p = &c
		u.shared &^= bit
	}
	return *p
}

// readRare returns the part of a struct that few units set (rp), or def,
// its defaults, when none was made.
func readRare[T any](rp, def *T) *T {
	if rp == nil {
		return def
	}
	return rp
}

// writeRare returns *rp for writing, made from a copy of def on first use.
func writeRare[T any](rp **T, def *T) *T {
	if *rp == nil {
		v := *def
		*rp = &v
	}
	return *rp
}

// slab hands out zero Ts from arrays of up to 32 KiB, not an object each: a
// unit's parse drops objects of the unit's and its service's size
// classes, and units allocated one by one would leave the spans they
// share with that garbage half empty for the manager's life (about
// 0.4 MB for 1000 units; TestLoadFragmentation). An array lives as long
// as one of its Ts: units that come and go one by one (instances, see
// allocUnit) are not taken from a slab.
type slab[T any] struct {
	free []T
	n    int // the last array's length: 4, doubling up to 32 KiB of Ts
}

// next returns the next zero T.
func (s *slab[T]) next() *T {
	if len(s.free) == 0 {
		var t T
		s.n = min(max(2*s.n, 4), max(32<<10/int(unsafe.Sizeof(t)), 1))
		s.free = make([]T, s.n)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}
