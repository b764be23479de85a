package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gosd/gosd/unit"
)

// newService returns a Service with the defaults initType gives one.
func newService() *Service {
	s := new(Service)
	s.init()
	return s
}

// svcApply parses "[Service]" lines (Key=Value, one per element) into a
// fresh foo.service and returns it.
func svcApply(t *testing.T, lines ...string) *Unit {
	t.Helper()
	u := newUnit("foo.service", []string{"foo.service"}, &unit.Host{Hostname: "host"}, "/etc/systemd/system/foo.service")
	var opts []unit.Option
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("bad test line %q", l)
		}
		opts = append(opts, unit.Option{Section: "Service", Name: k, Value: v, File: "/etc/systemd/system/foo.service", Line: i + 1})
	}
	u.apply(opts)
	return u
}

// svcMsgs returns the unit's diagnostics as "W: msg" (warning) or "E: msg".
func svcMsgs(u *Unit) []string {
	var out []string
	for _, d := range u.Diags {
		p := "E: "
		if d.Warning {
			p = "W: "
		}
		out = append(out, p+d.Msg)
	}
	return out
}

func TestServiceDirectives(t *testing.T) {
	type check func(t *testing.T, s *Service)
	tests := []struct {
		name  string
		lines []string
		msgs  []string // diagnostics systemd logs for the lines
		check check
	}{
		{
			name:  "defaults are the manager's",
			check: func(t *testing.T, s *Service) { svcEq(t, *s, *newService()) },
		},
		{
			name:  "Type accepts systemd 252's types",
			lines: []string{"Type=notify"},
			check: func(t *testing.T, s *Service) { svcEq(t, s.Type, "notify") },
		},
		{
			// notify-reload arrived in systemd 253.
			name:  "Type refuses unknown values and keeps the old one",
			lines: []string{"Type=forking", "Type=notify-reload", "Type="},
			msgs:  []string{"W: Failed to parse service type, ignoring: notify-reload", "W: Failed to parse service type, ignoring: "},
			check: func(t *testing.T, s *Service) { svcEq(t, s.Type, "forking") },
		},
		{
			name:  "Restart and ExitType and NotifyAccess and OOMPolicy",
			lines: []string{"Restart=on-abnormal", "ExitType=cgroup", "NotifyAccess=exec", "OOMPolicy=kill", "Restart=sometimes"},
			msgs:  []string{"W: Failed to parse service restart specifier, ignoring: sometimes"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, []string{s.Restart, s.ExitType, s.NotifyAccess, s.OOMPolicy}, []string{"on-abnormal", "cgroup", "exec", "kill"})
			},
		},
		{
			name:  "failure modes",
			lines: []string{"TimeoutStartFailureMode=abort", "TimeoutStopFailureMode=kill", "TimeoutStopFailureMode=bogus"},
			msgs:  []string{"W: Failed to parse timeout failure mode, ignoring: bogus"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, []string{s.TimeoutStartFailureMode(), s.TimeoutStopFailureMode()}, []string{"abort", "kill"})
			},
		},
		{
			name:  "TimeoutSec sets start and stop, 0 means infinity",
			lines: []string{"TimeoutSec=0"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, []uint64{s.TimeoutStartUSec, s.TimeoutStopUSec}, []uint64{Infinity, Infinity})
				svcEq(t, s.startTimeoutSet, true)
			},
		},
		{
			name:  "TimeoutStartSec wording of a bad value",
			lines: []string{"TimeoutStartSec=5 parsecs", "TimeoutStartSec=2min"},
			msgs:  []string{"W: Failed to parse TimeoutStartSec= parameter, ignoring: 5 parsecs"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, s.TimeoutStartUSec, uint64(120_000_000))
				svcEq(t, s.TimeoutStopUSec, uint64(defaultTimeoutStopUSec))
			},
		},
		{
			name:  "TimeoutStopSec is config_parse_sec_fix_0",
			lines: []string{"TimeoutStopSec=0", "TimeoutStopSec=x"},
			msgs:  []string{"W: Failed to parse time value, ignoring: x"},
			check: func(t *testing.T, s *Service) { svcEq(t, s.TimeoutStopUSec, Infinity) },
		},
		{
			name:  "TimeoutAbortSec falls back to the stop timeout until set, empty unsets",
			lines: []string{"TimeoutStopSec=5", "TimeoutAbortSec=7", "TimeoutAbortSec=", "TimeoutAbortSec=-1"},
			msgs:  []string{"W: Failed to parse TimeoutAbortSec= setting, ignoring: -1"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, s.TimeoutAbortSet, false)
				svcEq(t, s.TimeoutAbort(), uint64(5_000_000))
			},
		},
		{
			name:  "TimeoutAbortSec=0 is zero, not infinity",
			lines: []string{"TimeoutAbortSec=0"},
			check: func(t *testing.T, s *Service) { svcEq(t, s.TimeoutAbort(), uint64(0)) },
		},
		{
			name:  "plain time spans: empty and negative are errors, not resets",
			lines: []string{"RestartSec=250ms", "RestartSec=", "RestartSec=-1s", "RuntimeMaxSec=infinity", "WatchdogSec=3min", "RuntimeRandomizedExtraSec=1"},
			msgs:  []string{"W: Failed to parse sec value, ignoring: ", "W: Failed to parse sec value, ignoring: -1s"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, []uint64{s.RestartUSec, s.RuntimeMaxUSec, s.WatchdogUSec, s.RuntimeRandomizedExtraUSec}, []uint64{250_000, Infinity, 180_000_000, 1_000_000})
			},
		},
		{
			name:  "booleans",
			lines: []string{"RemainAfterExit=yes", "GuessMainPID=off", "RootDirectoryStartOnly=1", "PermissionsStartOnly=true", "NonBlocking=on", "RemainAfterExit=perhaps"},
			msgs:  []string{"W: Failed to parse boolean value, ignoring: perhaps"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, []bool{s.RemainAfterExit, s.GuessMainPID, s.RootDirectoryStartOnly, s.PermissionsStartOnly, s.NonBlocking}, []bool{true, false, true, true, true})
			},
		},
		{
			name:  "exit status sets accumulate sorted, signals apart; empty resets",
			lines: []string{"SuccessExitStatus=75 TERM 1", "SuccessExitStatus=SIGKILL 1 TEMPFAIL bogus", "RestartPreventExitStatus=255", "RestartPreventExitStatus="},
			msgs:  []string{"W: Failed to parse value, ignoring: bogus"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, s.SuccessExitStatus(), ExitStatusSet{Status: []int{1, 75}, Signals: []int{9, 15}})
				svcEq(t, s.RestartPreventExitStatus().Empty(), true)
			},
		},
		{
			name:  "PIDFile: relative goes below /run, /var/run is rewritten, empty resets",
			lines: []string{"PIDFile=foo.pid", "PIDFile=/var/run//x/./y.pid"},
			msgs:  []string{"W: PIDFile= references a path below legacy directory /var/run/, updating /var/run/x/y.pid → /run/x/y.pid; please update the unit file accordingly."},
			check: func(t *testing.T, s *Service) { svcEq(t, s.PIDFile, "/run/x/y.pid") },
		},
		{
			name:  "PIDFile with specifiers",
			lines: []string{"PIDFile=/run/%N/pid"},
			check: func(t *testing.T, s *Service) { svcEq(t, s.PIDFile, "/run/foo/pid") },
		},
		{
			name:  "PIDFile reset",
			lines: []string{"PIDFile=/run/a.pid", "PIDFile="},
			check: func(t *testing.T, s *Service) { svcEq(t, s.PIDFile, "") },
		},
		{
			name:  "BusName must be a valid well-known name and cannot be reset",
			lines: []string{"BusName=org.example.Foo", "BusName=", "BusName=noDots", "BusName=org.1bad"},
			msgs:  []string{"W: Invalid bus name, ignoring: ", "W: Invalid bus name, ignoring: noDots", "W: Invalid bus name, ignoring: org.1bad"},
			check: func(t *testing.T, s *Service) { svcEq(t, s.BusName, "org.example.Foo") },
		},
		{
			name:  "FileDescriptorStoreMax is safe_atou",
			lines: []string{"FileDescriptorStoreMax=0x10", "FileDescriptorStoreMax=-1", "FileDescriptorStoreMax="},
			msgs:  []string{"W: Failed to parse unsigned value, ignoring: -1", "W: Failed to parse unsigned value, ignoring: "},
			check: func(t *testing.T, s *Service) { svcEq(t, s.FileDescriptorStoreMax, uint32(16)) },
		},
		{
			name:  "USB function paths must be absolute; empty resets",
			lines: []string{"USBFunctionDescriptors=/a//b", "USBFunctionStrings=rel", "USBFunctionDescriptors="},
			msgs:  []string{"W: USBFunctionStrings= path is not absolute, ignoring: rel"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, []string{s.USBFunctionDescriptors(), s.USBFunctionStrings()}, []string{"", ""})
			},
		},
		{
			name:  "legacy settings are recognised and ignored",
			lines: []string{"SysVStartPriority=5", "BusPolicy=x"},
			msgs: []string{"W: Support for option SysVStartPriority= has been removed and it is ignored",
				"W: Support for option BusPolicy= has been removed and it is ignored"},
		},
		{
			name:  "Exec lines append, empty resets, ';' separates commands",
			lines: []string{"ExecStart=/bin/a", "ExecStart=", "ExecStart=-/bin/b x ; @/bin/c c0", "ExecStopPost=true"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, s.ExecStart, []unit.ExecCommand{
					{Path: "/bin/b", Argv: []string{"/bin/b", "x"}, IgnoreFailure: true},
					{Path: "/bin/c", Argv: []string{"c0"}, Argv0Override: true},
				})
				svcEq(t, s.ExecStopPost, []unit.ExecCommand{{Path: "true", Argv: []string{"true"}}})
			},
		},
		{
			name:  "Exec specifiers are expanded after splitting",
			lines: []string{"ExecReload=/bin/echo %n %%"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, s.ExecReload, []unit.ExecCommand{{Path: "/bin/echo", Argv: []string{"/bin/echo", "foo.service", "%"}}})
			},
		},
		{
			name:  "a bad command with '-' is a warning and keeps earlier commands of the line",
			lines: []string{"ExecStop=/bin/a ; -bin/b"},
			msgs:  []string{"W: Neither a valid executable name nor an absolute path, ignoring: bin/b"},
			check: func(t *testing.T, s *Service) {
				svcEq(t, s.ExecStop, []unit.ExecCommand{{Path: "/bin/a", Argv: []string{"/bin/a"}}})
			},
		},
		{
			name:  "unknown escapes are a warning",
			lines: []string{`ExecStartPre=/bin/echo \q`},
			msgs:  []string{`W: Ignoring unknown escape sequences: "\q"`},
		},
		{
			name:  "Sockets= wants, orders after and is triggered by each socket",
			lines: []string{"Sockets=a.socket %N-b.socket", "Sockets=", "Sockets=c.service @.socket"},
			msgs: []string{"W: Unit must be of type socket, ignoring: c.service",
				"W: Failed to add dependency on @.socket, ignoring: Invalid argument",
				"W: Failed to add dependency on @.socket, ignoring: Invalid argument"},
			check: func(t *testing.T, s *Service) { svcEq(t, s.Sockets, []string{"a.socket", "foo-b.socket"}) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := svcApply(t, tc.lines...)
			if got := svcMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if u.LoadState != StateLoaded {
				t.Errorf("LoadState %s, want loaded", u.LoadState)
			}
			if tc.check != nil {
				tc.check(t, u.Service)
			}
		})
	}
}

