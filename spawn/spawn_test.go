package spawn

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/track"
)

// TestExecStatus starts the recorded units that systemd 252 failed to
// start and compares the status with the one systemd gave
// (testdata/systemd/status.txt).
func TestExecStatus(t *testing.T) {
	needRoot(t)
	f, err := os.Open("testdata/systemd/status.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		name, result := fields[0], fields[1]
		want, _ := strconv.Atoi(fields[2])
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile("testdata/systemd/status-" + name + ".service")
			if err != nil {
				t.Fatal(err)
			}
			u := loadUnit(t, "obs-st-"+name+".service", string(body))
			m := testManager(t)
			c := newCapture(t)
			for _, helper := range []bool{false, true} {
				// The last command is the one that failed (the first is /bin/true).
				cmds := commands(t, u)
				r := &Request{Unit: u, Kind: "ExecStart", Cmd: cmds[len(cmds)-1], Stdio: Stdio{Capture: c.w}, Root: fixRoot, Manager: m, ForceHelper: helper}
				pid, err := Start(r)
				var ee *ExecError
				switch {
				case err == nil:
					t.Fatalf("helper=%v: started, exit status %d; systemd: %s, status %d", helper, wait(t, pid), result, want)
				case !errors.As(err, &ee):
					t.Fatalf("helper=%v: %v is not an *ExecError", helper, err)
				case ee.Resources != (result == "resources") || ee.Status != want:
					t.Errorf("helper=%v: %v; systemd: %s, status %d", helper, err, result, want)
				case !strings.HasPrefix(err.Error(), "/etc/systemd/system/obs-st-"+name+".service: ExecStart: "):
					t.Errorf("error %q does not name the unit file and directive", err)
				}
			}
		})
	}
}

// TestHelperFailureStatus: when a step fails in the helper, it exits with
// systemd's status and says why on the unit's standard error.
func TestHelperFailureStatus(t *testing.T) {
	needRoot(t)
	// The directory exists (so the manager's check passes) but the user
	// may not enter it: only the child finds out.
	dir := filepath.Join(fixRoot, "locked")
	os.Mkdir(dir, 0o700)
	u := loadUnit(t, "locked.service", "[Service]\nUser=obsuser\nWorkingDirectory=/locked\nExecStart=/bin/true\n")
	m := testManager(t)
	for _, helper := range []bool{false, true} {
		c := newCapture(t)
		r := &Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[0], Stdio: Stdio{Capture: c.w}, Root: fixRoot, Manager: m, ForceHelper: helper}
		pid, err := Start(r)
		status := 0
		var ee *ExecError
		switch {
		case err == nil:
			status = wait(t, pid)
		case errors.As(err, &ee):
			status = ee.Status
		default:
			t.Fatal(err)
		}
		out := c.out(t)
		if status != ExitChdir {
			t.Errorf("helper=%v: status %d, want %d (CHDIR); output %q", helper, status, ExitChdir, out)
		}
		if helper && !strings.Contains(out, "Failed at step CHDIR spawning") {
			t.Errorf("helper's message: %q", out)
		}
	}
}

