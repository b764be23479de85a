package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// exLoad writes a unit file named name with the given section lines
// (after "[Unit]\nDefaultDependencies=no") into a fresh root and loads it
// as `systemctl show` would.
func exLoad(t *testing.T, name, section string, lines ...string) *Unit {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := "[Unit]\nDefaultDependencies=no\n[" + section + "]\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	set := testSet(root)
	u, err := set.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// exMsgs returns the unit's diagnostics about the section's directives
// as "W: msg" (warning) or "E: msg" (fatal).
func exMsgs(u *Unit) []string {
	var out []string
	for _, d := range u.Diags {
		if d.Directive == "" {
			continue
		}
		p := "E: "
		if d.Warning {
			p = "W: "
		}
		out = append(out, p+d.Msg)
	}
	return out
}

func exEq(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// A service needs ExecStart= to load; exSvc adds one.
func exSvc(t *testing.T, lines ...string) *Unit {
	t.Helper()
	return exLoad(t, "foo.service", "Service", append([]string{"ExecStart=/bin/true"}, lines...)...)
}

func TestExecDirectives(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		msgs  []string // what systemd logs for the lines
		check func(t *testing.T, u *Unit, c *ExecContext)
	}{
		{
			// exec_context_init(), unit_init() and service_init() of
			// systemd 252, then service_fix_stdio() and the manager's
			// DefaultStandardOutput=journal.
			name: "service defaults",
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []any{c.UMask, c.StandardInput, c.StandardOutput, c.StandardError, c.KeyringMode, c.SameProcessGroup},
					[]any{uint32(0o022), "null", "journal", "inherit", "private", false})
				exEq(t, []any{c.IgnoreSIGPIPE, c.SyslogLevelPrefix, c.SyslogPriority, c.LogLevelMax, c.TimerSlackNSec, c.NUMAPolicy},
					[]any{true, true, 30, -1, Infinity, -1})
				exEq(t, []any{c.CapabilityBoundingSet, c.RestrictNamespaces, c.SystemCallErrorNumber, c.TimeoutCleanUSec},
					[]any{^uint64(0), NamespacesInitial, SeccompKill, Infinity})
				exEq(t, []any{c.ProtectSystem, c.ProtectHome, c.ProtectProc, c.ProcSubset, c.UtmpMode, c.RuntimeDirectoryPreserve},
					[]any{"no", "no", "default", "all", "init", "no"})
				if c.Limits[RlimitNOFILE] == nil || c.Limits[RlimitNOFILE].Soft > 1024 || c.Limits[RlimitMEMLOCK] == nil || c.Limits[RlimitCPU] != nil {
					t.Errorf("manager default limits not patched in: %v", c.Limits)
				}
			},
		},
		{
			name:  "Environment: quoting, escapes, specifiers, replacement in place, empty resets",
			lines: []string{`Environment=A=1 "B=two words" C=%n`, `Environment=X=1`, `Environment=`, `Environment=A=1 B=2 'C=\x41' A=3`},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, c.Environment, []string{"A=3", "B=2", "C=A"}) },
		},
		{
			// config_parse_environ() warns per word and keeps the rest.
			name:  "Environment: invalid assignments and specifiers",
			lines: []string{`Environment=OK=1 NOEQUALS 1X=2 U=%z`},
			msgs: []string{"W: Invalid environment assignment, ignoring: NOEQUALS", "W: Invalid environment assignment, ignoring: 1X=2",
				"W: Failed to resolve specifiers in U=%z, ignoring: Invalid slot"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, c.Environment, []string{"OK=1"}) },
		},
		{
			name:  "EnvironmentFile: '-' prefix, absolute paths only, empty resets",
			lines: []string{"EnvironmentFile=/etc/a", "EnvironmentFile=", "EnvironmentFile=-/etc//default/ssh", "EnvironmentFile=rel"},
			msgs:  []string{"W: EnvironmentFile= path is not absolute, ignoring: rel"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.EnvironmentFiles, []string{"-/etc/default/ssh"})
			},
		},
		{
			name:  "PassEnvironment and UnsetEnvironment: names once each",
			lines: []string{"PassEnvironment=A B A 9X", "UnsetEnvironment=LANG LC_ALL=C LANG"},
			msgs:  []string{"W: Invalid environment name for PassEnvironment, ignoring: 9X"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.PassEnvironment, []string{"A", "B"})
				exEq(t, c.UnsetEnvironment, []string{"LANG", "LC_ALL=C"})
			},
		},
		{
			name:  "User and Group: names, numbers, nobody warning, empty resets",
			lines: []string{"User=nobody", "User=", "User=0", "Group=%u"},
			msgs:  []string{"W: Special user nobody configured, this is not safe!"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, []string{c.User, c.Group}, []string{"0", "root"}) },
		},
		{
			// config_parse_user_group_compat(): an invalid name is fatal.
			name:  "User: invalid names make the unit bad-setting",
			lines: []string{"User=a:b"},
			msgs:  []string{"E: Invalid user/group name or numeric ID: a:b"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, u.LoadState, StateBadSetting) },
		},
		{
			name:  "SupplementaryGroups accumulate; empty resets",
			lines: []string{"SupplementaryGroups=a b", "SupplementaryGroups=", "SupplementaryGroups=c d"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, c.SupplementaryGroups, []string{"c", "d"}) },
		},
		{
			name:  "WorkingDirectory: '-' and '~'",
			lines: []string{"WorkingDirectory=-~"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []any{c.WorkingDirectory, c.WorkingDirectoryHome, c.WorkingDirectoryMissingOK}, []any{"", true, true})
			},
		},
		{
			// A relative path is fatal unless '-' is given.
			name:  "WorkingDirectory: relative path",
			lines: []string{"WorkingDirectory=-rel", "WorkingDirectory=/srv/./x/"},
			msgs:  []string{"W: WorkingDirectory= path is not absolute, ignoring: rel"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []any{c.WorkingDirectory, c.WorkingDirectoryMissingOK, u.LoadState}, []any{"/srv/x", false, StateLoaded})
				exEq(t, u.Unit.RequiresMountsFor, []string{"/srv/x"})
			},
		},
		{
			name:  "WorkingDirectory: relative path without '-' is fatal",
			lines: []string{"WorkingDirectory=rel"},
			msgs:  []string{"E: WorkingDirectory= path is not absolute: rel"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, u.LoadState, StateBadSetting) },
		},
		{
			name:  "UMask and directory modes are octal; invalid values are ignored",
			lines: []string{"UMask=0077", "UMask=999", "RuntimeDirectoryMode=2755"},
			msgs:  []string{"W: Failed to parse mode value, ignoring: 999"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []uint32{c.UMask, c.RuntimeDirectoryMode}, []uint32{0o077, 0o2755})
			},
		},
		{
			name:  "Nice and OOMScoreAdjust: ranges, empty unsets",
			lines: []string{"Nice=5", "Nice=20", "Nice=abc", "OOMScoreAdjust=-900", "OOMScoreAdjust=1001"},
			msgs: []string{"W: Nice priority out of range, ignoring: 20", "W: Failed to parse nice priority 'abc', ignoring: Invalid argument",
				"W: OOM score adjust value out of range, ignoring: 1001"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []any{c.Nice, c.NiceSet, c.OOMScoreAdjust, c.OOMScoreAdjustSet}, []any{5, true, -900, true})
			},
		},
		{
			// Limit*=: soft:hard, per-resource units, infinity, no reset.
			name: "Limit*= values",
			lines: []string{"LimitNOFILE=65535", "LimitCORE=1M:infinity", "LimitCPU=90s:2min", "LimitNICE=-5",
				"LimitRTTIME=1s", "LimitAS=4:2", "LimitSTACK=", "LimitNPROC=infinity:10"},
			msgs: []string{"W: Soft resource limit chosen higher than hard limit, ignoring: 4:2",
				"W: Failed to parse resource value, ignoring: ", "W: Soft resource limit chosen higher than hard limit, ignoring: infinity:10"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, *c.Limits[RlimitNOFILE], Rlimit{65535, 65535})
				exEq(t, *c.Limits[RlimitCORE], Rlimit{1 << 20, RlimInfinity})
				exEq(t, *c.Limits[RlimitCPU], Rlimit{90, 120})
				exEq(t, *c.Limits[RlimitNICE], Rlimit{25, 25})
				exEq(t, *c.Limits[RlimitRTTIME], Rlimit{1000000, 1000000})
				exEq(t, []any{c.Limits[RlimitAS], c.Limits[RlimitSTACK], c.Limits[RlimitNPROC]}, []any{(*Rlimit)(nil), (*Rlimit)(nil), (*Rlimit)(nil)})
			},
		},
		{
			name:  "StandardInput/Output/Error forms",
			lines: []string{"StandardInput=fd:in", "StandardOutput=append:/var/log/x", "StandardError=syslog", "StandardOutput=bogus"},
			msgs: []string{"W: Standard output type syslog is obsolete, automatically updating to journal. Please update your unit file, and consider removing the setting altogether.",
				"W: Failed to parse output specifier, ignoring: bogus"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []string{c.StandardInput, c.StandardInputFDName, c.StandardOutput, c.StandardOutputFile, c.StandardError},
					[]string{"fd", "in", "append", "/var/log/x", "journal"})
			},
		},
		{
			// service_fix_stdio(): a terminal input keeps "inherit" output.
			name:  "StandardInput=tty keeps inherited output",
			lines: []string{"StandardInput=tty"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []string{c.StandardOutput, c.StandardError}, []string{"inherit", "inherit"})
			},
		},
		{
			name:  "StandardInputText and StandardInputData append; data implies StandardInput=data",
			lines: []string{`StandardInputText=hello\tx`, "StandardInputData=AQID"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.StandardInputData, []byte("hello\tx\n\x01\x02\x03"))
				exEq(t, c.StandardInput, "data")
			},
		},
		{
			name:  "Syslog facility and level share SyslogPriority",
			lines: []string{"SyslogFacility=local3", "SyslogLevel=debug", "SyslogLevel=loud", "LogLevelMax=warning"},
			msgs:  []string{"W: Failed to parse log level, ignoring: loud"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []int{c.SyslogPriority, c.LogLevelMax}, []int{19<<3 | 7, 4})
			},
		},
		{
			name:  "LogExtraFields checks field names",
			lines: []string{"LogExtraFields=FOO=bar _BAD=x lower=x NOEQ"},
			msgs: []string{"W: Log field name is invalid, ignoring: _BAD=x", "W: Log field name is invalid, ignoring: lower=x",
				"W: Log field lacks '=' character, ignoring: NOEQ"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, c.LogExtraFields, []string{"FOO=bar"}) },
		},
		{
			// config_parse_capability_set(): the first assignment replaces,
			// later ones add, "~" removes; unknown names are skipped.
			name:  "CapabilityBoundingSet and AmbientCapabilities",
			lines: []string{"CapabilityBoundingSet=CAP_CHOWN cap_kill bogus", "CapabilityBoundingSet=~cap_kill", "AmbientCapabilities=cap_net_raw", "AmbientCapabilities=cap_net_admin"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []uint64{c.CapabilityBoundingSet, c.AmbientCapabilities}, []uint64{1 << 0, 1<<13 | 1<<12})
			},
		},
		{
			name:  "CapabilityBoundingSet=~ inverts from all",
			lines: []string{"CapabilityBoundingSet=~cap_sys_admin"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, c.CapabilityBoundingSet, ^uint64(1<<21)) },
		},
		{
			// unit_patch_contexts(): sandboxing settings drop capabilities;
			// DynamicUser= implies a strict sandbox and a user name.
			name:  "sandboxing and DynamicUser patches",
			lines: []string{"ProtectClock=yes", "PrivateDevices=yes", "DynamicUser=yes"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.CapabilityBoundingSet&(1<<25|1<<35|1<<27|1<<17), uint64(0))
				exEq(t, []any{c.User, c.Group, c.PrivateTmp, c.RemoveIPC, c.ProtectSystem, c.ProtectHome, c.NoNewPrivileges, c.RestrictSUIDSGID},
					[]any{"foo", "foo", true, true, "strict", "read-only", true, true})
				exEq(t, u.Unit.RequiresMountsFor, []string{"/var/tmp"})
				exEq(t, u.fwdNames(After), []string{"systemd-tmpfiles-setup.service"})
			},
		},
		{
			name:  "DynamicUser: an invalid boolean is fatal",
			lines: []string{"DynamicUser=maybe"},
			msgs:  []string{"E: Failed to parse boolean value: maybe"},
			check: func(t *testing.T, u *Unit, c *ExecContext) { exEq(t, u.LoadState, StateBadSetting) },
		},
		{
			name:  "ProtectSystem and ProtectHome take booleans",
			lines: []string{"ProtectSystem=true", "ProtectHome=read-only", "ProtectSystem=bogus"},
			msgs:  []string{"W: Failed to parse protect system value, ignoring: bogus"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []string{c.ProtectSystem, c.ProtectHome}, []string{"yes", "read-only"})
			},
		},
		{
			// config_parse_exec_directories() plus the sorting of
			// unit_patch_contexts() and the RequiresMountsFor= and After=
			// that unit_add_exec_dependencies() adds.
			name:  "*Directory= lists, symlinks and dependencies",
			lines: []string{"RuntimeDirectory=b a/x a", "StateDirectory=st:link", "LogsDirectory=/abs private", "ConfigurationDirectory=c:d"},
			msgs: []string{"W: LogsDirectory= path is absolute, ignoring: /abs", "W: LogsDirectory= path can't be 'private', ignoring assignment: private",
				"W: Destination parameter is not supported for ConfigurationDirectory, ignoring: c:d"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.RuntimeDirectory, []string{"a", "a/x", "b"})
				exEq(t, c.StateDirectory, []string{"st"})
				exEq(t, c.DirectorySymlinks, []DirectorySymlink{{"StateDirectory", "st", "link"}})
				exEq(t, u.Unit.RequiresMountsFor, []string{"/run/a", "/run/a/x", "/run/b", "/var/lib/st"})
				exEq(t, u.fwdNames(After), []string{"systemd-remount-fs.service"})
			},
		},
		{
			name:  "ReadWritePaths keep their prefixes; BindPaths forms",
			lines: []string{"ReadWritePaths=-/var/lib/x +/y", "BindPaths=/a /b:/c -/d:/e:norbind", "BindReadOnlyPaths=/r:/s:bogus"},
			msgs:  []string{"W: Invalid option string, ignoring setting: bogus"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.ReadWritePaths, []string{"-/var/lib/x", "+/y"})
				exEq(t, c.BindPaths, []BindMount{{"/a", "/a", false, true}, {"/b", "/c", false, true}, {"/d", "/e", true, false}})
				exEq(t, len(c.BindReadOnlyPaths), 0)
			},
		},
		{
			// An allow list starts with @default; "~" entries then remove.
			name:  "SystemCallFilter allow list",
			lines: []string{"SystemCallFilter=@clock bogus_call", "SystemCallFilter=~settimeofday"},
			msgs:  []string{"W: Failed to parse system call, ignoring: bogus_call"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.SystemCallFilterAllowList, true)
				_, hasExit := c.SystemCallFilter["exit_group"]
				_, hasAdj := c.SystemCallFilter["adjtimex"]
				_, hasSet := c.SystemCallFilter["settimeofday"]
				exEq(t, []bool{hasExit, hasAdj, hasSet}, []bool{true, true, false})
			},
		},
		{
			name:  "SystemCallFilter deny list with errno",
			lines: []string{"SystemCallFilter=~reboot:EPERM swapon @nosuchgroup", "SystemCallErrorNumber=EACCES"},
			msgs:  []string{"W: Unknown system call group, ignoring: @nosuchgroup"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.SystemCallFilter, map[string]int{"reboot": 1, "swapon": -1})
				exEq(t, c.SystemCallErrorNumber, 13)
			},
		},
		{
			name:  "RestrictAddressFamilies and RestrictNamespaces",
			lines: []string{"RestrictAddressFamilies=AF_UNIX af_inet AF_BOGUS", "RestrictAddressFamilies=~AF_UNIX", "RestrictNamespaces=~net user"},
			msgs:  []string{"W: Failed to parse address family, ignoring: AF_BOGUS"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.RestrictAddressFamilies, map[string]bool{"AF_INET": true})
				exEq(t, c.RestrictNamespaces, uint64(NamespacesAll&^(NamespaceNet|NamespaceUser)))
			},
		},
		{
			name:  "Capabilities= is gone",
			lines: []string{"Capabilities=cap_chown+ep"},
			msgs:  []string{"W: Support for option Capabilities= has been removed and it is ignored"},
		},
		{
			name:  "TimerSlackNSec and CPU scheduling",
			lines: []string{"TimerSlackNSec=1us", "CPUSchedulingPolicy=fifo", "CPUSchedulingPriority=100", "CPUAffinity=0-2 5", "CPUAffinity=7"},
			msgs:  []string{"W: CPU scheduling priority is out of range, ignoring: 100"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []any{c.TimerSlackNSec, c.CPUSchedulingPolicy, c.CPUSchedulingPriority, c.CPUAffinity.String()}, []any{uint64(1000), 1, 1, "0-2 5 7"})
			},
		},
		{
			// systemd 252 sets the OOMScoreAdjust flag for CoredumpFilter=.
			name:  "CoredumpFilter quirk",
			lines: []string{"CoredumpFilter=default private-dax"},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, []any{c.CoredumpFilter, c.CoredumpFilterSet, c.OOMScoreAdjustSet}, []any{uint64(0xb3), false, true})
			},
		},
		{
			name:  "SetCredential and LoadCredential replace by id",
			lines: []string{`SetCredential=a:x\ny`, "SetCredential=a:z", "LoadCredential=b", "LoadCredential=c:/etc/c", "LoadCredential=d:../x"},
			msgs:  []string{`W: Credential source "../x" not valid, ignoring.`},
			check: func(t *testing.T, u *Unit, c *ExecContext) {
				exEq(t, c.SetCredentials, []SetCredential{{"a", []byte("z"), false}})
				exEq(t, c.LoadCredentials, []LoadCredential{{"b", "b", false}, {"c", "/etc/c", false}})
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := exSvc(t, tc.lines...)
			if got := exMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u, u.Exec)
			}
		})
	}
}

