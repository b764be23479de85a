package props

import (
	"errors"
	"slices"
	"strconv"
	"syscall"

	"github.com/gosd/gosd/loader"
)

// unitProps is the org.freedesktop.systemd1.Unit interface.
var unitProps = []prop{
	{name: "Id", get: func(u *loader.Unit, _ *State) string { return u.ID }},
	{name: "Names", get: func(u *loader.Unit, _ *State) string {
		// systemd lists the ID first, then the other names.
		names := []string{u.ID}
		for _, n := range u.Names {
			if n != u.ID {
				names = append(names, n)
			}
		}
		return shellQuoteList(names)
	}},
	{name: "Following", get: ""},
	{name: "Requires", get: loader.Requires},
	{name: "Requisite", get: loader.Requisite},
	{name: "Wants", get: loader.Wants},
	{name: "BindsTo", get: loader.BindsTo},
	{name: "PartOf", get: loader.PartOf},
	{name: "Upholds", get: loader.Upholds},
	{name: "RequiredBy", get: loader.RequiredBy},
	{name: "RequisiteOf", get: loader.RequisiteOf},
	{name: "WantedBy", get: loader.WantedBy},
	{name: "BoundBy", get: loader.BoundBy},
	{name: "UpheldBy", get: loader.UpheldBy},
	{name: "ConsistsOf", get: loader.ConsistsOf},
	{name: "Conflicts", get: loader.Conflicts},
	{name: "ConflictedBy", get: loader.ConflictedBy},
	{name: "Before", get: loader.Before},
	{name: "After", get: loader.After},
	{name: "OnSuccess", get: loader.OnSuccess},
	{name: "OnSuccessOf", get: loader.OnSuccessOf},
	{name: "OnFailure", get: loader.OnFailure},
	{name: "OnFailureOf", get: loader.OnFailureOf},
	{name: "Triggers", get: loader.Triggers},
	{name: "TriggeredBy", get: loader.TriggeredBy},
	{name: "PropagatesReloadTo", get: loader.PropagatesReloadTo},
	{name: "ReloadPropagatedFrom", get: loader.ReloadPropagatedFrom},
	{name: "PropagatesStopTo", get: loader.PropagatesStopTo},
	{name: "StopPropagatedFrom", get: loader.StopPropagatedFrom},
	{name: "JoinsNamespaceOf", get: loader.JoinsNamespaceOf},
	{name: "SliceOf", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.SliceOf()) }},
	{name: "RequiresMountsFor", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.Unit.RequiresMountsFor) }},
	{name: "Documentation", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.Unit.Documentation) }},
	{name: "Description", get: func(u *loader.Unit, _ *State) string {
		if u.Unit.Description == "" {
			return u.ID
		}
		return u.Unit.Description
	}},
	{name: "AccessSELinuxContext", get: ""},
	{name: "LoadState", get: func(u *loader.Unit, _ *State) string { return u.LoadState }},
	{name: "ActiveState", runtime: true, get: func(_ *loader.Unit, st *State) string { return or(st.ActiveState, "inactive") }},
	{name: "FreezerState", get: "running", runtime: true},
	{name: "SubState", runtime: true, get: func(_ *loader.Unit, st *State) string { return or(st.SubState, "dead") }},
	{name: "FragmentPath", get: func(u *loader.Unit, _ *State) string { return u.FragmentPath }},
	{name: "SourcePath", get: func(u *loader.Unit, _ *State) string { return u.SourcePath() }},
	{name: "DropInPaths", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.DropInPaths) }},
	{name: "UnitFileState", get: func(_ *loader.Unit, st *State) string { return st.UnitFileState }},
	{name: "UnitFilePreset", get: func(_ *loader.Unit, st *State) string { return st.UnitFilePreset }},
	{name: "StateChangeTimestamp", get: "", runtime: true},
	{name: "StateChangeTimestampMonotonic", get: "0", runtime: true},
	{name: "InactiveExitTimestamp", get: "", runtime: true},
	{name: "InactiveExitTimestampMonotonic", get: "0", runtime: true},
	{name: "ActiveEnterTimestamp", get: "", runtime: true},
	{name: "ActiveEnterTimestampMonotonic", get: "0", runtime: true},
	{name: "ActiveExitTimestamp", get: "", runtime: true},
	{name: "ActiveExitTimestampMonotonic", get: "0", runtime: true},
	{name: "InactiveEnterTimestamp", get: "", runtime: true},
	{name: "InactiveEnterTimestampMonotonic", get: "0", runtime: true},
	{name: "CanStart", get: func(u *loader.Unit, _ *State) string { return yesno(canStart(u)) }},
	{name: "CanStop", get: func(u *loader.Unit, _ *State) string { return yesno(canStop(u)) }},
	{name: "CanReload", get: func(u *loader.Unit, _ *State) string { return yesno(canReload(u)) }},
	{name: "CanIsolate", get: func(u *loader.Unit, _ *State) string {
		// systemd: a unit that can be started (by hand) and allows it.
		return yesno(canStart(u) && u.Unit.AllowIsolate)
	}},
	{name: "CanClean", get: func(u *loader.Unit, _ *State) string { return words(canClean(u)) }},
	{name: "CanFreeze", get: func(u *loader.Unit, _ *State) string { return yesno(u.CanFreeze()) }},
	{name: "Job", get: "", runtime: true},
	{name: "StopWhenUnneeded", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.StopWhenUnneeded) }},
	{name: "RefuseManualStart", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.RefuseManualStart) }},
	{name: "RefuseManualStop", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.RefuseManualStop) }},
	{name: "AllowIsolate", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.AllowIsolate) }},
	{name: "DefaultDependencies", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.DefaultDependencies) }},
	{name: "OnSuccessJobMode", get: func(u *loader.Unit, _ *State) string { return u.Unit.OnSuccessJobMode() }},
	{name: "OnFailureJobMode", get: func(u *loader.Unit, _ *State) string { return u.Unit.OnFailureJobMode() }},
	{name: "IgnoreOnIsolate", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.IgnoreOnIsolate) }},
	{name: "NeedDaemonReload", runtime: true, get: func(_ *loader.Unit, st *State) string { return yesno(st.NeedDaemonReload) }},
	{name: "Markers", get: "", runtime: true},
	{name: "JobTimeoutUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Unit.JobTimeoutUSec()) }},
	{name: "JobRunningTimeoutUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Unit.JobRunningTimeoutUSec()) }},
	{name: "JobTimeoutAction", get: func(u *loader.Unit, _ *State) string { return u.Unit.JobTimeoutAction() }},
	{name: "JobTimeoutRebootArgument", get: func(u *loader.Unit, _ *State) string { return u.Unit.JobTimeoutRebootArgument() }},
	{name: "ConditionResult", get: "no", runtime: true},
	{name: "AssertResult", get: "no", runtime: true},
	{name: "ConditionTimestamp", get: "", runtime: true},
	{name: "ConditionTimestampMonotonic", get: "0", runtime: true},
	{name: "AssertTimestamp", get: "", runtime: true},
	{name: "AssertTimestampMonotonic", get: "0", runtime: true},
	{name: "Conditions", get: "[unprintable]"},
	{name: "Asserts", get: "[unprintable]"},
	{name: "LoadError", get: loadError},
	{name: "Transient", get: "no"},
	{name: "Perpetual", get: func(u *loader.Unit, _ *State) string {
		return yesno(u.Perpetual())
	}},
	{name: "StartLimitIntervalUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Unit.StartLimitIntervalUSec) }},
	{name: "StartLimitBurst", get: func(u *loader.Unit, _ *State) string { return u64(u.Unit.StartLimitBurst) }},
	{name: "StartLimitAction", get: func(u *loader.Unit, _ *State) string { return u.Unit.StartLimitAction() }},
	{name: "FailureAction", get: func(u *loader.Unit, _ *State) string { return u.Unit.FailureAction() }},
	{name: "FailureActionExitStatus", get: func(u *loader.Unit, _ *State) string { return exitStatus(u.Unit.FailureActionExitStatus()) }},
	{name: "SuccessAction", get: func(u *loader.Unit, _ *State) string { return u.Unit.SuccessAction() }},
	{name: "SuccessActionExitStatus", get: func(u *loader.Unit, _ *State) string { return exitStatus(u.Unit.SuccessActionExitStatus()) }},
	{name: "RebootArgument", get: func(u *loader.Unit, _ *State) string { return u.Unit.RebootArgument() }},
	{name: "InvocationID", get: "", runtime: true},
	{name: "CollectMode", get: func(u *loader.Unit, _ *State) string { return u.Unit.CollectMode() }},
	{name: "Refs", get: "", runtime: true},
	{name: "ActivationDetails", get: "[unprintable]"},
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func exitStatus(v int) string {
	if v < 0 {
		return "[not set]"
	}
	return i64(int64(v))
}

// loadError prints LoadError as systemctl does: the D-Bus error name and
// the message in quotes.
func loadError(u *loader.Unit, _ *State) string {
	var name, msg string
	switch u.LoadState {
	case loader.StateLoaded:
		return ""
	case loader.StateNotFound:
		name, msg = "org.freedesktop.systemd1.NoSuchUnit", "Unit "+u.ID+" not found."
	case loader.StateBadSetting:
		name, msg = "org.freedesktop.systemd1.BadUnitSetting", "Unit "+u.ID+" has a bad unit file setting."
	case loader.StateMasked:
		name, msg = "org.freedesktop.systemd1.UnitMasked", "Unit "+u.ID+" is masked."
	case loader.StateError:
		var e loader.LoadErrno
		if !errors.As(u.LoadError, &e) {
			e.Errno = syscall.EIO
		}
		name = busErrorName(e.Errno)
		msg = "Unit " + u.ID + " failed to load properly, please adjust/correct and reload service manager: " + e.Error()
	default:
		name, msg = "org.freedesktop.systemd1.LoadFailed", "Unit "+u.ID+" is not loaded properly."
	}
	return name + " \"" + msg + "\""
}

// busErrorName is the D-Bus error name sd-bus gives an errno.
func busErrorName(e syscall.Errno) string {
	switch e {
	case syscall.ENOMEM:
		return "org.freedesktop.DBus.Error.NoMemory"
	case syscall.EPERM, syscall.EACCES:
		return "org.freedesktop.DBus.Error.AccessDenied"
	case syscall.EINVAL:
		return "org.freedesktop.DBus.Error.InvalidArgs"
	case syscall.ESRCH:
		return "org.freedesktop.DBus.Error.UnixProcessIdUnknown"
	case syscall.ENOENT:
		return "org.freedesktop.DBus.Error.FileNotFound"
	case syscall.EEXIST:
		return "org.freedesktop.DBus.Error.FileExists"
	case syscall.ETIMEDOUT, syscall.ETIME:
		return "org.freedesktop.DBus.Error.Timeout"
	case syscall.EIO:
		return "org.freedesktop.DBus.Error.IOError"
	case syscall.ENETRESET, syscall.ECONNABORTED, syscall.ECONNRESET:
		return "org.freedesktop.DBus.Error.Disconnected"
	case syscall.EOPNOTSUPP:
		return "org.freedesktop.DBus.Error.NotSupported"
	case syscall.EADDRNOTAVAIL:
		return "org.freedesktop.DBus.Error.BadAddress"
	case syscall.ENOBUFS:
		return "org.freedesktop.DBus.Error.LimitsExceeded"
	case syscall.EADDRINUSE:
		return "org.freedesktop.DBus.Error.AddressInUse"
	case syscall.EBADMSG:
		return "org.freedesktop.DBus.Error.InconsistentMessage"
	}
	return "System.Error." + errnoName(e)
}

// errnoName is the symbolic name of the errnos unit loading may record.
func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.ELOOP:
		return "ELOOP"
	case syscall.EISDIR:
		return "EISDIR"
	case syscall.ENOEXEC:
		return "ENOEXEC"
	case syscall.ENOTDIR:
		return "ENOTDIR"
	case syscall.ENAMETOOLONG:
		return "ENAMETOOLONG"
	}
	return "E" + strconv.Itoa(int(e))
}

// startable reports whether the unit's type can be started at all.
func startable(u *loader.Unit) bool {
	return u.LoadState == loader.StateLoaded && !slices.Contains([]string{"device", "scope"}, u.Type)
}

func canStart(u *loader.Unit) bool { return startable(u) && !u.Unit.RefuseManualStart }

func canStop(u *loader.Unit) bool {
	return !u.Unit.RefuseManualStop && u.Type != "device" && !u.Perpetual()
}
