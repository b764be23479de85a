// Package graph computes the transaction systemd 252 would build for a job
// request: which jobs on which units a start, stop, restart, reload or
// isolate pulls in through the dependencies of the loaded units, how jobs
// on the same unit merge, which ordering cycles exist and which job is
// deleted to break them. It also finds every ordering cycle of a unit set
// and writes the dependency graph as `systemd-analyze dot` does.
//
// graph is pure: it does no I/O, starts no goroutines and gives the same
// answer for the same input. Where systemd's answer depends on the order
// of its hash tables (which job of a cycle is found first, which of two
// conflicting units is reported), gosd takes units in the order of their
// IDs.
package graph

import (
	"slices"
	"strconv"
)

// JobType is the kind of a job, as systemd names them.
type JobType uint8

// Job types. Start..Restart are the types a job has once installed;
// TryRestart, ReloadOrStart and TryReload are requests that Collapse turns
// into one of them (or Nop) according to the unit's state.
const (
	Start JobType = iota
	VerifyActive
	Stop
	Reload
	Restart
	TryRestart
	ReloadOrStart
	TryReload
	Nop
)

var jobTypeNames = [...]string{
	Start:         "start",
	VerifyActive:  "verify-active",
	Stop:          "stop",
	Reload:        "reload",
	Restart:       "restart",
	TryRestart:    "try-restart",
	ReloadOrStart: "reload-or-start",
	TryReload:     "try-reload",
	Nop:           "nop",
}

// String returns systemd's name of the job type ("verify-active", ...).
func (t JobType) String() string {
	if int(t) < len(jobTypeNames) {
		return jobTypeNames[t]
	}
	return "JobType(" + strconv.Itoa(int(t)) + ")"
}

// ParseJobType returns the job type systemd names s. The error is the
// one systemd's EnqueueUnitJob gives for an unknown type.
func ParseJobType(s string) (JobType, error) {
	if i := slices.Index(jobTypeNames[:], s); i >= 0 {
		return JobType(i), nil
	}
	return 0, &Error{Code: ErrInvalidArgs, Msg: "Job type " + s + " invalid"}
}

// Mode is the job mode of a request (systemctl --job-mode=).
type Mode uint8

// Job modes.
const (
	Replace Mode = iota
	Fail
	Isolate
	Flush
	IgnoreDependencies
	IgnoreRequirements
	ReplaceIrreversibly
	Triggering
	// RestartDependencies came with systemd 254. systemd 252, the
	// specification, does not know it: ParseMode and Build refuse it as
	// 252 refuses any unknown mode.
	RestartDependencies
)

var modeNames = [...]string{
	Replace:             "replace",
	Fail:                "fail",
	Isolate:             "isolate",
	Flush:               "flush",
	IgnoreDependencies:  "ignore-dependencies",
	IgnoreRequirements:  "ignore-requirements",
	ReplaceIrreversibly: "replace-irreversibly",
	Triggering:          "triggering",
	RestartDependencies: "restart-dependencies",
}

// String returns systemd's name of the mode ("ignore-dependencies", ...).
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode returns the mode systemd names s. For a name systemd 252 does
// not know it returns the *Error the manager answers, which systemctl
// prints after "Failed to start x.service: " ("Job mode bogus invalid").
func ParseMode(s string) (Mode, error) {
	if i := slices.Index(modeNames[:], s); i >= 0 && Mode(i) != RestartDependencies {
		return Mode(i), nil
	}
	return 0, invalidModeError(s)
}

func invalidModeError(s string) *Error {
	return &Error{Code: ErrInvalidArgs, Msg: "Job mode " + s + " invalid"}
}

// Unit active states, as systemd names them.
const (
	StateActive       = "active"
	StateReloading    = "reloading"
	StateInactive     = "inactive"
	StateFailed       = "failed"
	StateActivating   = "activating"
	StateDeactivating = "deactivating"
	StateMaintenance  = "maintenance"
)

