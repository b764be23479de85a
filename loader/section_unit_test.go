package loader

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gosd/gosd/unit"
)

// unitApply parses "[Unit]" lines into a fresh unit called name.
func unitApply(t *testing.T, name string, lines ...string) *Unit {
	t.Helper()
	u := newUnit(name, []string{name}, &unit.Host{Hostname: "host"}, "/etc/systemd/system/"+name)
	var opts []unit.Option
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("bad test line %q", l)
		}
		opts = append(opts, unit.Option{Section: "Unit", Name: k, Value: v, File: "/etc/systemd/system/" + name, Line: i + 1})
	}
	u.apply(opts)
	return u
}

// TestUnitDirectives checks the [Unit] parsers against what systemd 252
// (systemd-analyze verify) reports for the same lines.
func TestUnitDirectives(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		msgs  []string // "line: message"; unit-level ones without line
		check func(t *testing.T, u *Unit)
	}{
		{
			name: "defaults",
			check: func(t *testing.T, u *Unit) {
				cgEq(t, u.Unit, newUnitSection())
			},
		},
		{
			name:  "JobTimeoutSec also sets the running timeout; 0 is infinity",
			lines: []string{"JobTimeoutSec=5min"},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []uint64{u.Unit.JobTimeoutUSec(), u.Unit.JobRunningTimeoutUSec()}, []uint64{300_000_000, 300_000_000})
			},
		},
		{
			// gosdc7.target in the oracle: JobTimeoutUSec=30s JobRunningTimeoutUSec=20s.
			name:  "an explicit JobRunningTimeoutSec wins in any order",
			lines: []string{"JobTimeoutSec=10s", "JobRunningTimeoutSec=20s", "JobTimeoutSec=30s"},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []uint64{u.Unit.JobTimeoutUSec(), u.Unit.JobRunningTimeoutUSec()}, []uint64{30_000_000, 20_000_000})
			},
		},
		{
			name:  "JobTimeoutSec=0 is infinity; bad and empty values are refused",
			lines: []string{"JobRunningTimeoutSec=1min", "JobTimeoutSec=0", "JobTimeoutSec=foo", "JobRunningTimeoutSec="},
			msgs:  []string{"3: JobTimeoutSec: Failed to parse JobTimeoutSec= parameter, ignoring: foo", "4: JobRunningTimeoutSec: Failed to parse JobRunningTimeoutSec= parameter, ignoring: "},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []uint64{u.Unit.JobTimeoutUSec(), u.Unit.JobRunningTimeoutUSec()}, []uint64{Infinity, 60_000_000})
			},
		},
		{
			// kexec, halt and soft-reboot came after systemd 252.
			name:  "emergency actions",
			lines: []string{"FailureAction=reboot-force", "SuccessAction=kexec", "StartLimitAction=halt-immediate", "JobTimeoutAction=exit-force", "FailureAction=soft-reboot"},
			msgs: []string{
				"2: SuccessAction: Failed to parse SuccessAction=, ignoring: kexec",
				"3: StartLimitAction: Failed to parse StartLimitAction=, ignoring: halt-immediate",
				"5: FailureAction: Failed to parse FailureAction=, ignoring: soft-reboot",
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []string{u.Unit.FailureAction(), u.Unit.SuccessAction(), u.Unit.JobTimeoutAction()}, []string{"reboot-force", "none", "exit-force"})
			},
		},
		{
			name:  "job modes and collect mode",
			lines: []string{"OnFailureJobMode=triggering", "OnSuccessJobMode=", "CollectMode=inactive-or-failed", "CollectMode=foo", "OnFailureIsolate=maybe"},
			msgs: []string{
				"2: OnSuccessJobMode: Failed to parse job mode, ignoring: ",
				"4: CollectMode: Failed to parse garbage collection mode, ignoring: foo",
				"5: OnFailureIsolate: Failed to parse boolean, ignoring: maybe",
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []string{u.Unit.OnFailureJobMode(), u.Unit.OnSuccessJobMode(), u.Unit.CollectMode()}, []string{"triggering", "fail", "inactive-or-failed"})
			},
		},
		{
			name:  "start limits",
			lines: []string{"StartLimitIntervalSec=x", "StartLimitInterval=1min", "StartLimitBurst=-1", "StartLimitBurst=", "StartLimitBurst=7"},
			msgs: []string{
				"1: StartLimitIntervalSec: Failed to parse sec value, ignoring: x",
				"3: StartLimitBurst: Failed to parse unsigned value, ignoring: -1",
				"4: StartLimitBurst: Failed to parse unsigned value, ignoring: ",
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []uint64{u.Unit.StartLimitIntervalUSec, u.Unit.StartLimitBurst}, []uint64{60_000_000, 7})
			},
		},
		{
			name:  "exit statuses are 0..255; empty unsets",
			lines: []string{"FailureActionExitStatus=256", "SuccessActionExitStatus=x", "FailureActionExitStatus=3", "SuccessActionExitStatus=4", "SuccessActionExitStatus="},
			msgs: []string{
				"1: FailureActionExitStatus: Failed to parse exit status '256', ignoring: Numerical result out of range",
				"2: SuccessActionExitStatus: Failed to parse exit status 'x', ignoring: Invalid argument",
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, []int{u.Unit.FailureActionExitStatus(), u.Unit.SuccessActionExitStatus()}, []int{3, -1})
			},
		},
		{
			name:  "reboot arguments are printable ASCII",
			lines: []string{"JobTimeoutRebootArgument=foo bar ä", "RebootArgument=x"},
			msgs:  []string{"1: JobTimeoutRebootArgument: Invalid reboot parameter 'foo bar ä', ignoring."},
			check: func(t *testing.T, u *Unit) { cgEq(t, u.Unit.RebootArgument(), "x") },
		},
		{
			name:  "removed and obsolete directives",
			lines: []string{"IgnoreOnSnapshot=yes", "RequiresOverridable=a.service"},
			msgs: []string{
				"1: IgnoreOnSnapshot: Support for option IgnoreOnSnapshot= has been removed and it is ignored",
				"2: RequiresOverridable: Unit dependency type RequiresOverridable= is obsolete, replacing by Requires=, please update your unit file",
			},
			check: func(t *testing.T, u *Unit) { cgEq(t, u.fwdNames(Requires), []string{"a.service"}) },
		},
		{
			// Quotes mean nothing in dependency lists, and an empty value
			// does not reset them.
			name:  "dependencies",
			lines: []string{"Requires=foo bar.service %z ba/d.service", "Wants=@.service", `Requires="b.service`, "After=x.service", "After="},
			msgs: []string{
				"1: Requires: Failed to add dependency on foo, ignoring: Invalid argument",
				"1: Requires: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
				"1: Requires: Failed to add dependency on ba/d.service, ignoring: Invalid argument",
				"2: Wants: Failed to add dependency on @.service, ignoring: Invalid argument",
				`3: Requires: Failed to add dependency on "b.service, ignoring: Invalid argument`,
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, u.fwdNames(Requires), []string{"bar.service"})
				cgEq(t, u.fwdNames(After), []string{"x.service"})
			},
		},
		{
			name:  "a template dependency takes the unit's name as instance",
			lines: []string{"Wants=gosdw@.service"},
			check: func(t *testing.T, u *Unit) { cgEq(t, u.fwdNames(Wants), []string{"gosdw@foo.service"}) },
		},
		{
			name:  "dependencies on itself are dropped, some with a warning",
			lines: []string{"Before=foo.service", "Requires=foo.service", "Before=dev-sda.device"},
			msgs: []string{
				"foo.service: Dependency Before=foo.service is dropped.",
				"foo.service: Dependency Before=dev-sda.device ignored (.device units cannot be delayed)",
			},
			check: func(t *testing.T, u *Unit) { cgEq(t, len(u.fwd), 0) },
		},
		{
			// Specifiers are expanded on the whole value first; a quoting
			// error keeps the words before it.
			name:  "Documentation",
			lines: []string{"Documentation=file: file:/ file:/x info:ä man:foo http:// https://a", "Documentation=man:a %z", `Documentation=man:b(1) x'y`},
			msgs: []string{
				"1: Documentation: Invalid URL, ignoring: file:",
				"1: Documentation: Invalid URL, ignoring: file:/",
				"1: Documentation: Invalid URL, ignoring: info:ä",
				"1: Documentation: Invalid URL, ignoring: http://",
				"2: Documentation: Failed to resolve unit specifiers in 'man:a %z', ignoring: Invalid slot",
				"3: Documentation: Invalid syntax, ignoring: man:b(1) x'y",
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, u.Unit.Documentation, []string{"file:/x", "man:foo", "https://a", "man:b(1)"})
			},
		},
		{
			name:  "Documentation empty resets",
			lines: []string{"Documentation=man:foo", "Documentation="},
			check: func(t *testing.T, u *Unit) { cgEq(t, len(u.Unit.Documentation), 0) },
		},
		{
			name:  "Description expands specifiers; a bad one drops the line",
			lines: []string{"Description=unit %n", "Description=%z"},
			msgs:  []string{"2: Description: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot"},
			check: func(t *testing.T, u *Unit) { cgEq(t, u.Unit.Description, "unit foo.service") },
		},
		{
			name:  "RequiresMountsFor and SourcePath take absolute paths",
			lines: []string{"RequiresMountsFor=relative /ok %z /ok//x/", "RequiresMountsFor=", "SourcePath=relative", "SourcePath=/etc/fstab"},
			msgs: []string{
				"1: RequiresMountsFor: RequiresMountsFor= path is not absolute, ignoring: relative",
				"1: RequiresMountsFor: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
				"3: SourcePath: SourcePath= path is not absolute, ignoring: relative",
			},
			check: func(t *testing.T, u *Unit) {
				cgEq(t, u.Unit.RequiresMountsFor, []string{"/ok", "/ok/x"})
				cgEq(t, u.SourcePath(), "/etc/fstab")
			},
		},
		{
			// systemd skips no blanks between "|" and "!".
			name:  "conditions",
			lines: []string{"ConditionPathExists=relative", "ConditionPathExists=%z", "AssertPathIsDirectory=|  ! /tmp", "ConditionPathExists=|!/a", "ConditionHost=%z", "ConditionHost=h", "ConditionFirstBoot=maybe", "ConditionHost="},
			msgs: []string{
				"1: ConditionPathExists: ConditionPathExists= path is not absolute, ignoring: relative",
				"2: ConditionPathExists: Failed to resolve unit specifiers in %z, ignoring: Invalid slot",
				"3: AssertPathIsDirectory: AssertPathIsDirectory= path is not absolute, ignoring:   ! /tmp",
				"5: ConditionHost: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
			},
			check: func(t *testing.T, u *Unit) {
				// The empty ConditionHost= removed only the Host condition.
				cgEq(t, u.Unit.Conditions, []Condition{{Type: "FirstBoot", Param: "maybe"}, {Type: "PathExists", Trigger: true, Negate: true, Param: "/a"}})
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := unitApply(t, "foo.service", tc.lines...)
			if got := cgMsgs(u); !reflect.DeepEqual(got, tc.msgs) && !(len(got) == 0 && len(tc.msgs) == 0) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u)
			}
		})
	}
}