func TestServiceSocketsDeps(t *testing.T) {
	u := svcApply(t, "Sockets=a.socket b.socket")
	for _, d := range []Dep{Wants, After, TriggeredBy} {
		svcEq(t, u.fwdNames(d), []string{"a.socket", "b.socket"})
	}
}

// TestServiceExecFatal: a bad command line without "-" makes systemd
// refuse the unit (bad-setting).
func TestServiceExecFatal(t *testing.T) {
	for _, tc := range []struct{ name, line, msg string }{
		{"relative path with a slash", "ExecStart=bin/true", "Neither a valid executable name nor an absolute path: bin/true"},
		{"conflicting prefixes", "ExecStart=+!/bin/true", "Neither a valid executable name nor an absolute path: !/bin/true"},
		{"unbalanced quote in an argument", `ExecStart=/bin/echo "x`, `Unbalanced quoting, ignoring: "/bin/echo "x"`},
		{"unknown specifier", "ExecStart=/bin/true %z", "Failed to resolve unit specifiers in %z: Invalid slot"},
		{"directory", "ExecStart=/bin/", "Executable path specifies a directory: /bin/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := svcApply(t, tc.line)
			if m := svcMsgs(u); len(m) == 0 || m[0] != "E: "+tc.msg {
				t.Errorf("messages %q, want first %q", m, "E: "+tc.msg)
			}
			svcEq(t, u.LoadState, StateBadSetting)
		})
	}
}