func TestNeedsHelper(t *testing.T) {
	needRoot(t)
	m := testManager(t)
	lr, lw, _ := os.Pipe()
	defer lr.Close()
	defer lw.Close()
	tests := []struct {
		name   string
		body   string
		cmd    int
		env    []string
		listen []*os.File
		// cgroup gives the process a cgroup; noClone3 makes the manager
		// lack clone3 for this case.
		cgroup, noClone3 bool
		want             string // the reason, "" for the plain path
	}{
		{name: "plain", body: "ExecStart=/bin/true"},
		{name: "user, group, directories, environment", body: "User=obsuser\nGroup=obsextra\nSupplementaryGroups=obsextra2\nRuntimeDirectory=x\nEnvironment=A=1\nWorkingDirectory=/home/obsuser\nExecStart=/bin/true $A"},
		{name: "ambient capabilities", body: "User=obsuser\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=/bin/true"},
		{name: "default umask", body: "UMask=0022\nExecStart=/bin/true"},
		{name: "umask", body: "UMask=0027\nExecStart=/bin/true", want: "UMask"},
		{name: "nice", body: "Nice=5\nExecStart=/bin/true", want: "Nice"},
		{name: "nice as inherited", body: "Nice=0\nExecStart=/bin/true"},
		{name: "oom", body: "OOMScoreAdjust=100\nExecStart=/bin/true", want: "OOMScoreAdjust"},
		{name: "limit", body: "LimitCORE=1234\nExecStart=/bin/true", want: "LimitCORE"},
		{name: "limit as inherited", body: fmt.Sprintf("LimitCORE=%d:%d\nExecStart=/bin/true", m.Limits[loader.RlimitCORE].Soft, m.Limits[loader.RlimitCORE].Hard)},
		{name: "sigpipe", body: "IgnoreSIGPIPE=no\nExecStart=/bin/true", want: "IgnoreSIGPIPE"},
		{name: "no new privileges", body: "NoNewPrivileges=yes\nExecStart=/bin/true", want: "NoNewPrivileges"},
		{name: "no new privileges, +", body: "NoNewPrivileges=yes\nExecStart=+/bin/true"},
		{name: "bounding set", body: "CapabilityBoundingSet=CAP_CHOWN\nExecStart=/bin/true", want: "CapabilityBoundingSet"},
		{name: "private tmp", body: "PrivateTmp=yes\nExecStart=/bin/true", want: "PrivateTmp"},
		{name: "listen fds", body: "ExecStart=/bin/true", listen: []*os.File{lr}, want: "LISTEN_PID"},
		{name: "LISTEN_FDS", body: "ExecStart=/bin/true", env: []string{"LISTEN_FDS=0"}, want: "LISTEN_PID"},
		{name: "watchdog", body: "ExecStart=/bin/true", env: []string{"WATCHDOG_USEC=1000"}, want: "WATCHDOG_PID"},
		{name: "exec pid in argv", body: "ExecStart=/bin/true ${SYSTEMD_EXEC_PID}", want: "SYSTEMD_EXEC_PID"},
		{name: "exec pid, no expansion", body: "ExecStart=:/bin/true ${SYSTEMD_EXEC_PID}"},
		{name: "optional working directory as a user", body: "User=obsuser\nWorkingDirectory=-/nonexistent\nExecStart=/bin/true", want: "WorkingDirectory"},
		{name: "optional working directory as root", body: "WorkingDirectory=-/nonexistent\nExecStart=/bin/true"},
		{name: "cgroup", body: "ExecStart=/bin/true", cgroup: true},
		{name: "no clone3, no cgroup", body: "ExecStart=/bin/true", noClone3: true},
		{name: "cgroup, no clone3", body: "ExecStart=/bin/true", cgroup: true, noClone3: true, want: "cgroup (no clone3)"},
		{name: "cgroup, no clone3, +", body: "ExecStart=+/bin/true", cgroup: true, noClone3: true, want: "cgroup (no clone3)"},
	}
	if !m.PrivateTmp {
		t.Log("no mount namespaces here: PrivateTmp= needs no helper")
		for i := range tests {
			if tests[i].want == "PrivateTmp" {
				tests[i].want = ""
			}
		}
	}
	// Only its presence counts here: any directory stands for the cgroup.
	cgroup, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer cgroup.Close()
	noClone3 := m.NoClone3
	defer func() { m.NoClone3 = noClone3 }()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := loadUnit(t, "n.service", "[Service]\n"+tc.body+"\n")
			r := &Request{Unit: u, Cmd: commands(t, u)[tc.cmd], Env: tc.env, ListenFDs: tc.listen, Root: fixRoot, Manager: m}
			if tc.cgroup {
				r.Cgroup = cgroup
			}
			m.NoClone3 = tc.noClone3
			got := helperReason(r, m, u.Exec)
			if got != tc.want {
				t.Errorf("reason %q, want %q", got, tc.want)
			}
			if NeedsHelper(r) != (tc.want != "") {
				t.Errorf("NeedsHelper = %v", !(tc.want != ""))
			}
		})
	}
}

// startReport starts the fixture's report program for the unit's
// ExecStart= number i and returns what it reported.
func startReport(t *testing.T, m *Manager, r *Request) *report {
	t.Helper()
	c := newCapture(t)
	if r.Stdio.Capture == nil {
		r.Stdio.Capture = c.w
	}
	r.Root, r.Manager = fixRoot, m
	if r.Kind == "" {
		r.Kind = "ExecStart"
	}
	pid, err := Start(r)
	if err != nil {
		t.Fatal(err)
	}
	if st := wait(t, pid); st != 0 {
		t.Fatalf("status %d: %s", st, c.out(t))
	}
	out := c.out(t)
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if rep.Pid != pid {
		t.Errorf("the process is %d, Start said %d", rep.Pid, pid)
	}
	return &rep
}

func hexField(t *testing.T, rep *report, key string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(rep.Status[key], 16, 64)
	if err != nil {
		t.Fatalf("%s: %q", key, rep.Status[key])
	}
	return v
}

