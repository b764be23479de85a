package loader

import (
	"slices"
	"testing"

	"github.com/gosd/gosd/unit"
)

// TestMountDirectives checks the [Mount], [Automount] and [Swap] parsers
// against what systemd 252 logs and shows for the same lines.
func TestMountDirectives(t *testing.T) {
	tests := []struct {
		name  string
		unit  string
		lines []string
		msgs  []string
		check func(t *testing.T, u *Unit)
	}{
		{
			name: "mount defaults",
			unit: "foo.mount",
			check: func(t *testing.T, u *Unit) {
				m := *u.Mount
				m.Where = "" // set from the name once the unit loaded
				trigEq(t, m, Mount{DirectoryMode: 0o755, TimeoutUSec: 90_000_000})
			},
		},
		{
			name: "mount settings, specifiers expanded, TimeoutSec=0 is infinity",
			unit: "foo.mount",
			lines: []string{"What=LABEL=foo", "Where=/foo/", "Type=ext4", "Options=ro,%n", "TimeoutSec=0", "SloppyOptions=yes",
				"LazyUnmount=yes", "ForceUnmount=yes", "ReadWriteOnly=yes", "DirectoryMode=700"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, *u.Mount, Mount{What: "LABEL=foo", Where: "/foo", Type: "ext4", Options: "ro,foo.mount", SloppyOptions: true,
					LazyUnmount: true, ForceUnmount: true, ReadWriteOnly: true, DirectoryMode: 0o700, TimeoutUSec: Infinity})
			},
		},
		{
			name: "bad mount values",
			unit: "foo.mount",
			lines: []string{"What=%z", "Where=rel", "Where=/m1/../x", "Where=%z", "Type=%z", "Options=%z", "TimeoutSec=x",
				"DirectoryMode=x", "SloppyOptions=x"},
			msgs: []string{"W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot", "W: Where= path is not absolute, ignoring: rel",
				"W: Where= path is not normalized, ignoring: /m1/../x", "W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
				"W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot", "W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
				"W: Failed to parse time value, ignoring: x", "W: Failed to parse mode value, ignoring: x", "W: Failed to parse boolean value, ignoring: x"},
		},
		{
			name:  "automount settings; TimeoutIdleSec=0 is infinity, unset is 0",
			unit:  "foo.automount",
			lines: []string{"Where=/foo", "ExtraOptions=x", "DirectoryMode=0711", "TimeoutIdleSec=5min"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, *u.Automount, Automount{Where: "/foo", ExtraOptions: "x", DirectoryMode: 0o711, TimeoutIdleUSec: 300_000_000})
			},
		},
		{
			name:  "bad automount values",
			unit:  "foo.automount",
			lines: []string{"Where=rel", "ExtraOptions=%z", "TimeoutIdleSec=x", "DirectoryMode=", "TimeoutIdleSec=0"},
			msgs: []string{"W: Where= path is not absolute, ignoring: rel", "W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
				"W: Failed to parse time value, ignoring: x", "W: Failed to parse mode value, ignoring: "},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Automount.TimeoutIdleUSec, Infinity) },
		},
		{
			name:  "swap priority range",
			unit:  "dev-foo.swap",
			lines: []string{"Priority=7", "Priority=x", "Priority=-2", "Priority=32768", "Options=discard", "What=/dev//foo"},
			msgs: []string{"W: Invalid swap priority 'x', ignoring.", "W: Sorry, swap priorities smaller than -1 may only be assigned by the kernel itself, ignoring: -2",
				"W: Swap priority out of range, ignoring: 32768"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, *u.Swap, Swap{What: "/dev/foo", Priority: 7, Options: "discard", TimeoutUSec: 90_000_000})
			},
		},
		{
			name:  "an empty Priority= unsets it",
			unit:  "dev-foo.swap",
			lines: []string{"Priority=7", "Priority=", "What=rel", "TimeoutSec="},
			msgs:  []string{"W: What= path is not absolute, ignoring: rel", "W: Failed to parse time value, ignoring: "},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Swap.Priority, -1) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := trigSection(t, tc.unit, tc.lines...)
			if got := trigMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u)
			}
		})
	}
}

// mntUnit returns a fresh unit whose type's extras can be run on it.
func mntUnit(id string) *Unit {
	return newUnit(id, []string{id}, &unit.Host{}, "/etc/systemd/system/"+id)
}

// TestMountExtras checks the parts of systemd 252's mount, automount and
// swap loading gosd keeps: Where=/What= from the unit's name, the parent
// directory as RequiresMountsFor=, the automount's trigger, and the
// refusals systemd-analyze verify showed.
func TestMountExtras(t *testing.T) {
	u := mntUnit("foo-bar.mount")
	u.Mount.What = "tmpfs"
	u.mountExtras(nil)
	trigEq(t, []any{u.LoadState, u.Mount.Where, u.Unit.RequiresMountsFor}, []any{StateLoaded, "/foo/bar", []string{"/foo"}})

	u = mntUnit("foo.automount")
	u.automountExtras(nil)
	trigEq(t, []any{u.LoadState, u.Automount.Where, u.Unit.RequiresMountsFor}, []any{StateLoaded, "/foo", []string{"/"}})
	trigEq(t, u.fwdNames(Triggers), []string{"foo.mount"})
	trigEq(t, u.fwdNames(Before), []string{"foo.mount"})

	u = mntUnit("dev-sda2.swap")
	u.swapExtras(nil)
	trigEq(t, []any{u.LoadState, u.Swap.What, u.Unit.RequiresMountsFor}, []any{StateLoaded, "/dev/sda2", []string{"/dev/sda2"}})

	refused := []struct {
		id, msg string
		set     func(u *Unit)
	}{
		{"m2.mount", "Where= setting doesn't match unit name. Refusing.", func(u *Unit) { u.Mount.What, u.Mount.Where = "tmpfs", "/other" }},
		{"m3.mount", "What= setting is missing. Refusing.", func(u *Unit) {}},
		{"proc.mount", "Cannot create mount unit for API file system /proc. Refusing.", func(u *Unit) { u.Mount.What = "proc" }},
		{"m4.automount", "Where= setting doesn't match unit name. Refusing.", func(u *Unit) { u.Automount.Where = "/other" }},
		{"m5.swap", "Value of What= and unit name do not match, not loading.", func(u *Unit) { u.Swap.What = "/other" }},
	}
	for _, tc := range refused {
		u := mntUnit(tc.id)
		tc.set(u)
		switch u.Type {
		case "mount":
			u.mountExtras(nil)
		case "automount":
			u.automountExtras(nil)
		case "swap":
			u.swapExtras(nil)
		}
		if u.LoadState != StateBadSetting || len(u.Diags) == 0 || u.Diags[0].Error() != tc.id+": "+tc.msg {
			t.Errorf("%s: %s %v, want bad-setting with %q", tc.id, u.LoadState, u.Diags, tc.msg)
		}
	}
}