// TestServicePIDFileInvalid: config_parse_pid_file returns the path
// check's EINVAL, which stops systemd's parse: LoadState error.
func TestServicePIDFileInvalid(t *testing.T) {
	u := svcApply(t, "PIDFile=../x.pid")
	svcEq(t, svcMsgs(u), []string{"E: PIDFile= path is not normalized, ignoring: /run/../x.pid"})
	svcEq(t, u.LoadState, StateError)
	svcEq(t, u.LoadError.Error(), "Invalid argument")
	svcEq(t, u.Service.PIDFile, "")
}

// svcLoad writes files (name → content) below root's /etc/systemd/system
// and loads name.
func svcLoad(t *testing.T, files map[string]string, name string) (*Set, *Unit) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := NewSet(SystemPaths(root), &unit.Host{Root: root, Hostname: "host"})
	u, err := s.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s, u
}

// TestServiceVerify follows systemd's service_verify(): which
// combinations are refused, with its messages.
func TestServiceVerify(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		refused    string // "" when the unit loads
	}{
		{"simple with ExecStart", "ExecStart=/bin/true", ""},
		{"nothing to run", "Type=simple", "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing."},
		{"only ExecStop on simple", "Type=simple\nExecStop=/bin/true", "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."},
		{"oneshot with only ExecStop", "Type=oneshot\nExecStop=/bin/true", "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing."},
		{"oneshot with only ExecStop and RemainAfterExit", "Type=oneshot\nExecStop=/bin/true\nRemainAfterExit=yes", ""},
		{"two ExecStart on simple", "ExecStart=/bin/a\nExecStart=/bin/b", "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."},
		{"two ExecStart on oneshot", "Type=oneshot\nExecStart=/bin/a\nExecStart=/bin/b", ""},
		{"oneshot Restart=always", "Type=oneshot\nRestart=always\nExecStart=/bin/true", "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing."},
		{"oneshot Restart=on-failure", "Type=oneshot\nRestart=on-failure\nExecStart=/bin/true", ""},
		{"oneshot RestartForceExitStatus", "Type=oneshot\nRestartForceExitStatus=1\nExecStart=/bin/true", "Service has RestartForceExitStatus= set, which isn't allowed for Type=oneshot services. Refusing."},
		{"oneshot ExitType=cgroup", "Type=oneshot\nExitType=cgroup\nExecStart=/bin/true", "Service has ExitType=cgroup set, which isn't allowed for Type=oneshot services. Refusing."},
		{"PAM with KillMode=process", "PAMName=login\nKillMode=process\nExecStart=/bin/true", "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing."},
		{"PAM with KillMode=mixed", "PAMName=login\nKillMode=mixed\nExecStart=/bin/true", ""},
		{"dbus without BusName", "Type=dbus\nExecStart=/bin/true", "Service is of type D-Bus but no D-Bus service name has been specified. Refusing."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, u := svcLoad(t, map[string]string{"foo.service": "[Service]\n" + tc.body + "\n"}, "foo.service")
			if tc.refused == "" {
				svcEq(t, u.LoadState, StateLoaded)
				return
			}
			svcEq(t, u.LoadState, StateBadSetting)
			if u.LoadError == nil || u.LoadError.Error() != tc.refused {
				t.Errorf("LoadError %v, want %q", u.LoadError, tc.refused)
			}
		})
	}
}