// TestProcessSettings checks each setting the process gets, on both
// paths where the plain one can do it. Where systemd's behaviour is
// quoted it was recorded with nsboot (obs-proc, obs-default, obs-caps,
// obs-rootcaps, obs-lim units; see testdata/systemd/README).
func TestProcessSettings(t *testing.T) {
	needRoot(t)
	m := testManager(t)
	allCaps := m.Bounding
	type check func(t *testing.T, rep *report)
	tests := []struct {
		name   string
		body   string
		helper bool // the setting needs the helper
		check  check
	}{
		{"defaults", "ExecStart=/bin/report", false, func(t *testing.T, rep *report) {
			// systemd: umask 0022, session leader, SIGPIPE ignored, nothing
			// blocked, no supplementary groups, cwd /, descriptors 0 1 2.
			if rep.Status["Umask"] != "0022" {
				t.Errorf("umask %s", rep.Status["Umask"])
			}
			if rep.Sid != rep.Pid || rep.Pgid != rep.Pid {
				t.Errorf("pid %d sid %d pgid %d: not a session leader", rep.Pid, rep.Sid, rep.Pgid)
			}
			if rep.Cwd != fixRoot {
				t.Errorf("cwd %s", rep.Cwd)
			}
			if len(rep.FDs) != 3 || rep.FDs[0] != "/dev/null" {
				t.Errorf("descriptors %v, want 0 (/dev/null), 1, 2", rep.FDs)
			}
		}},
		{"umask", "UMask=0027\nExecStart=/bin/report", true, func(t *testing.T, rep *report) {
			if rep.Status["Umask"] != "0027" {
				t.Errorf("umask %s", rep.Status["Umask"])
			}
		}},
		{"nice", "Nice=5\nExecStart=/bin/report", true, func(t *testing.T, rep *report) {
			if rep.Nice != 5 {
				t.Errorf("nice %d", rep.Nice)
			}
		}},
		{"oom", "OOMScoreAdjust=100\nExecStart=/bin/report", true, func(t *testing.T, rep *report) {
			if rep.OOM != "100" {
				t.Errorf("oom_score_adj %s", rep.OOM)
			}
		}},
		{"limits", "LimitNOFILE=4096:8192\nLimitCORE=infinity\nLimitNPROC=100\nExecStart=/bin/report", true, func(t *testing.T, rep *report) {
			// (The Go runtime raises its own soft NOFILE: see TestInheritedState.)
			if got := rep.Limits[loader.RlimitNOFILE]; got[1] != 8192 {
				t.Errorf("NOFILE %v", got)
			}
			if got := rep.Limits[loader.RlimitCORE]; got != [2]uint64{unix.RLIM_INFINITY, unix.RLIM_INFINITY} {
				t.Errorf("CORE %v", got)
			}
			if got := rep.Limits[loader.RlimitNPROC]; got != [2]uint64{100, 100} {
				t.Errorf("NPROC %v", got)
			}
		}},
		{"user and groups", "User=obsuser\nSupplementaryGroups=daemon\nExecStart=/bin/report", false, func(t *testing.T, rep *report) {
			slices.Sort(rep.Groups)
			if rep.UID != 1500 || rep.GID != 1500 || !reflect.DeepEqual(rep.Groups, []int{1, 1500, 1501, 1502}) {
				t.Errorf("uid %d gid %d groups %v", rep.UID, rep.GID, rep.Groups)
			}
			if rep.Status["CapEff"] != "0000000000000000" || rep.Status["CapPrm"] != "0000000000000000" {
				t.Errorf("capabilities left: %v", rep.Status)
			}
		}},
		{"working directory", "WorkingDirectory=/home/obsuser\nExecStart=/bin/report", false, func(t *testing.T, rep *report) {
			if rep.Cwd != filepath.Join(fixRoot, "home/obsuser") {
				t.Errorf("cwd %s", rep.Cwd)
			}
		}},
		{"home", "User=obsuser\nWorkingDirectory=~\nExecStart=/bin/report", false, func(t *testing.T, rep *report) {
			if rep.Cwd != filepath.Join(fixRoot, "home/obsuser") {
				t.Errorf("cwd %s", rep.Cwd)
			}
		}},
		{"argv0", "ExecStart=@/bin/report fakename x\n", false, func(t *testing.T, rep *report) {
			if !reflect.DeepEqual(rep.Args, []string{"fakename", "x"}) {
				t.Errorf("argv %q", rep.Args)
			}
		}},
		// systemd, obs-caps: User=obsuser AmbientCapabilities=CAP_NET_BIND_SERVICE
		// CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN
		// NoNewPrivileges=yes gave CapInh=CapPrm=CapEff=CapAmb=0x400,
		// CapBnd=0x401, NoNewPrivs=1.
		{"capabilities", capsBody, true, func(t *testing.T, rep *report) {
			want := map[string]string{"CapInh": "0000000000000400", "CapPrm": "0000000000000400", "CapEff": "0000000000000400",
				"CapBnd": "0000000000000401", "CapAmb": "0000000000000400", "NoNewPrivs": "1"}
			compareStatus(t, rep, want)
		}},
		// "+": uid 0, all capabilities, no NoNewPrivs, but the user's
		// supplementary groups (1500 1501 1502).
		{"capabilities +", capsBody, false, func(t *testing.T, rep *report) {
			want := map[string]string{"CapInh": "0000000000000000", "CapAmb": "0000000000000000", "NoNewPrivs": "0",
				"CapBnd": fmt.Sprintf("%016x", allCaps), "Groups": "1500 1501 1502"}
			compareStatus(t, rep, want)
			if rep.UID != 0 || rep.GID != 0 {
				t.Errorf("uid %d gid %d", rep.UID, rep.GID)
			}
		}},
		// "!": uid 0, the bounding set applied (CapPrm=CapEff=0x401), ambient
		// 0x400, NoNewPrivs, the user's groups.
		{"capabilities !", capsBody, true, func(t *testing.T, rep *report) {
			want := map[string]string{"CapInh": "0000000000000400", "CapPrm": "0000000000000401", "CapEff": "0000000000000401",
				"CapBnd": "0000000000000401", "CapAmb": "0000000000000400", "NoNewPrivs": "1", "Groups": "1500 1501 1502"}
			compareStatus(t, rep, want)
			if rep.UID != 0 || rep.GID != 0 {
				t.Errorf("uid %d gid %d", rep.UID, rep.GID)
			}
		}},
		// "!!" is "!" on kernels without ambient capabilities; here it is as if absent.
		{"capabilities !!", capsBody, true, func(t *testing.T, rep *report) {
			want := map[string]string{"CapInh": "0000000000000400", "CapPrm": "0000000000000400", "CapEff": "0000000000000400",
				"CapBnd": "0000000000000401", "CapAmb": "0000000000000400", "NoNewPrivs": "1"}
			compareStatus(t, rep, want)
		}},
		// obs-rootcaps: root with CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN.
		{"bounding set as root", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN\nExecStart=/bin/report", true, func(t *testing.T, rep *report) {
			compareStatus(t, rep, map[string]string{"CapInh": "0000000000000000", "CapPrm": "0000000000000401", "CapEff": "0000000000000401",
				"CapBnd": "0000000000000401", "CapAmb": "0000000000000000", "NoNewPrivs": "0"})
		}},
		{"ambient as root", "AmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=/bin/report", false, func(t *testing.T, rep *report) {
			compareStatus(t, rep, map[string]string{"CapInh": "0000000000000400", "CapAmb": "0000000000000400"})
		}},
		{"ambient as a user", "User=obsuser\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=/bin/report", false, func(t *testing.T, rep *report) {
			compareStatus(t, rep, map[string]string{"CapInh": "0000000000000400", "CapPrm": "0000000000000400", "CapEff": "0000000000000400",
				"CapAmb": "0000000000000400", "CapBnd": fmt.Sprintf("%016x", allCaps), "NoNewPrivs": "0"})
		}},
		{"dynamic user", "DynamicUser=yes\nExecStart=/bin/report", true, func(t *testing.T, rep *report) {
			if rep.UID < dynamicUIDMin || rep.UID > dynamicUIDMax || rep.GID != rep.UID || !reflect.DeepEqual(rep.Groups, []int{rep.UID}) {
				t.Errorf("uid %d gid %d groups %v", rep.UID, rep.GID, rep.Groups)
			}
			// systemd (obs-dyn): LOGNAME and USER are the unit's name, no HOME or SHELL.
			for _, kv := range rep.Env {
				if strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "SHELL=") {
					t.Errorf("%s set", kv)
				}
			}
			if !slices.Contains(rep.Env, "USER=n") || !slices.Contains(rep.Env, "LOGNAME=n") {
				t.Errorf("env %q", rep.Env)
			}
		}},
	}
	for _, tc := range tests {
		for _, helper := range []bool{false, true} {
			name := tc.name + "/plain"
			if helper {
				name = tc.name + "/helper"
			}
			t.Run(name, func(t *testing.T) {
				u := loadUnit(t, "n.service", "[Service]\nType=oneshot\n"+tc.body+"\n")
				cmd := commands(t, u)[0]
				switch tc.name {
				case "capabilities +":
					cmd = commands(t, u)[1]
				case "capabilities !":
					cmd = commands(t, u)[2]
				case "capabilities !!":
					cmd = commands(t, u)[3]
				}
				r := &Request{Unit: u, Cmd: cmd, ForceHelper: helper}
				if got := NeedsHelper(&Request{Unit: u, Cmd: cmd, Root: fixRoot, Manager: m}); got != tc.helper {
					t.Errorf("NeedsHelper = %v", got)
				}
				if !helper && tc.helper {
					t.Skip("needs the helper")
				}
				tc.check(t, startReport(t, m, r))
			})
		}
	}
}