// The defaults that depend on the unit type, also for units that never
// parsed an exec setting.
func TestExecTypeDefaults(t *testing.T) {
	sock := exLoad(t, "foo.socket", "Socket", "ListenStream=/run/foo.sock")
	exEq(t, []string{sock.ExecSettings().StandardOutput, sock.ExecSettings().KeyringMode}, []string{"journal", "shared"})
	mnt := exLoad(t, "foo.mount", "Mount", "What=/dev/sda1", "Where=/foo")
	exEq(t, []any{mnt.ExecSettings().SameProcessGroup, mnt.ExecSettings().StandardError}, []any{true, "inherit"})
	missing := &Unit{ID: "gone.service", Type: "service", Exec: newExecContext()}
	exEq(t, []string{missing.ExecSettings().KeyringMode, missing.ExecSettings().StandardOutput}, []string{"private", "inherit"})
}

func TestExecHelpers(t *testing.T) {
	// user_from_unit_name(): a hashed name when the prefix is not a
	// valid user name.
	exEq(t, exDynamicUserName("web.service"), "web")
	if n := exDynamicUserName("9web.service"); !strings.HasPrefix(n, "_du") || len(n) != 19 {
		t.Errorf("hashed dynamic user name %q", n)
	}
	// SipHash-2-4 reference vector (key 00..0f, empty message).
	var key [16]byte
	for i := range key {
		key[i] = byte(i)
	}
	exEq(t, exSipHash24(key, nil), uint64(0x726fdb47dd0e0e31))
	exEq(t, []int{ErrnoFromName("eperm"), ErrnoFromName("EWOULDBLOCK"), ErrnoFromName("nope")}, []int{1, 11, 0})
	exEq(t, ErrnoName(13), "EACCES")
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{{"10", 10, true}, {" 0x10", 16, true}, {"010", 8, true}, {"-0", 0, true}, {"-1", 0, false}, {"1x", 0, false}, {"", 0, false}} {
		v, err := exParseUint(tc.in, 64)
		if (err == nil) != tc.ok || v != tc.want {
			t.Errorf("exParseUint(%q) = %d, %v", tc.in, v, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want uint64
	}{{"50000", 50000}, {"1us", 1000}, {"2ms 5ns", 2000005}, {"1s", 1e9}} {
		if v, err := exParseNsec(tc.in); err != nil || v != tc.want {
			t.Errorf("exParseNsec(%q) = %d, %v", tc.in, v, err)
		}
	}
	exEq(t, exPathLess("systemd/seats", "systemd/inhibit"), false)
	exEq(t, exPathLess("a", "a/x"), true)
}