func TestServiceVerifySuccessAction(t *testing.T) {
	// SuccessAction= stands in for a command (systemd runs it at once).
	_, u := svcLoad(t, map[string]string{"foo.service": "[Unit]\nSuccessAction=reboot\n[Service]\nType=oneshot\n"}, "foo.service")
	svcEq(t, u.LoadState, StateLoaded)
}

func TestServiceVerifyWarnings(t *testing.T) {
	_, u := svcLoad(t, map[string]string{"foo.service": "[Service]\nType=oneshot\nExecStart=/bin/true\nRuntimeMaxSec=5\nUSBFunctionStrings=/s\n"}, "foo.service")
	svcEq(t, u.LoadState, StateLoaded)
	svcEq(t, svcMsgs(u), []string{
		"W: Service has USBFunctionStrings= setting, but no USBFunctionDescriptors=. Ignoring.",
		"W: RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring.",
	})
}

// TestServiceDerived checks what systemd's service_add_extras() derives.
func TestServiceDerived(t *testing.T) {
	for _, tc := range []struct {
		name, body               string
		typ, notify, oom         string
		startTimeout, stopTimout uint64
	}{
		{"ExecStart makes simple", "ExecStart=/bin/true", "simple", "none", "stop", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
		{"BusName makes dbus", "BusName=org.example.X\nExecStart=/bin/true", "dbus", "none", "stop", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
		{"no ExecStart makes oneshot, without start timeout", "ExecStop=/bin/true\nRemainAfterExit=yes", "oneshot", "none", "stop", Infinity, defaultTimeoutStopUSec},
		{"oneshot keeps an explicit start timeout", "Type=oneshot\nTimeoutStartSec=5\nExecStart=/bin/true", "oneshot", "none", "stop", 5_000_000, defaultTimeoutStopUSec},
		{"notify gets NotifyAccess=main", "Type=notify\nExecStart=/bin/true", "notify", "main", "stop", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
		{"explicit none is upgraded too", "NotifyAccess=none\nWatchdogSec=1\nExecStart=/bin/true", "simple", "main", "stop", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
		{"an fd store needs notifications", "FileDescriptorStoreMax=1\nNotifyAccess=all\nExecStart=/bin/true", "simple", "all", "stop", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
		{"a delegated cgroup handles OOM itself", "Delegate=yes\nExecStart=/bin/true", "simple", "none", "continue", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
		{"explicit OOMPolicy stays", "OOMPolicy=kill\nExecStart=/bin/true", "simple", "none", "kill", defaultTimeoutStartUSec, defaultTimeoutStopUSec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, u := svcLoad(t, map[string]string{"foo.service": "[Service]\n" + tc.body + "\n"}, "foo.service")
			s := u.Service
			svcEq(t, []string{s.Type, s.NotifyAccess, s.OOMPolicy}, []string{tc.typ, tc.notify, tc.oom})
			svcEq(t, []uint64{s.TimeoutStartUSec, s.TimeoutStopUSec}, []uint64{tc.startTimeout, tc.stopTimout})
		})
	}
}

// TestServiceParseFailureLeavesTypeUnset: when the file does not parse,
// systemd never derives Type= and OOMPolicy= and adds no default
// dependencies.
func TestServiceParseFailureLeavesTypeUnset(t *testing.T) {
	_, u := svcLoad(t, map[string]string{"foo.service": "[Service]\nExecStart=bin/true\n"}, "foo.service")
	svcEq(t, u.LoadState, StateBadSetting)
	svcEq(t, []string{u.Service.Type, u.Service.OOMPolicy}, []string{"", ""})
	svcEq(t, len(u.Deps.Of(Requires)), 0)
}

func TestServiceDependencies(t *testing.T) {
	files := map[string]string{
		"foo.service":  "[Service]\nType=dbus\nBusName=org.example.Foo\nExecStart=/bin/true\n",
		"bar.service":  "[Unit]\nDefaultDependencies=no\n[Service]\nBusName=org.example.Bar\nType=simple\nExecStart=/bin/true\n",
		"none.service": "[Service]\nType=simple\n",
	}
	s, u := svcLoad(t, files, "foo.service")
	svcEq(t, u.Deps.Of(Requires), []string{"dbus.socket", "sysinit.target"})
	svcEq(t, u.Deps.Of(After), []string{"basic.target", "dbus.socket", "sysinit.target"})
	svcEq(t, u.Deps.Of(Conflicts), []string{"shutdown.target"})
	svcEq(t, u.Deps.Of(Before), []string{"shutdown.target"})

	// No default dependencies, and dbus.socket only for Type=dbus.
	bar, _ := s.Load("bar.service")
	for _, d := range []Dep{Requires, After, Conflicts, Before} {
		svcEq(t, len(bar.Deps.Of(d)), 0)
	}

	// A refused service keeps the dependencies systemd added before refusing it.
	none, _ := s.Load("none.service")
	svcEq(t, none.LoadState, StateBadSetting)
	svcEq(t, none.Deps.Of(Requires), []string{"sysinit.target"})
}

func TestServiceBusNameTaken(t *testing.T) {
	files := map[string]string{
		"a.service": "[Service]\nBusName=org.example.Same\nExecStart=/bin/true\n",
		"b.service": "[Service]\nBusName=org.example.Same\nExecStart=/bin/true\n",
	}
	s, a := svcLoad(t, files, "a.service")
	b, _ := s.Load("b.service")
	svcEq(t, a.LoadState, StateLoaded)
	svcEq(t, b.LoadState, StateError)
	svcEq(t, b.LoadError.Error(), "File exists")
}

// TestServiceBusNameTakenLoadAll: LoadAll builds services with BusName=
// ahead like the others, and the claim is still made in load order: the
// service loaded first owns the name and is verified (a warning here), the
// other fails to load before it is verified (no warning).
func TestServiceBusNameTakenLoadAll(t *testing.T) {
	const same = "[Service]\nBusName=org.example.Same\nType=oneshot\nRuntimeMaxSec=5\nExecStart=/bin/true\n"
	files := map[string]string{
		etc + "a.service":     same,
		etc + "b.service":     same,
		etc + "other.service": "[Service]\nBusName=org.example.Other\nExecStart=/bin/true\n",
	}
	for i := range 40 { // enough for buildAhead to build on all CPUs
		files[etc+"f"+strconv.Itoa(i)+".service"] = svc
	}
	s, _ := loadIn(t, tree(t, files), "a.service")
	a, b := s.Get("a.service"), s.Get("b.service")
	first, second := a, b
	if slices.Index(s.Units(), b) < slices.Index(s.Units(), a) {
		first, second = b, a
	}
	warning := "RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring."
	svcEq(t, first.LoadState, StateLoaded)
	svcEq(t, first.LoadError, nil)
	svcEq(t, svcMsgs(first), []string{"W: " + warning})
	svcEq(t, second.LoadState, StateError)
	svcEq(t, second.LoadError.Error(), "File exists")
	svcEq(t, svcMsgs(second), []string{"E: Two services allocated for the same bus name org.example.Same, refusing operation."})
	other := s.Get("other.service")
	svcEq(t, other.LoadState, StateLoaded)
	svcEq(t, other.Service.Type, "dbus")
	svcEq(t, other.Deps.Of(Requires), []string{"dbus.socket", "sysinit.target"})
}

func svcEq[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}