// TestInheritedState checks what a Go child cannot see of itself (the
// runtime changes its signal handlers and NOFILE limit at start) with
// cat(1) started by the host's /bin/sh. systemd (obs-default, obs-lim,
// obs-lim2): SigIgn 0000000000001000, SigBlk 0, LimitNOFILE 1024:H and
// LimitMEMLOCK 8M by default; LimitNOFILE=10:30000 with a hard limit of
// 20000 and no CAP_SYS_RESOURCE gave 10:20000.
func TestInheritedState(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	nofile := prepared.Limits[loader.RlimitNOFILE]
	m, err := newManager("/", &nofile)
	if err != nil {
		t.Fatal(err)
	}
	defer m.devNull.Close()
	hard := m.Limits[loader.RlimitNOFILE].Hard
	tests := []struct {
		name, body string
		sigIgn     string
		nofile     string
		helper     bool
	}{
		{"defaults", "", "0000000000001000", "1024 " + strconv.FormatUint(hard, 10), false},
		{"IgnoreSIGPIPE=no", "IgnoreSIGPIPE=no", "0000000000000000", "1024 " + strconv.FormatUint(hard, 10), true},
		{"LimitNOFILE=4096:8192", "LimitNOFILE=4096:8192", "0000000000001000", "4096 8192", true},
		{"above the hard limit", fmt.Sprintf("LimitNOFILE=10:%d", hard+1000), "0000000000001000", "10 " + strconv.FormatUint(hard+1000, 10), true},
	}
	for _, tc := range tests {
		if tc.name == "above the hard limit" && !m.CanRaiseLimits {
			tc.nofile = "10 " + strconv.FormatUint(hard, 10)
		}
		for _, helper := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/helper=%v", tc.name, helper), func(t *testing.T) {
				u := loadUnit(t, "sh.service", "[Service]\n"+tc.body+"\nExecStart=/bin/sh -c 'cat /proc/self/status /proc/self/limits'\n")
				c := newCapture(t)
				r := &Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[0], Stdio: Stdio{Capture: c.w}, Root: "/", Manager: m, ForceHelper: helper}
				if NeedsHelper(r) != tc.helper {
					t.Errorf("NeedsHelper = %v", !tc.helper)
				}
				if !helper && tc.helper {
					t.Skip("needs the helper")
				}
				pid, err := Start(r)
				if err != nil {
					t.Fatal(err)
				}
				wait(t, pid)
				out := c.out(t)
				var sigIgn, sigBlk, nofile, memlock string
				for _, l := range strings.Split(out, "\n") {
					f := strings.Fields(l)
					switch {
					case strings.HasPrefix(l, "SigIgn:"):
						sigIgn = f[1]
					case strings.HasPrefix(l, "SigBlk:"):
						sigBlk = f[1]
					case strings.HasPrefix(l, "Max open files"):
						nofile = f[3] + " " + f[4]
					case strings.HasPrefix(l, "Max locked memory"):
						memlock = f[3] + " " + f[4]
					}
				}
				if sigIgn != tc.sigIgn || sigBlk != "0000000000000000" {
					t.Errorf("SigIgn %s SigBlk %s, want %s and 0", sigIgn, sigBlk, tc.sigIgn)
				}
				if nofile != tc.nofile {
					t.Errorf("NOFILE %s, want %s", nofile, tc.nofile)
				}
				if memlock != "8388608 8388608" && m.Limits[loader.RlimitMEMLOCK].Soft <= 8388608 {
					t.Errorf("MEMLOCK %s, want systemd's 8 MiB", memlock)
				}
			})
		}
	}
}

