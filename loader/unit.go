package loader

import (
	"github.com/gosd/gosd/unit"
)

// Load states, as systemd names them.
const (
	StateLoaded     = "loaded"
	StateNotFound   = "not-found"
	StateMasked     = "masked"
	StateBadSetting = "bad-setting"
	StateError      = "error"
)

// Unit is one unit as loaded from its files: identity, where it came from,
// its typed settings and its dependencies (reverse ones included once the
// Set it belongs to is linked).
type Unit struct {
	ID    string   // the primary name (the fragment's name, instantiated)
	Type  string   // service, socket, target, timer, path, mount, ...
	Names []string // every name of the unit, ID included, sorted

	LoadState    string
	LoadError    error  // why LoadState is not "loaded"
	FragmentPath string // in-root path, "" when there is none
	DropInPaths  []string

	// Diags are the problems found while loading, in file order: each names
	// the file, line and directive. None of them stops the unit loading
	// unless LoadState says so.
	Diags []*unit.Diag
	// notes holds what few units have: SourcePath= and the settings gosd
	// ignores (nil for most units: without the two, Unit fits the 512-byte
	// size class, not 576).
	notes *unitNotes

	Unit UnitSection

	Service   *Service
	Socket    *Socket
	Timer     *Timer
	Path      *PathUnit
	Mount     *Mount
	Automount *Automount
	Swap      *Swap
	// Exec, Kill and CGroup may be shared by units of one Set that have
	// the same settings (most units keep the defaults): they are read-only.
	Exec   *ExecContext   // services, sockets, mounts, swaps
	Kill   *KillContext   // services, sockets, mounts, swaps, scopes
	CGroup *CGroupContext // services, sockets, mounts, swaps, slices, scopes

	// Deps holds every dependency of the unit by kind, forward and reverse,
	// by the other unit's ID. It is complete once the unit's Set is linked.
	Deps Deps
	// fwd holds the dependencies the unit's own files and type imply, by
	// the names they were given.
	fwd []depEdge
	// mtimes are the modification times (Unix ns) of the fragment and
	// of the newest drop-in when they were read (NeedReload).
	mtimes [2]int64
	// idx is the unit's position in its Set's load order.
	idx int32
	// shared says which of Exec, Kill and CGroup still point at the Set's
	// read-only defaults (sharedExec, ...); ctx holds those defaults.
	shared uint8
	// reported is set by the first FirstReport.
	reported bool
	ctx      *sharedContexts

	spec *unit.Specifiers
}

type unitNotes struct {
	sourcePath  string
	sourceMtime int64 // SourcePath='s, when the unit was read (NeedReload)
	unsupported []string
}

var noUnitNotes unitNotes

// SourcePath is the file the unit was generated from (SourcePath=).
func (u *Unit) SourcePath() string { return readRare(u.notes, &noUnitNotes).sourcePath }

// Unsupported lists, once each, the "Section.Directive" settings the unit
// uses that gosd parses but does not honour.
func (u *Unit) Unsupported() []string { return readRare(u.notes, &noUnitNotes).unsupported }

// notesRW returns u.notes, made on first use.
func (u *Unit) notesRW() *unitNotes { return writeRare(&u.notes, &noUnitNotes) }

// FirstReport reports whether it is called for the first time on u: the
// manager logs each loaded unit's problems once (a map of the units
// reported took it 53 KB for 1000 units; the flag fits in padding).
func (u *Unit) FirstReport() bool {
	first := !u.reported
	u.reported = true
	return first
}

// Instance returns the instance part of the unit's name ("" if none).
func (u *Unit) Instance() string {
	_, inst, _, _ := unit.SplitName(u.ID)
	return inst
}

// depEdge is one forward dependency as a unit's files or type imply it.
type depEdge struct {
	kind Dep
	name string
}

// hasFwd reports whether the unit has a forward dependency of kind k.
func (u *Unit) hasFwd(k Dep) bool {
	for _, e := range u.fwd {
		if e.kind == k {
			return true
		}
	}
	return false
}

// fwdNames lists the names of the unit's forward dependencies of kind k,
// in the order they were added.
func (u *Unit) fwdNames(k Dep) []string {
	var out []string
	for _, e := range u.fwd {
		if e.kind == k {
			out = append(out, e.name)
		}
	}
	return out
}
