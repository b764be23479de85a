package props

import (
	"strconv"

	"github.com/gosd/gosd/loader"
)

//go:noinline
func mnt(name string, get func(m *loader.Mount) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.Mount) }}
}

//go:noinline
func mntBool(name string, get func(m *loader.Mount) bool) prop {
	return mnt(name, func(m *loader.Mount) string { return yesno(get(m)) })
}

// noCommand is a command property of the mount and swap interfaces: the
// command the manager last ran, which a unit that has not run shows as
// nothing.
//
//go:noinline
func noCommand(name string) prop {
	return prop{name: name, multi: func(*loader.Unit, *State) []string { return nil }, runtime: true}
}

// mountProps is org.freedesktop.systemd1.Mount. What, Options and Type
// are the unit file's: gosd keeps no mount table, where systemd shows
// those of a mounted file system from /proc/self/mountinfo.
var mountProps = []prop{
	mnt("Where", func(m *loader.Mount) string { return m.Where }),
	mnt("What", func(m *loader.Mount) string { return m.What }),
	mnt("Options", func(m *loader.Mount) string { return m.Options }),
	mnt("Type", func(m *loader.Mount) string { return m.Type }),
	mnt("TimeoutUSec", func(m *loader.Mount) string { return usec(m.TimeoutUSec) }),
	rt("ControlPID", "0"),
	mnt("DirectoryMode", func(m *loader.Mount) string { return skOctal(m.DirectoryMode) }),
	mntBool("SloppyOptions", func(m *loader.Mount) bool { return m.SloppyOptions }),
	mntBool("LazyUnmount", func(m *loader.Mount) bool { return m.LazyUnmount }),
	mntBool("ForceUnmount", func(m *loader.Mount) bool { return m.ForceUnmount }),
	mntBool("ReadWriteOnly", func(m *loader.Mount) bool { return m.ReadWriteOnly }),
	rt("Result", "success"),
	rt("UID", "[not set]"),
	rt("GID", "[not set]"),
	noCommand("ExecMount"),
	noCommand("ExecUnmount"),
	noCommand("ExecRemount"),
}

// automountProps is org.freedesktop.systemd1.Automount.
var automountProps = []prop{
	{name: "Where", get: func(u *loader.Unit, _ *State) string { return u.Automount.Where }},
	{name: "ExtraOptions", get: func(u *loader.Unit, _ *State) string { return u.Automount.ExtraOptions }},
	{name: "DirectoryMode", get: func(u *loader.Unit, _ *State) string { return skOctal(u.Automount.DirectoryMode) }},
	rt("Result", "success"),
	{name: "TimeoutIdleUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Automount.TimeoutIdleUSec) }},
}

// swapProps is org.freedesktop.systemd1.Swap.
var swapProps = []prop{
	{name: "What", get: func(u *loader.Unit, _ *State) string { return u.Swap.What }},
	{name: "Priority", get: func(u *loader.Unit, _ *State) string { return strconv.Itoa(u.Swap.Priority) }},
	{name: "Options", get: func(u *loader.Unit, _ *State) string { return u.Swap.Options }},
	{name: "TimeoutUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Swap.TimeoutUSec) }},
	rt("ControlPID", "0"),
	rt("Result", "success"),
	rt("UID", "[not set]"),
	rt("GID", "[not set]"),
	noCommand("ExecActivate"),
	noCommand("ExecDeactivate"),
}