const capsBody = `User=obsuser
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN
NoNewPrivileges=yes
ExecStart=/bin/report
ExecStart=+/bin/report
ExecStart=!/bin/report
ExecStart=!!/bin/report`

func compareStatus(t *testing.T, rep *report, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if rep.Status[k] != v {
			t.Errorf("%s: %q, want %q", k, rep.Status[k], v)
		}
	}
}

// TestListenFDs: socket-activation descriptors become 3, 4, ... with
// LISTEN_PID the process's pid, and nothing else gets in: not the
// manager's own descriptors (Go opens them close-on-exec), and through
// the helper not even one the manager left inheritable.
func TestListenFDs(t *testing.T) {
	needRoot(t)
	m := testManager(t)
	u := loadUnit(t, "n.service", "[Service]\nExecStart=/bin/report\n")
	a, aw, _ := os.Pipe()
	b, bw, _ := os.Pipe()
	defer func() { a.Close(); aw.Close(); b.Close(); bw.Close() }()
	leak, err := syscall.Dup(int(aw.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(leak)
	rep := startReport(t, m, &Request{Unit: u, Cmd: commands(t, u)[0], ListenFDs: []*os.File{a, b},
		Env: []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=a:b"}})
	if len(rep.FDs) != 5 {
		t.Errorf("descriptors %v, want 0-4", rep.FDs)
	}
	for fd, f := range map[int]*os.File{3: a, 4: b} {
		fi, _ := f.Stat()
		if want := fmt.Sprintf("pipe:[%d]", fi.Sys().(*syscall.Stat_t).Ino); rep.FDs[fd] != want {
			t.Errorf("fd %d is %s, want %s", fd, rep.FDs[fd], want)
		}
	}
	want := []string{"LISTEN_PID=" + strconv.Itoa(rep.Pid), "LISTEN_FDS=2", "LISTEN_FDNAMES=a:b", "SYSTEMD_EXEC_PID=" + strconv.Itoa(rep.Pid)}
	var got []string
	for _, kv := range rep.Env {
		if strings.HasPrefix(kv, "LISTEN_") || strings.HasPrefix(kv, "SYSTEMD_EXEC_PID=") {
			got = append(got, kv)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("env %q, want %q", got, want)
	}
	syscall.CloseOnExec(leak)
	rep = startReport(t, m, &Request{Unit: u, Cmd: commands(t, u)[0]})
	if len(rep.FDs) != 3 {
		t.Errorf("plain path: descriptors %v, want 0-2", rep.FDs)
	}
}

// TestStreams covers StandardInput/Output/Error.
func TestStreams(t *testing.T) {
	needRoot(t)
	m := testManager(t)
	obs := filepath.Join(fixRoot, "var/lib/obs")

	t.Run("data", func(t *testing.T) {
		u := loadUnit(t, "n.service", "[Service]\nStandardInputText=hello\nStandardInputText=world\nExecStart=/bin/report stdin\n")
		rep := startReport(t, m, &Request{Unit: u, Cmd: commands(t, u)[0]})
		if rep.Stdin != "hello\nworld\n" {
			t.Errorf("stdin %q", rep.Stdin)
		}
	})
	t.Run("file input, truncate and append", func(t *testing.T) {
		os.WriteFile(filepath.Join(obs, "in"), []byte("input\n"), 0o644)
		os.WriteFile(filepath.Join(obs, "trunc"), []byte("old contents that are long\n"), 0o644)
		os.WriteFile(filepath.Join(obs, "app"), []byte("old\n"), 0o644)
		u := loadUnit(t, "n.service", "[Service]\nType=oneshot\nStandardInput=file:/var/lib/obs/in\nStandardOutput=truncate:/var/lib/obs/trunc\nStandardError=append:/var/lib/obs/app\nExecStart=/bin/report stdin\n")
		pid, err := Start(&Request{Unit: u, Cmd: commands(t, u)[0], Root: fixRoot, Manager: m})
		if err != nil {
			t.Fatal(err)
		}
		wait(t, pid)
		var rep report
		b, _ := os.ReadFile(filepath.Join(obs, "trunc"))
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("truncate: %v: %q", err, b)
		}
		if rep.Stdin != "input\n" || rep.FDs[0] != filepath.Join(obs, "in") || rep.FDs[2] != filepath.Join(obs, "app") {
			t.Errorf("stdin %q, fds %v", rep.Stdin, rep.FDs)
		}
		fi, _ := os.Stat(filepath.Join(obs, "app"))
		if st := rep.FDs[2]; st == "" || fi.Size() != 4 {
			t.Errorf("append: %d bytes", fi.Size())
		}
	})
	t.Run("file does not truncate", func(t *testing.T) {
		// systemd (obs-home): StandardOutput=file: opens without O_TRUNC at
		// offset 0, so a second command overwrites the first's output from
		// the start; the recording is checked in TestRecordedRuns/home.
		p := filepath.Join(obs, "notrunc")
		os.WriteFile(p, []byte("0123456789\n"), 0o644)
		u := loadUnit(t, "n.service", "[Service]\nType=oneshot\nStandardOutput=file:/var/lib/obs/notrunc\nExecStart=/usr/bin/printf ab\n")
		pid, err := Start(&Request{Unit: u, Cmd: commands(t, u)[0], Root: fixRoot, Manager: m})
		if err != nil {
			t.Fatal(err)
		}
		wait(t, pid)
		if b, _ := os.ReadFile(p); string(b) != "ab23456789\n" {
			t.Errorf("got %q", b)
		}
	})
	t.Run("created file mode", func(t *testing.T) {
		// systemd (obs-proc): UMask=0027 made the output file 0640.
		p := filepath.Join(obs, "mode")
		os.Remove(p)
		u := loadUnit(t, "n.service", "[Service]\nUMask=0027\nStandardOutput=file:/var/lib/obs/mode\nExecStart=/bin/true\n")
		pid, err := Start(&Request{Unit: u, Cmd: commands(t, u)[0], Root: fixRoot, Manager: m})
		if err != nil {
			t.Fatal(err)
		}
		wait(t, pid)
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v %v", fi.Mode(), err)
		}
	})
	t.Run("fd and socket", func(t *testing.T) {
		in, inw, _ := os.Pipe()
		conn, connw, _ := os.Pipe()
		defer func() { in.Close(); inw.Close(); conn.Close(); connw.Close() }()
		u := loadUnit(t, "n.service", "[Service]\nStandardInput=fd:src\nStandardError=socket\nExecStart=/bin/report out=/var/lib/obs/fdsock\n")
		pid, err := Start(&Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[0], Root: fixRoot, Manager: m, Stdio: Stdio{Socket: connw, Named: map[string]*os.File{"src": in}}})
		if err != nil {
			t.Fatal(err)
		}
		wait(t, pid)
		var rep report
		b, _ := os.ReadFile(filepath.Join(obs, "fdsock"))
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("%v: %q", err, b)
		}
		for fd, f := range map[int]*os.File{0: in, 1: in, 2: connw} {
			fi, _ := f.Stat()
			if want := fmt.Sprintf("pipe:[%d]", fi.Sys().(*syscall.Stat_t).Ino); rep.FDs[fd] != want {
				t.Errorf("fd %d is %s, want %s (StandardOutput=inherit copies a fd: input)", fd, rep.FDs[fd], want)
			}
		}
	})
	t.Run("tty", func(t *testing.T) {
		ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
		if err != nil {
			t.Skip("no pseudo-terminals:", err)
		}
		defer ptmx.Close()
		if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
			t.Skip(err)
		}
		n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
		if err != nil {
			t.Skip(err)
		}
		pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
		if err != nil {
			t.Skip(err)
		}
		defer pts.Close()
		for _, helper := range []bool{false, true} {
			u := loadUnit(t, "n.service", "[Service]\nStandardInput=tty\nStandardError=journal\nExecStart=/bin/report out=/var/lib/obs/tty\n")
			pid, err := Start(&Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[0], Root: fixRoot, Manager: m,
				Stdio: Stdio{Console: pts, Capture: m.devNull}, ForceHelper: helper})
			if err != nil {
				t.Fatal(err)
			}
			wait(t, pid)
			var rep report
			b, _ := os.ReadFile(filepath.Join(obs, "tty"))
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatalf("%v: %q", err, b)
			}
			want := fmt.Sprintf("/dev/pts/%d", n)
			if rep.FDs[0] != want || rep.FDs[1] != want {
				t.Errorf("helper=%v: fds %v, want 0 and 1 on %s", helper, rep.FDs, want)
			}
			if rep.TTY == 0 {
				t.Errorf("helper=%v: no controlling terminal", helper)
			}
			term := os.Getenv("TERM")
			if term == "" {
				term = "vt220"
			}
			if !slices.Contains(rep.Env, "TERM="+term) {
				t.Errorf("helper=%v: env %q lacks TERM=%s", helper, rep.Env, term)
			}
		}
	})
	t.Run("missing socket", func(t *testing.T) {
		u := loadUnit(t, "n.service", "[Service]\nStandardInput=socket\nExecStart=/bin/true\n")
		_, err := Start(&Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[0], Root: fixRoot, Manager: m})
		var ee *ExecError
		if !errors.As(err, &ee) || ee.Status != ExitStdin {
			t.Errorf("%v, want status %d", err, ExitStdin)
		}
	})
}