// TestInstallDirectives checks that [Install] is checked on load, though
// not kept: a list that does not split into words is reported, anything
// else is accepted silently.
func TestInstallDirectives(t *testing.T) {
	u := newUnit("foo.service", []string{"foo.service"}, &unit.Host{Hostname: "host"}, "/etc/systemd/system/foo.service")
	var opts []unit.Option
	for i, l := range []string{"WantedBy=a.target 'b c.target'", "RequiredBy=", `Alias="x.service`, `Also=y.service \`, "DefaultInstance=%z", "WantedBy=\"z", "Bogus=1"} {
		k, v, _ := strings.Cut(l, "=")
		opts = append(opts, unit.Option{Section: "Install", Name: k, Value: v, File: "/etc/systemd/system/foo.service", Line: i + 1})
	}
	u.apply(opts)
	want := []string{
		`3: Alias: Invalid syntax, ignoring: "x.service`,
		`4: Also: Invalid syntax, ignoring: y.service \`,
		`6: WantedBy: Invalid syntax, ignoring: "z`,
	}
	if got := cgMsgs(u); !reflect.DeepEqual(got[:min(len(got), len(want))], want) || len(got) != len(want)+1 || !strings.Contains(got[len(want)], "Bogus") {
		t.Errorf("messages:\n got %q\nwant %q and one about Bogus=", got, want)
	}
	if u.LoadState != StateLoaded {
		t.Errorf("LoadState = %s, want loaded", u.LoadState)
	}
}

