package props

import (
	"strconv"

	"github.com/gosd/gosd/loader"
)

// noCommand gives a command property of the mount and swap interfaces:
// the command the manager last ran, which a unit that has not run shows
// as nothing.
func noCommand(*loader.Unit, *State) []string { return nil }

// mountProps is org.freedesktop.systemd1.Mount. What, Options and Type
// are the unit file's: gosd keeps no mount table, where systemd shows
// those of a mounted file system from /proc/self/mountinfo.
var mountProps = []prop{
	{name: "Where", get: func(m *loader.Mount) string { return m.Where }},
	{name: "What", get: func(m *loader.Mount) string { return m.What }},
	{name: "Options", get: func(m *loader.Mount) string { return m.Options }},
	{name: "Type", get: func(m *loader.Mount) string { return m.Type }},
	{name: "TimeoutUSec", get: func(m *loader.Mount) string { return usec(m.TimeoutUSec) }},
	{name: "ControlPID", get: "0", runtime: true},
	{name: "DirectoryMode", get: func(m *loader.Mount) string { return octal(m.DirectoryMode) }},
	{name: "SloppyOptions", get: func(m *loader.Mount) bool { return m.SloppyOptions }},
	{name: "LazyUnmount", get: func(m *loader.Mount) bool { return m.LazyUnmount }},
	{name: "ForceUnmount", get: func(m *loader.Mount) bool { return m.ForceUnmount }},
	{name: "ReadWriteOnly", get: func(m *loader.Mount) bool { return m.ReadWriteOnly }},
	{name: "Result", get: "success", runtime: true},
	{name: "UID", get: "[not set]", runtime: true},
	{name: "GID", get: "[not set]", runtime: true},
	{name: "ExecMount", get: noCommand, runtime: true},
	{name: "ExecUnmount", get: noCommand, runtime: true},
	{name: "ExecRemount", get: noCommand, runtime: true},
}

// automountProps is org.freedesktop.systemd1.Automount.
var automountProps = []prop{
	{name: "Where", get: func(u *loader.Unit, _ *State) string { return u.Automount.Where }},
	{name: "ExtraOptions", get: func(u *loader.Unit, _ *State) string { return u.Automount.ExtraOptions }},
	{name: "DirectoryMode", get: func(u *loader.Unit, _ *State) string { return octal(u.Automount.DirectoryMode) }},
	{name: "Result", get: "success", runtime: true},
	{name: "TimeoutIdleUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Automount.TimeoutIdleUSec) }},
}

// swapProps is org.freedesktop.systemd1.Swap.
var swapProps = []prop{
	{name: "What", get: func(u *loader.Unit, _ *State) string { return u.Swap.What }},
	{name: "Priority", get: func(u *loader.Unit, _ *State) string { return strconv.Itoa(u.Swap.Priority) }},
	{name: "Options", get: func(u *loader.Unit, _ *State) string { return u.Swap.Options }},
	{name: "TimeoutUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Swap.TimeoutUSec) }},
	{name: "ControlPID", get: "0", runtime: true},
	{name: "Result", get: "success", runtime: true},
	{name: "UID", get: "[not set]", runtime: true},
	{name: "GID", get: "[not set]", runtime: true},
	{name: "ExecActivate", get: noCommand, runtime: true},
	{name: "ExecDeactivate", get: noCommand, runtime: true},
}
