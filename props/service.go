package props

import (
	"strings"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// svc gives a property of the unit's [Service] settings.
//
//go:noinline
func svc(name string, get func(s *loader.Service) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.Service) }}
}

//go:noinline
func svcExec(name string, list func(s *loader.Service) []unit.ExecCommand) []prop {
	return execCommandProps(name, func(u *loader.Unit) []unit.ExecCommand { return list(u.Service) })
}

// serviceProps is the org.freedesktop.systemd1.Service interface, in
// systemd 252's order (hidden compatibility properties left out, as
// systemctl show leaves them out).
var serviceProps = concat([]prop{
	svc("Type", func(s *loader.Service) string { return s.Type }),
	svc("ExitType", func(s *loader.Service) string { return s.ExitType }),
	svc("Restart", func(s *loader.Service) string { return s.Restart }),
	svc("PIDFile", func(s *loader.Service) string { return printable(s.PIDFile) }),
	svc("NotifyAccess", func(s *loader.Service) string { return s.NotifyAccess }),
	svc("RestartUSec", func(s *loader.Service) string { return usec(s.RestartUSec) }),
	svc("TimeoutStartUSec", func(s *loader.Service) string { return usec(s.TimeoutStartUSec) }),
	svc("TimeoutStopUSec", func(s *loader.Service) string { return usec(s.TimeoutStopUSec) }),
	svc("TimeoutAbortUSec", func(s *loader.Service) string { return usec(s.TimeoutAbort()) }),
	svc("TimeoutStartFailureMode", func(s *loader.Service) string { return s.TimeoutStartFailureMode() }),
	svc("TimeoutStopFailureMode", func(s *loader.Service) string { return s.TimeoutStopFailureMode() }),
	svc("RuntimeMaxUSec", func(s *loader.Service) string { return usec(s.RuntimeMaxUSec) }),
	svc("RuntimeRandomizedExtraUSec", func(s *loader.Service) string { return usec(s.RuntimeRandomizedExtraUSec) }),
	// WatchdogUSec is the watchdog timeout of the current run: systemd
	// copies WatchdogSec= into it when the service starts (and sd_notify can
	// override it); before the first start it is infinity.
	rt("WatchdogUSec", "infinity"),
	rt("WatchdogTimestamp", ""), rt("WatchdogTimestampMonotonic", "0"),
	svc("RootDirectoryStartOnly", func(s *loader.Service) string { return yesno(s.RootDirectoryStartOnly) }),
	svc("RemainAfterExit", func(s *loader.Service) string { return yesno(s.RemainAfterExit) }),
	svc("GuessMainPID", func(s *loader.Service) string { return yesno(s.GuessMainPID) }),
	svc("RestartPreventExitStatus", func(s *loader.Service) string { return exitStatusSet(s.RestartPreventExitStatus()) }),
	svc("RestartForceExitStatus", func(s *loader.Service) string { return exitStatusSet(s.RestartForceExitStatus()) }),
	svc("SuccessExitStatus", func(s *loader.Service) string { return exitStatusSet(s.SuccessExitStatus()) }),
	rt("MainPID", "0"), rt("ControlPID", "0"),
	svc("BusName", func(s *loader.Service) string { return printable(s.BusName) }),
	svc("FileDescriptorStoreMax", func(s *loader.Service) string { return u64(uint64(s.FileDescriptorStoreMax)) }),
	rt("NFileDescriptorStore", "0"),
	rt("StatusText", ""), rt("StatusErrno", "0"),
	rt("Result", "success"), rt("ReloadResult", "success"), rt("CleanResult", "success"),
	svc("USBFunctionDescriptors", func(s *loader.Service) string { return printable(s.USBFunctionDescriptors()) }),
	svc("USBFunctionStrings", func(s *loader.Service) string { return printable(s.USBFunctionStrings()) }),
	rt("UID", "[not set]"), rt("GID", "[not set]"),
	rt("NRestarts", "0"),
	svc("OOMPolicy", func(s *loader.Service) string { return s.OOMPolicy }),
	rt("ExecMainStartTimestamp", ""), rt("ExecMainStartTimestampMonotonic", "0"),
	rt("ExecMainExitTimestamp", ""), rt("ExecMainExitTimestampMonotonic", "0"),
	rt("ExecMainPID", "0"), rt("ExecMainCode", "0"), rt("ExecMainStatus", "0"),
},
	svcExec("ExecCondition", func(s *loader.Service) []unit.ExecCommand { return s.ExecCondition }),
	svcExec("ExecStartPre", func(s *loader.Service) []unit.ExecCommand { return s.ExecStartPre }),
	svcExec("ExecStart", func(s *loader.Service) []unit.ExecCommand { return s.ExecStart }),
	svcExec("ExecStartPost", func(s *loader.Service) []unit.ExecCommand { return s.ExecStartPost }),
	svcExec("ExecReload", func(s *loader.Service) []unit.ExecCommand { return s.ExecReload }),
	svcExec("ExecStop", func(s *loader.Service) []unit.ExecCommand { return s.ExecStop }),
	svcExec("ExecStopPost", func(s *loader.Service) []unit.ExecCommand { return s.ExecStopPost }),
)

func concat(tables ...[]prop) []prop {
	var out []prop
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

// printable is how systemctl shows a string property: as it is, unless
// it holds a newline.
func printable(s string) string {
	if strings.Contains(s, "\n") {
		return "[unprintable]"
	}
	return s
}

// exitStatusSet prints an exit status set as systemctl does: the
// statuses, then the signals by name, blank-separated.
func exitStatusSet(e loader.ExitStatusSet) string {
	var w []string
	for _, s := range e.Status {
		w = append(w, i64(int64(s)))
	}
	for _, s := range e.Signals {
		w = append(w, unit.SignalName(s))
	}
	return words(w)
}

// canReload reports whether the unit can be reloaded (CanReload), as
// systemd's unit_can_reload(): a service when it has ExecReload=, a mount
// always, any other unit when it propagates reloads to another.
func canReload(u *loader.Unit) bool {
	switch u.Type {
	case "service":
		return len(u.Service.ExecReload) > 0
	case "mount":
		return true
	}
	return len(u.Deps.Of(loader.PropagatesReloadTo)) > 0
}

// cleanKinds are the resource kinds `systemctl clean` knows, in systemd's
// order (its ExecDirectoryType enumeration).
var cleanKinds = []string{"runtime", "state", "cache", "logs", "configuration"}

// canClean lists what `systemctl clean` can remove for the unit (CanClean):
// for a loaded service, socket, mount or swap the kinds of *Directory=
// settings it has, for a timer "state" when it is Persistent=.
func canClean(u *loader.Unit) []string {
	if u.LoadState != loader.StateLoaded {
		return nil
	}
	switch u.Type {
	case "service", "socket", "mount", "swap":
		return execCleanKinds(u)
	case "timer":
		if timerPersistent(u) {
			return []string{"state"}
		}
	}
	return nil
}

// execCleanKinds lists the kinds of the exec context's *Directory= settings
// that name at least one directory.
func execCleanKinds(u *loader.Unit) []string {
	if u.Exec == nil {
		return nil
	}
	var out []string
	for i, l := range [][]string{u.Exec.RuntimeDirectory, u.Exec.StateDirectory, u.Exec.CacheDirectory, u.Exec.LogsDirectory, u.Exec.ConfigurationDirectory} {
		if len(l) > 0 {
			out = append(out, cleanKinds[i])
		}
	}
	return out
}

// timerPersistent reports Persistent= of a timer.
func timerPersistent(u *loader.Unit) bool {
	return u.Timer != nil && u.Timer.Persistent
}