// TestDirectories: the recorded dirs2 unit; systemd 252 left them so
// (ls -ld after the run):
//
//	drwx------ obsuser obsextra /run/obsrt3
//	drwxr-xr-x root    root     /run/obsrt4
//	drwx------ obsuser obsextra /run/obsrt4/sub
//	drwxr-x--- obsuser obsextra /var/lib/obsst2
//	drwxr-xr-x obsuser obsextra /var/cache/obsca3 (and obsca4)
//	drwxr-xr-x obsuser obsextra /var/log/obslg2
//	drwxr-xr-x obsuser obsextra /etc/obscf2
func TestDirectories(t *testing.T) {
	needRoot(t)
	body, _ := os.ReadFile("testdata/systemd/dirs2.service")
	u := loadUnit(t, "obs-dirs2.service", string(body))
	m := testManager(t)
	pid, err := Start(&Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[1], Root: fixRoot, Manager: m})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, pid)
	for _, d := range []struct {
		path     string
		mode     os.FileMode
		uid, gid int
	}{
		{"/run/obsrt3", 0o700, 1500, 1501}, {"/run/obsrt4", 0o755, 0, 0}, {"/run/obsrt4/sub", 0o700, 1500, 1501},
		{"/var/lib/obsst2", 0o750, 1500, 1501}, {"/var/cache/obsca3", 0o755, 1500, 1501}, {"/var/cache/obsca4", 0o755, 1500, 1501},
		{"/var/log/obslg2", 0o755, 1500, 1501}, {"/etc/obscf2", 0o755, 1500, 1501},
	} {
		fi, err := os.Stat(filepath.Join(fixRoot, d.path))
		if err != nil {
			t.Error(err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm() != d.mode || int(st.Uid) != d.uid || int(st.Gid) != d.gid {
			t.Errorf("%s: %v %d:%d, want %v %d:%d", d.path, fi.Mode().Perm(), st.Uid, st.Gid, d.mode, d.uid, d.gid)
		}
	}
	if got, want := RuntimeDirectories(u, fixRoot), []string{filepath.Join(fixRoot, "/run/obsrt3"), filepath.Join(fixRoot, "/run/obsrt4/sub")}; !reflect.DeepEqual(got, want) {
		t.Errorf("RuntimeDirectories = %q, want %q", got, want)
	}
	// A tree left with another owner is handed over as a whole.
	os.WriteFile(filepath.Join(fixRoot, "var/lib/obsst2/f"), nil, 0o644)
	os.Chown(filepath.Join(fixRoot, "var/lib/obsst2"), 0, 0)
	pid, err = Start(&Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[1], Root: fixRoot, Manager: m})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, pid)
	fi, _ := os.Stat(filepath.Join(fixRoot, "var/lib/obsst2/f"))
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 1500 || st.Gid != 1501 {
		t.Errorf("file in the state directory: %d:%d", st.Uid, st.Gid)
	}
}