// inactiveOrDeactivating is systemd's UNIT_IS_INACTIVE_OR_DEACTIVATING.
func inactiveOrDeactivating(s string) bool {
	return s == StateInactive || s == StateFailed || s == StateDeactivating
}

// inactiveOrFailed is UNIT_IS_INACTIVE_OR_FAILED.
func inactiveOrFailed(s string) bool { return s == StateInactive || s == StateFailed }

// activeOrActivating is UNIT_IS_ACTIVE_OR_ACTIVATING.
func activeOrActivating(s string) bool {
	return s == StateActive || s == StateActivating || s == StateReloading
}

// Collapse turns a request type into the type a job gets on a unit in
// activeState: try-restart becomes restart, or nop on a unit that is
// inactive, failed or deactivating; try-reload becomes reload or nop the
// same way; reload-or-start becomes start on such a unit and reload
// otherwise. Other types are returned unchanged.
func Collapse(t JobType, activeState string) JobType {
	down := inactiveOrDeactivating(activeState)
	switch t {
	case TryRestart:
		if down {
			return Nop
		}
		return Restart
	case TryReload:
		if down {
			return Nop
		}
		return Reload
	case ReloadOrStart:
		if down {
			return Start
		}
		return Reload
	}
	return t
}

// Merge returns the one job that does what jobs of types a and b on the
// same unit both ask for (systemd's job merge table), and false when they
// cannot be merged: a stop merges with nothing but a stop. Nop merges with
// anything into the other type. Both types must be installable ones (not
// TryRestart, ReloadOrStart or TryReload), except that start and reload
// merge into ReloadOrStart, which the caller collapses.
func Merge(a, b JobType) (JobType, bool) {
	if a == b {
		return a, true
	}
	if a == Nop {
		return b, true
	}
	if b == Nop {
		return a, true
	}
	if a > b {
		a, b = b, a
	}
	// Now a < b among Start, VerifyActive, Stop, Reload, Restart.
	switch {
	case a == Stop || b == Stop:
		return 0, false
	case b == Restart:
		return Restart, true // restart covers start, verify-active and reload
	case a == Start && b == VerifyActive:
		return Start, true
	case a == Start && b == Reload:
		return ReloadOrStart, true
	case a == VerifyActive && b == Reload:
		return Reload, true
	}
	return 0, false
}

// mergeAndCollapse merges b into a and collapses the result against the
// unit's state (job_type_merge_and_collapse).
func mergeAndCollapse(a, b JobType, activeState string) (JobType, bool) {
	t, ok := Merge(a, b)
	if !ok {
		return 0, false
	}
	return Collapse(t, activeState), true
}

// Conflicting reports whether jobs of types a and b cannot be merged, so
// that one replaces the other.
func Conflicting(a, b JobType) bool {
	_, ok := Merge(a, b)
	return !ok
}

// Superset reports whether a job of type a does everything one of type b
// would.
func Superset(a, b JobType) bool {
	t, ok := Merge(a, b)
	return ok && t == a
}

// Redundant reports whether a job of type t has nothing to do on a unit in
// activeState: a start or verify-active of an active or reloading unit, a
// stop of an inactive or failed one, a reload of a reloading one, a
// restart of an activating one, and every nop.
func Redundant(t JobType, activeState string) bool {
	switch t {
	case Start, VerifyActive:
		return activeState == StateActive || activeState == StateReloading
	case Stop:
		return inactiveOrFailed(activeState)
	case Reload:
		return activeState == StateReloading
	case Restart:
		return activeState == StateActivating
	case Nop:
		return true
	}
	return false
}

// LateMergeable reports whether a job of type t may be merged into a job
// already running on the unit rather than run again afterwards: every
// type but reload, since a reload asked for after a running one started
// must see the configuration of the time it was asked for.
func LateMergeable(t JobType) bool { return t != Reload }
