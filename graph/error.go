package graph

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// D-Bus error names of the refusals Build gives, as systemd's manager
// sends them.
const (
	ErrNoSuchUnit             = "org.freedesktop.systemd1.NoSuchUnit"
	ErrUnitMasked             = "org.freedesktop.systemd1.UnitMasked"
	ErrBadUnitSetting         = "org.freedesktop.systemd1.BadUnitSetting"
	ErrLoadFailed             = "org.freedesktop.systemd1.LoadFailed"
	ErrJobTypeNotApplicable   = "org.freedesktop.systemd1.JobTypeNotApplicable"
	ErrOnlyByDependency       = "org.freedesktop.systemd1.OnlyByDependency"
	ErrNoIsolation            = "org.freedesktop.systemd1.NoIsolation"
	ErrJobsConflicting        = "org.freedesktop.systemd1.TransactionJobsConflicting"
	ErrOrderIsCyclic          = "org.freedesktop.systemd1.TransactionOrderIsCyclic"
	ErrTransactionDestructive = "org.freedesktop.systemd1.TransactionIsDestructive"
	ErrInvalidArgs            = "org.freedesktop.DBus.Error.InvalidArgs"
)

// Error is every refusal of Build, ParseMode and ParseJobType. Msg is the
// text systemctl prints after "Failed to start x.service: "; Code is the
// D-Bus error name systemd's manager sends with it.
type Error struct {
	Code string
	Msg  string
	// Log holds what systemd logs while it builds the refused
	// transaction, as Transaction.Log does for one it accepts (the
	// lines of an ordering cycle it could not break, ...).
	Log []string
}

func (e *Error) Error() string { return e.Msg }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, &graph.Error{Code: graph.ErrNoSuchUnit}) matches any
// refusal of that kind.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && (t.Msg == "" || t.Msg == e.Msg)
}

// ExitStatus is the exit status systemctl 252 gives when the manager
// refuses a job with this error: 4 for a refusal of permission (only by
// dependency, no isolation, destructive), 5 for a unit that is not there,
// 3 for a job type the unit does not support, and 1 otherwise (a masked
// unit, a bad setting, a unit that failed to load, a cycle, ...).
func (e *Error) ExitStatus() int {
	switch e.Code {
	case ErrOnlyByDependency, ErrNoIsolation, ErrTransactionDestructive:
		return 4
	case ErrNoSuchUnit:
		return 5
	case ErrJobTypeNotApplicable:
		return 3
	}
	return 1
}

// SeeLogs reports whether systemctl follows this error with "See system
// logs and 'systemctl status x.service' for details.": it does for every
// refusal but a unit that is not there, masked, or a job type the unit
// does not support.
func (e *Error) SeeLogs() bool {
	switch e.Code {
	case ErrNoSuchUnit, ErrUnitMasked, ErrJobTypeNotApplicable:
		return false
	}
	return true
}

func notFoundError(id string) *Error {
	return &Error{Code: ErrNoSuchUnit, Msg: "Unit " + id + " not found."}
}

// loadStateError is the refusal to queue anything but a stop on a unit
// that did not load (bus_unit_validate_load_state), or nil for a loaded
// unit.
func loadStateError(u *loader.Unit) *Error {
	switch u.LoadState {
	case loader.StateLoaded:
		return nil
	case loader.StateNotFound:
		return notFoundError(u.ID)
	case loader.StateMasked:
		return &Error{Code: ErrUnitMasked, Msg: "Unit " + u.ID + " is masked."}
	case loader.StateBadSetting:
		return &Error{Code: ErrBadUnitSetting, Msg: "Unit " + u.ID + " has a bad unit file setting."}
	case loader.StateError:
		errno := syscall.EINVAL
		text := "Invalid argument"
		var le loader.LoadErrno
		if errors.As(u.LoadError, &le) {
			errno, text = le.Errno, le.Error()
		}
		return &Error{Code: errnoBusName(errno), Msg: "Unit " + u.ID + " failed to load properly, please adjust/correct and reload service manager: " + text}
	}
	return &Error{Code: ErrNoSuchUnit, Msg: "Unexpected load state of unit " + u.ID}
}

// errnoBusName is the D-Bus error name sd-bus gives an errno.
func errnoBusName(e syscall.Errno) string {
	switch e {
	case syscall.EINVAL:
		return ErrInvalidArgs
	case syscall.ENOENT:
		return "org.freedesktop.DBus.Error.FileNotFound"
	case syscall.EACCES, syscall.EPERM:
		return "org.freedesktop.DBus.Error.AccessDenied"
	case syscall.ENOMEM:
		return "org.freedesktop.DBus.Error.NoMemory"
	}
	return "System.Error." + unix.ErrnoName(e)
}