// TestPrivateTmp: the commands of one invocation share a /tmp and
// /var/tmp of their own (systemd, obs-ptmp: a file ExecStartPre= wrote
// in /tmp was there for ExecStart=).
func TestPrivateTmp(t *testing.T) {
	needRoot(t)
	m := testManager(t)
	if !m.PrivateTmp {
		t.Skip("mount namespaces cannot be made here")
	}
	u := loadUnit(t, "p.service", "[Service]\nType=oneshot\nPrivateTmp=yes\nExecStart=/bin/report\n")
	env := []string{"INVOCATION_ID=00000000000000000000000000000001"}
	rep := startReport(t, m, &Request{Unit: u, Cmd: commands(t, u)[0], Env: env})
	// (The fixture root stands for "/".)
	if !slices.Contains(rep.Mounts, filepath.Join(fixRoot, "tmp")) || !slices.Contains(rep.Mounts, filepath.Join(fixRoot, "var/tmp")) {
		t.Errorf("mounts %q", rep.Mounts)
	}
	dir := filepath.Join(fixRoot, "tmp", privateTmpName("p.service", "00000000000000000000000000000001"), "tmp")
	if fi, err := os.Stat(dir); err != nil || fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
		t.Errorf("%s: %v %v", dir, fi, err)
	}
	if err := RemovePrivateTmp(fixRoot, "p.service", "00000000000000000000000000000001"); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left: %v", dir, err)
	}
}

// TestRootDirectory runs the child chrooted into a copy of the fixture
// (with the test binary's shared libraries).
func TestRootDirectory(t *testing.T) {
	needRoot(t)
	m := testManager(t)
	jail := filepath.Join(fixRoot, "jail")
	os.MkdirAll(filepath.Join(jail, "bin"), 0o755)
	if err := os.Link(filepath.Join(fixRoot, "bin/child"), filepath.Join(jail, "bin/report")); err != nil && !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
	if err := copyLibs(filepath.Join(fixRoot, "bin/child"), jail); err != nil {
		t.Skip("cannot copy the test binary's libraries:", err)
	}
	os.MkdirAll(filepath.Join(jail, "work"), 0o755)
	os.MkdirAll(filepath.Join(jail, "dev"), 0o755)
	for _, helper := range []bool{false, true} {
		u := loadUnit(t, "j.service", "[Service]\nRootDirectory=/jail\nWorkingDirectory=/work\nStandardOutput=file:/out\nExecStart=/bin/report\n")
		pid, err := Start(&Request{Unit: u, Kind: "ExecStart", Cmd: commands(t, u)[0], Root: fixRoot, Manager: m, ForceHelper: helper})
		if err != nil {
			t.Fatal(err)
		}
		if st := wait(t, pid); st != 0 {
			t.Fatalf("status %d", st)
		}
		b, err := os.ReadFile(filepath.Join(fixRoot, "out"))
		if err != nil {
			t.Fatal(err)
		}
		var rep report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("%v: %q", err, b)
		}
		if rep.Cwd != "/work" {
			t.Errorf("helper=%v: cwd %q", helper, rep.Cwd)
		}
	}
}

