package spawn

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/gosd/gosd/loader"
	"golang.org/x/sys/unix"
)

func TestParseEnvironmentFile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"comments and blanks", "# c\n; c\n\n  \nA=1\n", []string{"A=1"}},
		{"blanks around", "  B  =  two words  \n", []string{"B=two words"}},
		{"double quotes", `C="a \"q\" \\ \$ \n \t"` + "\n", []string{`C=a "q" \ $ \n \t`}},
		{"single quotes", `D='x $A \n'` + "\n", []string{`D=x $A \n`}},
		{"unquoted backslash", `E=a\ b\\c\d` + "\n", []string{`E=a b\cd`}},
		{"continuation", "F=one\\\ntwo\n", []string{"F=onetwo"}},
		{"continuation in quotes", "G=\"one\\\ntwo\"\n", []string{"G=onetwo"}},
		{"quote then text", `H="a b"c'd e'` + "\n", []string{"H=a bcd e"}},
		{"blanks after quotes dropped", `I="x"   ` + "\n", []string{"I=x"}},
		{"escaped trailing blank kept", "J=x\\ \n", []string{"J=x "}},
		{"no expansion", "K=$A-${A}\n", []string{"K=$A-${A}"}},
		{"invalid names", "1A=x\nO.P=y\nexport Q=z\nNOEQ\n=v\n", nil},
		{"empty", "EMPTY=\n", []string{"EMPTY="}},
		{"last wins, first position", "A=1\nB=2\nA=3\n", []string{"A=3", "B=2"}},
		{"carriage return ends a line", "A=1\rB=2", []string{"A=1", "B=2"}},
		{"no newline at end", "A=1", []string{"A=1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseEnvironmentFile([]byte(tc.in))
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEnvironmentFileRecorded: what systemd 252 made of
// testdata/systemd/obs1.env (the file-only variables of env-order.out).
func TestEnvironmentFileRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/systemd/obs1.env")
	if err != nil {
		t.Fatal(err)
	}
	got := ParseEnvironmentFile(b)
	want := []string{"A=file1", "D=fromfile1", "F=quoted value", "G=single $A", "H=withcontinuation",
		"J=spaced", "K=$A-ref", `L=esc "q" \ \n \t $A`, `M=unquoted space\x`, "N=trailing",
		"INVOCATION_ID=fromfile", "SYSTEMD_EXEC_PID=fromfile", "MANAGERPID=fromfile", "EMPTY="}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestManagerEnvironment(t *testing.T) {
	root := t.TempDir()
	if got, want := ManagerEnvironment(root), []string{"LANG=C.UTF-8", "PATH=" + DefaultPath}; !reflect.DeepEqual(got, want) {
		t.Errorf("without locale.conf: %q, want %q", got, want)
	}
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	// Order as systemd exports them, not as the file lists them.
	os.WriteFile(filepath.Join(root, "etc/locale.conf"), []byte("LC_TIME=C.UTF-8\nLANG=de_DE.UTF-8\n"), 0o644)
	if got, want := ManagerEnvironment(root), []string{"LANG=de_DE.UTF-8", "LC_TIME=C.UTF-8", "PATH=" + DefaultPath}; !reflect.DeepEqual(got, want) {
		t.Errorf("with locale.conf: %q, want %q", got, want)
	}
	os.WriteFile(filepath.Join(root, "etc/locale.conf"), []byte("LC_TIME=C.UTF-8\n"), 0o644)
	if got, want := ManagerEnvironment(root), []string{"LANG=C.UTF-8", "LC_TIME=C.UTF-8", "PATH=" + DefaultPath}; !reflect.DeepEqual(got, want) {
		t.Errorf("locale.conf without LANG: %q, want %q", got, want)
	}
}

// recorded is one recording of testdata/systemd: the unit ran under
// systemd 252, and what it wrote.
type recorded struct {
	name   string
	kind   string   // the command list that ran, ExecStart by default
	locale bool     // /etc/locale.conf was LANG=de_DE.UTF-8 LC_TIME=C.UTF-8
	env    []string // what systemd's service manager set for the process
	listen int      // socket-activation descriptors
	setenv map[string]string
}

var recordings = []recorded{
	{name: "env-plain", locale: true},
	{name: "env-order", setenv: map[string]string{"TERM": "dumb", "container": "other", "NOTSET": ""}},
	{name: "env-prec"},
	{name: "env-obsuser"},
	{name: "env-nobody"},
	{name: "env-root"},
	{name: "home"},
	{name: "roothome"},
	{name: "dashwd"},
	{name: "argv"},
	{name: "argv2"},
	{name: "pass", setenv: map[string]string{"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb", "LANG": ""}},
	{name: "searchpath", locale: true},
	{name: "dirs-root"},
	{name: "dirs2"},
	{name: "sock2", locale: true, listen: 1, env: []string{"NOTIFY_SOCKET=/run/systemd/notify", "LISTEN_FDS=1", "LISTEN_FDNAMES=obs-sock2.socket", "WATCHDOG_USEC=100000000"}},
	{name: "stoppost2", kind: "ExecStopPost", locale: true, env: []string{"SERVICE_RESULT=success", "EXIT_CODE=killed", "EXIT_STATUS=TERM"}},
	{name: "mon2", locale: true, env: []string{"MONITOR_SERVICE_RESULT=exit-code", "MONITOR_EXIT_CODE=exited",
		"MONITOR_EXIT_STATUS=1", "MONITOR_INVOCATION_ID=f2bf93b9bfd54a2baef02f530511c15f", "MONITOR_UNIT=obs-fail2.service"}},
	{name: "u-messagebus"}, {name: "u-redis"}, {name: "u-memcache"}, {name: "u-sync"}, {name: "u-systemd-network"},
	{name: "u-obsslash"}, {name: "u-obsempty"}, {name: "u-obsfalse"},
	{name: "u-obstrue", locale: true}, {name: "u-obssbin", locale: true}, {name: "u-obsubin", locale: true}, {name: "u-65534", locale: true},
}

var (
	invocationRE = regexp.MustCompile(`(?m)^INVOCATION_ID=[0-9a-f]{32}$`)
	pidVarRE     = regexp.MustCompile(`(?m)^(SYSTEMD_EXEC_PID|LISTEN_PID|WATCHDOG_PID)=[0-9]+$`)
	execPidRE    = regexp.MustCompile(`(?m)^SYSTEMD_EXEC_PID=[0-9]+\n`)
)

func normalizeEnv(s string) string {
	s = invocationRE.ReplaceAllString(s, "INVOCATION_ID=ID")
	return pidVarRE.ReplaceAllString(s, "$1=PID")
}

// TestRecordedRuns runs the recorded units with gosd, on the plain path
// and through the helper, and compares what they wrote with what they
// wrote under systemd. On the plain path gosd sets no SYSTEMD_EXEC_PID
// (it cannot know the pid before the fork); otherwise the output must be
// byte for byte systemd's, with invocation IDs and pids masked.
func TestRecordedRuns(t *testing.T) {
	needRoot(t)
	for _, rec := range recordings {
		for _, helper := range []bool{false, true} {
			mode := "plain"
			if helper {
				mode = "helper"
			}
			t.Run(rec.name+"/"+mode, func(t *testing.T) {
				for k, v := range rec.setenv {
					old, had := os.LookupEnv(k)
					if v == "" {
						os.Unsetenv(k)
					} else {
						os.Setenv(k, v)
					}
					t.Cleanup(func() {
						if had {
							os.Setenv(k, old)
						} else {
							os.Unsetenv(k)
						}
					})
				}
				body, err := os.ReadFile("testdata/systemd/" + rec.name + ".service")
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile("testdata/systemd/" + rec.name + ".out")
				if err != nil {
					t.Fatal(err)
				}
				u := loadUnit(t, "obs-"+rec.name+".service", string(body))
				m := testManager(t)
				if rec.locale {
					lroot := t.TempDir()
					os.MkdirAll(filepath.Join(lroot, "etc"), 0o755)
					os.WriteFile(filepath.Join(lroot, "etc/locale.conf"), []byte("LANG=de_DE.UTF-8\nLC_TIME=C.UTF-8\n"), 0o644)
					m.Environ = ManagerEnvironment(lroot)
				}
				out := outputPath(u)
				os.Remove(out)
				cmds := u.Service.ExecStart
				if rec.kind == "ExecStopPost" {
					cmds = u.Service.ExecStopPost
				}
				env := append([]string{"INVOCATION_ID=0123456789abcdef0123456789abcdef"}, rec.env...)
				var listen []*os.File
				for i := 0; i < rec.listen; i++ {
					r, w, _ := os.Pipe()
					defer r.Close()
					defer w.Close()
					listen = append(listen, r)
				}
				for _, cmd := range cmds {
					r := &Request{Unit: u, Kind: "ExecStart", Cmd: cmd, Env: env, ListenFDs: listen, Root: fixRoot, Manager: m, ForceHelper: helper}
					if !helper && NeedsHelper(r) {
						t.Skipf("needs the helper (%s)", helperReason(r, m, u.Exec))
					}
					pid, err := Start(r)
					if err != nil {
						t.Fatal(err)
					}
					if st := wait(t, pid); st != 0 {
						t.Fatalf("exit status %d", st)
					}
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				w := string(want)
				if !helper {
					w = execPidRE.ReplaceAllString(w, "")
				}
				if g, w := normalizeEnv(string(got)), normalizeEnv(w); g != w {
					t.Errorf("got:\n%s\nsystemd:\n%s", g, w)
				}
			})
		}
	}
}

// outputPath is the host path of the unit's StandardOutput=file: (or
// append:), in the fixture.
func outputPath(u *loader.Unit) string { return filepath.Join(fixRoot, u.Exec.StandardOutputFile) }

// TestSetOOMScoreAdjust: a refusal for want of privilege is ignored, as
// systemd ignores it; other errors fail the spawn.
func TestSetOOMScoreAdjust(t *testing.T) {
	for _, c := range []struct {
		err  error
		fail bool
	}{
		{nil, false},
		{&os.PathError{Op: "open", Path: "/proc/self/oom_score_adj", Err: unix.EACCES}, false},
		{&os.PathError{Op: "write", Path: "/proc/self/oom_score_adj", Err: unix.EPERM}, false},
		{&os.PathError{Op: "write", Path: "/proc/self/oom_score_adj", Err: unix.EINVAL}, true},
	} {
		var wrote string
		err := setOOMScoreAdjust(-900, func(path string, b []byte, _ os.FileMode) error {
			wrote = path + "=" + string(b)
			return c.err
		})
		if wrote != "/proc/self/oom_score_adj=-900" {
			t.Errorf("wrote %q", wrote)
		}
		if (err != nil) != c.fail {
			t.Errorf("write error %v: got %v, want failure %v", c.err, err, c.fail)
		}
	}
}