// TestApplyFileOrder checks that problems are reported in file order as
// systemd logs them: unknown section headers on their own line, parser
// warnings in ignored sections dropped, every unknown key reported.
func TestApplyFileOrder(t *testing.T) {
	src := "[Unit]\nFoo=1\nFoo=2\n[Bogus]\nA=1\nnoequals\n[Service]\nExecStart=/bin/true\n[Bogus]\n[X-Mine]\nbad line\n[Unit]\nX-Foo=1\nDescription=%z\n"
	f, diags, err := unit.Parse("/x.service", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	u := newUnit("x.target", []string{"x.target"}, &unit.Host{}, "/x.service")
	u.applyFile(f, diags, true)
	want := []string{
		"2: Unknown key 'Foo' in section [Unit], ignoring.",
		"3: Unknown key 'Foo' in section [Unit], ignoring.",
		"4: Unknown section 'Bogus'. Ignoring.",
		"7: Unknown section 'Service'. Ignoring.",
		"9: Unknown section 'Bogus'. Ignoring.",
		"14: Description: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
	}
	cgEq(t, cgMsgs(u), want)
}

func TestFatalSettingStopsParsing(t *testing.T) {
	u := newUnit("x.service", []string{"x.service"}, &unit.Host{}, "/x.service")
	u.apply([]unit.Option{{Section: "Unit", Name: "Description", Value: "d"}})
	// A service's conflicting ExecStart= prefixes are a fatal setting.
	f := &unit.File{Path: "/x.service", Options: []unit.Option{
		{Section: "Service", Name: "ExecStart", Value: "+!/bin/true", File: "/x.service", Line: 1},
		{Section: "Unit", Name: "Description", Value: "after", File: "/x.service", Line: 2},
	}}
	u.applyFile(f, nil, true)
	if u.LoadState != StateBadSetting {
		t.Fatalf("LoadState = %s", u.LoadState)
	}
	if u.Unit.Description != "d" {
		t.Errorf("parsing went on after the fatal setting: Description=%q", u.Unit.Description)
	}
	msgs := cgMsgs(u)
	if len(msgs) == 0 || msgs[len(msgs)-1] != "x.service: Unit configuration has fatal error, unit will not be started." {
		t.Errorf("messages %q", msgs)
	}
}
