package props

import (
	"strings"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// serviceProps is the org.freedesktop.systemd1.Service interface, in
// systemd 252's order (hidden compatibility properties left out, as
// systemctl show leaves them out).
var serviceProps = []prop{
	{name: "Type", get: func(s *loader.Service) string { return s.Type }},
	{name: "ExitType", get: func(s *loader.Service) string { return s.ExitType }},
	{name: "Restart", get: func(s *loader.Service) string { return s.Restart }},
	{name: "PIDFile", get: func(s *loader.Service) string { return printable(s.PIDFile) }},
	{name: "NotifyAccess", get: func(s *loader.Service) string { return s.NotifyAccess }},
	{name: "RestartUSec", get: func(s *loader.Service) string { return usec(s.RestartUSec) }},
	{name: "TimeoutStartUSec", get: func(s *loader.Service) string { return usec(s.TimeoutStartUSec) }},
	{name: "TimeoutStopUSec", get: func(s *loader.Service) string { return usec(s.TimeoutStopUSec) }},
	{name: "TimeoutAbortUSec", get: func(s *loader.Service) string { return usec(s.TimeoutAbort()) }},
	{name: "TimeoutStartFailureMode", get: func(s *loader.Service) string { return s.TimeoutStartFailureMode() }},
	{name: "TimeoutStopFailureMode", get: func(s *loader.Service) string { return s.TimeoutStopFailureMode() }},
	{name: "RuntimeMaxUSec", get: func(s *loader.Service) string { return usec(s.RuntimeMaxUSec) }},
	{name: "RuntimeRandomizedExtraUSec", get: func(s *loader.Service) string { return usec(s.RuntimeRandomizedExtraUSec) }},
	// WatchdogUSec is the watchdog timeout of the current run: systemd
	// copies WatchdogSec= into it when the service starts (and sd_notify can
	// override it); before the first start it is infinity.
	{name: "WatchdogUSec", get: "infinity", runtime: true},
	{name: "WatchdogTimestamp", get: "", runtime: true},
	{name: "WatchdogTimestampMonotonic", get: "0", runtime: true},
	{name: "RootDirectoryStartOnly", get: func(s *loader.Service) bool { return s.RootDirectoryStartOnly }},
	{name: "RemainAfterExit", get: func(s *loader.Service) bool { return s.RemainAfterExit }},
	{name: "GuessMainPID", get: func(s *loader.Service) bool { return s.GuessMainPID }},
	{name: "RestartPreventExitStatus", get: func(s *loader.Service) string { return exitStatusSet(s.RestartPreventExitStatus()) }},
	{name: "RestartForceExitStatus", get: func(s *loader.Service) string { return exitStatusSet(s.RestartForceExitStatus()) }},
	{name: "SuccessExitStatus", get: func(s *loader.Service) string { return exitStatusSet(s.SuccessExitStatus()) }},
	{name: "MainPID", get: "0", runtime: true},
	{name: "ControlPID", get: "0", runtime: true},
	{name: "BusName", get: func(s *loader.Service) string { return printable(s.BusName) }},
	{name: "FileDescriptorStoreMax", get: func(s *loader.Service) string { return u64(uint64(s.FileDescriptorStoreMax)) }},
	{name: "NFileDescriptorStore", get: "0", runtime: true},
	{name: "StatusText", get: "", runtime: true},
	{name: "StatusErrno", get: "0", runtime: true},
	{name: "Result", get: "success", runtime: true},
	{name: "ReloadResult", get: "success", runtime: true},
	{name: "CleanResult", get: "success", runtime: true},
	{name: "USBFunctionDescriptors", get: func(s *loader.Service) string { return printable(s.USBFunctionDescriptors()) }},
	{name: "USBFunctionStrings", get: func(s *loader.Service) string { return printable(s.USBFunctionStrings()) }},
	{name: "UID", get: "[not set]", runtime: true},
	{name: "GID", get: "[not set]", runtime: true},
	{name: "NRestarts", get: "0", runtime: true},
	{name: "OOMPolicy", get: func(s *loader.Service) string { return s.OOMPolicy }},
	{name: "ExecMainStartTimestamp", get: "", runtime: true},
	{name: "ExecMainStartTimestampMonotonic", get: "0", runtime: true},
	{name: "ExecMainExitTimestamp", get: "", runtime: true},
	{name: "ExecMainExitTimestampMonotonic", get: "0", runtime: true},
	{name: "ExecMainPID", get: "0", runtime: true},
	{name: "ExecMainCode", get: "0", runtime: true},
	{name: "ExecMainStatus", get: "0", runtime: true},
	{name: "ExecCondition", get: commands{list: svcExecCondition}},
	{name: "ExecConditionEx", get: commands{list: svcExecCondition, ex: true}},
	{name: "ExecStartPre", get: commands{list: svcExecStartPre}},
	{name: "ExecStartPreEx", get: commands{list: svcExecStartPre, ex: true}},
	{name: "ExecStart", get: commands{list: svcExecStart}},
	{name: "ExecStartEx", get: commands{list: svcExecStart, ex: true}},
	{name: "ExecStartPost", get: commands{list: svcExecStartPost}},
	{name: "ExecStartPostEx", get: commands{list: svcExecStartPost, ex: true}},
	{name: "ExecReload", get: commands{list: svcExecReload}},
	{name: "ExecReloadEx", get: commands{list: svcExecReload, ex: true}},
	{name: "ExecStop", get: commands{list: svcExecStop}},
	{name: "ExecStopEx", get: commands{list: svcExecStop, ex: true}},
	{name: "ExecStopPost", get: commands{list: svcExecStopPost}},
	{name: "ExecStopPostEx", get: commands{list: svcExecStopPost, ex: true}},
}

// The command lists of a service, each shown by two properties.

func svcExecCondition(u *loader.Unit) []unit.ExecCommand { return u.Service.ExecCondition }
func svcExecStartPre(u *loader.Unit) []unit.ExecCommand  { return u.Service.ExecStartPre }
func svcExecStart(u *loader.Unit) []unit.ExecCommand     { return u.Service.ExecStart }
func svcExecStartPost(u *loader.Unit) []unit.ExecCommand { return u.Service.ExecStartPost }
func svcExecReload(u *loader.Unit) []unit.ExecCommand    { return u.Service.ExecReload }
func svcExecStop(u *loader.Unit) []unit.ExecCommand      { return u.Service.ExecStop }
func svcExecStopPost(u *loader.Unit) []unit.ExecCommand  { return u.Service.ExecStopPost }

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
