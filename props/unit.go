package props

import (
	"errors"
	"slices"
	"strconv"
	"syscall"

	"github.com/gosd/gosd/loader"
)

//go:noinline
func dep(d loader.Dep) prop {
	return prop{name: d.String(), get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.Deps.Of(d)) }}
}

func rt(name, v string) prop { return prop{name: name, get: constant(v), runtime: true} }

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
	{name: "Following", get: constant("")},
	dep(loader.Requires), dep(loader.Requisite), dep(loader.Wants), dep(loader.BindsTo),
	dep(loader.PartOf), dep(loader.Upholds), dep(loader.RequiredBy), dep(loader.RequisiteOf),
	dep(loader.WantedBy), dep(loader.BoundBy), dep(loader.UpheldBy), dep(loader.ConsistsOf),
	dep(loader.Conflicts), dep(loader.ConflictedBy), dep(loader.Before), dep(loader.After),
	dep(loader.OnSuccess), dep(loader.OnSuccessOf), dep(loader.OnFailure), dep(loader.OnFailureOf),
	dep(loader.Triggers), dep(loader.TriggeredBy), dep(loader.PropagatesReloadTo),
	dep(loader.ReloadPropagatedFrom), dep(loader.PropagatesStopTo), dep(loader.StopPropagatedFrom),
	dep(loader.JoinsNamespaceOf),
	{name: "SliceOf", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.SliceOf()) }},
	{name: "RequiresMountsFor", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.Unit.RequiresMountsFor) }},
	{name: "Documentation", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.Unit.Documentation) }},
	{name: "Description", get: func(u *loader.Unit, _ *State) string {
		if u.Unit.Description == "" {
			return u.ID
		}
		return u.Unit.Description
	}},
	{name: "AccessSELinuxContext", get: constant("")},
	{name: "LoadState", get: func(u *loader.Unit, _ *State) string { return u.LoadState }},
	{name: "ActiveState", runtime: true, get: func(_ *loader.Unit, st *State) string { return or(st.ActiveState, "inactive") }},
	rt("FreezerState", "running"),
	{name: "SubState", runtime: true, get: func(_ *loader.Unit, st *State) string { return or(st.SubState, "dead") }},
	{name: "FragmentPath", get: func(u *loader.Unit, _ *State) string { return u.FragmentPath }},
	{name: "SourcePath", get: func(u *loader.Unit, _ *State) string { return u.SourcePath() }},
	{name: "DropInPaths", get: func(u *loader.Unit, _ *State) string { return shellQuoteList(u.DropInPaths) }},
	{name: "UnitFileState", get: func(_ *loader.Unit, st *State) string { return st.UnitFileState }},
	{name: "UnitFilePreset", get: func(_ *loader.Unit, st *State) string { return st.UnitFilePreset }},
	rt("StateChangeTimestamp", ""), rt("StateChangeTimestampMonotonic", "0"),
	rt("InactiveExitTimestamp", ""), rt("InactiveExitTimestampMonotonic", "0"),
	rt("ActiveEnterTimestamp", ""), rt("ActiveEnterTimestampMonotonic", "0"),
	rt("ActiveExitTimestamp", ""), rt("ActiveExitTimestampMonotonic", "0"),
	rt("InactiveEnterTimestamp", ""), rt("InactiveEnterTimestampMonotonic", "0"),
	{name: "CanStart", get: func(u *loader.Unit, _ *State) string { return yesno(canStart(u)) }},
	{name: "CanStop", get: func(u *loader.Unit, _ *State) string { return yesno(canStop(u)) }},
	{name: "CanReload", get: func(u *loader.Unit, _ *State) string { return yesno(canReload(u)) }},
	{name: "CanIsolate", get: func(u *loader.Unit, _ *State) string {
		// systemd: a unit that can be started (by hand) and allows it.
		return yesno(canStart(u) && u.Unit.AllowIsolate)
	}},
	{name: "CanClean", get: func(u *loader.Unit, _ *State) string { return words(canClean(u)) }},
	{name: "CanFreeze", get: func(u *loader.Unit, _ *State) string { return yesno(u.CanFreeze()) }},
	rt("Job", ""),
	{name: "StopWhenUnneeded", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.StopWhenUnneeded) }},
	{name: "RefuseManualStart", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.RefuseManualStart) }},
	{name: "RefuseManualStop", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.RefuseManualStop) }},
	{name: "AllowIsolate", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.AllowIsolate) }},
	{name: "DefaultDependencies", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.DefaultDependencies) }},
	{name: "OnSuccessJobMode", get: func(u *loader.Unit, _ *State) string { return u.Unit.OnSuccessJobMode() }},
	{name: "OnFailureJobMode", get: func(u *loader.Unit, _ *State) string { return u.Unit.OnFailureJobMode() }},
	{name: "IgnoreOnIsolate", get: func(u *loader.Unit, _ *State) string { return yesno(u.Unit.IgnoreOnIsolate) }},
	{name: "NeedDaemonReload", runtime: true, get: func(_ *loader.Unit, st *State) string { return yesno(st.NeedDaemonReload) }},
	rt("Markers", ""),
	{name: "JobTimeoutUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Unit.JobTimeoutUSec()) }},
	{name: "JobRunningTimeoutUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Unit.JobRunningTimeoutUSec()) }},
	{name: "JobTimeoutAction", get: func(u *loader.Unit, _ *State) string { return u.Unit.JobTimeoutAction() }},
	{name: "JobTimeoutRebootArgument", get: func(u *loader.Unit, _ *State) string { return u.Unit.JobTimeoutRebootArgument() }},
	rt("ConditionResult", "no"), rt("AssertResult", "no"),
	rt("ConditionTimestamp", ""), rt("ConditionTimestampMonotonic", "0"),
	rt("AssertTimestamp", ""), rt("AssertTimestampMonotonic", "0"),
	{name: "Conditions", get: constant("[unprintable]")},
	{name: "Asserts", get: constant("[unprintable]")},
	{name: "LoadError", get: loadError},
	{name: "Transient", get: constant("no")},
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
	rt("InvocationID", ""),
	{name: "CollectMode", get: func(u *loader.Unit, _ *State) string { return u.Unit.CollectMode() }},
	rt("Refs", ""),
	{name: "ActivationDetails", get: constant("[unprintable]")},
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
