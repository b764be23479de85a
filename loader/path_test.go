package loader

import (
	"slices"
	"testing"
)

func pathSpecs(u *Unit) []string {
	var out []string
	for _, s := range u.Path.Specs {
		out = append(out, s.Path+" ("+s.Kind+")")
	}
	return out
}

// TestPathDirectives checks the [Path] parsers against what systemd 252
// logs and shows (Paths=, in its order) for the same lines.
func TestPathDirectives(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		msgs  []string
		check func(t *testing.T, u *Unit)
	}{
		{
			name:  "defaults",
			lines: []string{"PathExists=/a"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, []any{u.Path.MakeDirectory, u.Path.DirectoryMode}, []any{false, uint32(0o755)})
			},
		},
		{
			// systemd prepends each path to its list and shows that list.
			name:  "paths are kept last first, simplified, with specifiers",
			lines: []string{"PathExists=/a", "PathModified=/b", "DirectoryNotEmpty=/c", "PathExistsGlob=/d*", "PathChanged=/run//%n/./x/"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, pathSpecs(u), []string{"/run/foo.path/x (PathChanged)", "/d* (PathExistsGlob)", "/c (DirectoryNotEmpty)", "/b (PathModified)", "/a (PathExists)"})
			},
		},
		{
			name:  "an empty value of any kind removes all paths",
			lines: []string{"PathExists=/a", "PathChanged=", "DirectoryNotEmpty=/x"},
			check: func(t *testing.T, u *Unit) { trigEq(t, pathSpecs(u), []string{"/x (DirectoryNotEmpty)"}) },
		},
		{
			name: "bad values",
			lines: []string{"PathExists=rel", "PathExists=/a/../b", "PathExists=%z", "DirectoryMode=x", "MakeDirectory=x",
				"TriggerLimitBurst=-1", "TriggerLimitIntervalSec=x", "PathExists=/ok"},
			msgs: []string{"W: PathExists= path is not absolute, ignoring: rel", "W: PathExists= path is not normalized, ignoring: /a/../b",
				"W: Failed to resolve unit specifiers in %z, ignoring: Invalid slot", "W: Failed to parse mode value, ignoring: x",
				"W: Failed to parse boolean value, ignoring: x", "W: Failed to parse unsigned value, ignoring: -1",
				"W: Failed to parse sec value, ignoring: x"},
			check: func(t *testing.T, u *Unit) { trigEq(t, pathSpecs(u), []string{"/ok (PathExists)"}) },
		},
		{
			name:  "settings",
			lines: []string{"PathExists=/a", "MakeDirectory=yes", "DirectoryMode=700", "TriggerLimitBurst=0", "TriggerLimitIntervalSec=0"},
			check: func(t *testing.T, u *Unit) {
				p := u.Path
				trigEq(t, []any{p.MakeDirectory, p.DirectoryMode, p.TriggerLimitBurst, p.TriggerLimitIntervalUSec}, []any{true, uint32(0o700), uint32(0), uint64(0)})
			},
		},
		{
			name:  "Unit= and a template taking the path unit's name",
			lines: []string{"PathExists=/a", "Unit=bar@.service", "Unit=baz.service"},
			msgs:  []string{"W: Multiple units to trigger specified, ignoring: baz.service"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Deps.Of(Triggers), []string{"bar@foo.service"}) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := trigSection(t, "foo.path", tc.lines...)
			if got := trigMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u)
			}
		})
	}
}

// TestPathExtras checks what systemd 252 adds to path units: the
// same-named service, the watched paths as RequiresMountsFor=, the trigger
// limit defaults, paths.target and the system defaults.
func TestPathExtras(t *testing.T) {
	svc := "[Service]\nExecStart=/bin/true\n"
	u := trigLoad(t, map[string]string{"foo.path": "[Path]\nPathExists=/tmp/a\nPathChanged=/tmp/b\n", "foo.service": svc}, "foo.path")
	trigEq(t, u.Deps.Of(Before), []string{"foo.service", "paths.target", "shutdown.target"})
	trigEq(t, u.Deps.Of(After), []string{"sysinit.target"})
	trigEq(t, u.Deps.Of(Requires), []string{"sysinit.target"})
	trigEq(t, u.Deps.Of(Conflicts), []string{"shutdown.target"})
	trigEq(t, u.Deps.Of(Triggers), []string{"foo.service"})
	trigEq(t, u.Unit.RequiresMountsFor, []string{"/tmp/b", "/tmp/a"})
	trigEq(t, []any{u.Path.TriggerLimitIntervalUSec, u.Path.TriggerLimitBurst}, []any{uint64(2_000_000), uint32(200)})

	u = trigLoad(t, map[string]string{"foo.path": "[Path]\nPathExists=/a\nPathExists=\n"}, "foo.path")
	trigEq(t, u.LoadState, StateBadSetting)
	trigEq(t, u.Diags[len(u.Diags)-1].Error(), "foo.path: Path unit lacks path setting. Refusing.")
}