// copyLibs copies the ELF interpreter and libraries of exe into root.
func copyLibs(exe, root string) error {
	f, err := elf.Open(exe)
	if err != nil {
		return err
	}
	defer f.Close()
	var files []string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(p.Open())
			files = append(files, strings.TrimRight(string(b), "\x00"))
		}
	}
	libs, _ := f.ImportedLibraries()
	for _, l := range libs {
		found := false
		for _, d := range []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/lib/aarch64-linux-gnu"} {
			if _, err := os.Stat(filepath.Join(d, l)); err == nil {
				files = append(files, filepath.Join(d, l))
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%s not found", l)
		}
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// TestPrepareManager starts this test binary as a manager would be
// started, with a low hard limit, and checks that PrepareManager leaves
// it a high soft limit while its children get systemd's default of 1024.
func TestPrepareManager(t *testing.T) {
	needRoot(t)
	r, w, _ := os.Pipe()
	defer r.Close()
	self, _ := os.Executable()
	// Start it with NOFILE 1024:4096 (the kernel's for init) via prlimit
	// on ourselves, restored after the fork.
	var old unix.Rlimit
	unix.Prlimit(0, unix.RLIMIT_NOFILE, nil, &old)
	unix.Prlimit(0, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: 1024, Max: 4096}, nil)
	pid, err := syscall.ForkExec(self, []string{self}, &syscall.ProcAttr{
		Env: []string{"GOSD_SPAWN_TEST_PREPARE_REPORT=1"}, Files: []uintptr{0, w.Fd(), 2}})
	unix.Prlimit(0, unix.RLIMIT_NOFILE, &old, nil)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	if st := wait(t, pid); st != 0 {
		t.Fatalf("status %d: %s", st, out)
	}
	// The hard limit goes up to 524288 only with CAP_SYS_RESOURCE.
	hard := uint64(4096)
	if testManager(t).CanRaiseLimits {
		hard = min(524288, nrOpen())
	}
	want := fmt.Sprintf("own=%d:%d child=1024:%d marker=\"\"\n", hard-1, hard, hard)
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestLookups covers the user and group database rules.
func TestLookups(t *testing.T) {
	root := "testdata/root"
	tests := []struct {
		name    string
		user    string
		want    account
		wantErr error
	}{
		{"by name", "obsuser", account{"obsuser", 1500, 1500, "/home/obsuser", "/bin/sh"}, nil},
		{"by number", "1500", account{"obsuser", 1500, 1500, "/home/obsuser", "/bin/sh"}, nil},
		{"nobody is synthesized", "nobody", account{"nobody", 65534, 65534, "/", "/usr/sbin/nologin"}, nil},
		{"65534 is nobody", "65534", account{"nobody", 65534, 65534, "/", "/usr/sbin/nologin"}, nil},
		{"unknown", "nosuchuser", account{}, ErrNoSuchUser},
		{"unknown number", "4000", account{}, ErrNoSuchUser},
		{"root from the file", "root", account{"root", 0, 0, "/root", "/bin/bash"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := lookupUser(root, tc.user)
			if !errors.Is(err, tc.wantErr) || err == nil && a != tc.want {
				t.Errorf("got %+v, %v; want %+v, %v", a, err, tc.want, tc.wantErr)
			}
		})
	}
	if a, err := lookupUser(t.TempDir(), "root"); err != nil || a.UID != 0 || a.Home != "/root" {
		t.Errorf("root without /etc/passwd: %+v %v", a, err)
	}
	if g, err := lookupGroup(root, "obsextra"); err != nil || g != 1501 {
		t.Errorf("obsextra: %d %v", g, err)
	}
	if _, err := lookupGroup(root, "4000"); !errors.Is(err, ErrNoSuchGroup) {
		t.Errorf("4000: %v", err)
	}
	// systemd (env-nobody): nobody is in 65534 and obsextra, which lists it.
	if g, _ := memberGroups(root, "nobody", 65534); !reflect.DeepEqual(g, []int{65534, 1501}) {
		t.Errorf("nobody's groups %v", g)
	}
	if a, b := dynamicUser("x"), dynamicUser("x"); a != b || a.UID < dynamicUIDMin || a.UID > dynamicUIDMax {
		t.Errorf("dynamic user %+v %+v", a, b)
	}
}

// TestCgroup: the process starts in the cgroup the tracker prepared, on
// both paths (the helper in it too, so nothing escapes), and also where
// clone3 is missing (the helper then joins the cgroup itself): forced on
// machines that have clone3, the only case run on those that do not.
func TestCgroup(t *testing.T) {
	needRoot(t)
	tr, err := track.NewWithOptions(track.Options{Slice: fmt.Sprintf("gosd-spawn-test-%d.slice", os.Getpid())})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if tr.Mode() != track.ModeCgroup {
		t.Skip("no writable cgroup v2 hierarchy:", tr.Reason())
	}
	m := testManager(t)
	u := loadUnit(t, "cg.service", "[Service]\nExecStart=/bin/report\n")
	hasClone3 := !m.NoClone3
	defer func() { m.NoClone3 = !hasClone3 }()
	for _, tc := range []struct{ helper, noClone3 bool }{{false, false}, {true, false}, {false, true}} {
		if !tc.noClone3 && !hasClone3 {
			t.Logf("clone3 is missing here: helper=%v with clone3 is not run", tc.helper)
			continue
		}
		// The last case makes a machine with clone3 act as one without.
		m.NoClone3 = tc.noClone3
		cg, err := tr.Prepare("cg.service")
		if err != nil {
			t.Fatal(err)
		}
		r := &Request{Unit: u, Cmd: commands(t, u)[0], Cgroup: cg, ForceHelper: tc.helper, Root: fixRoot, Manager: m}
		if NeedsHelper(r) != tc.noClone3 {
			t.Errorf("noClone3=%v: NeedsHelper = %v", tc.noClone3, !tc.noClone3)
		}
		rep := startReport(t, m, r)
		cg.Close()
		if want := "/gosd-spawn-test-"; !strings.Contains(rep.Cgroup, want) || !strings.HasSuffix(rep.Cgroup, "/cg.service") {
			t.Errorf("helper=%v noClone3=%v: cgroup %q", tc.helper, tc.noClone3, rep.Cgroup)
		}
		if len(tr.Pids("cg.service")) != 0 {
			t.Errorf("processes left: %v", tr.Pids("cg.service"))
		}
	}
	tr.Release("cg.service")
	os.Remove(filepath.Dir(tr.CgroupPath("cg.service")))
}
