package spawn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// The test binary impersonates the programs the tests start, chosen by
// the base name of argv[0] (as the exec helper is): env, id, pwd, printf,
// true, false, mycmd, sleep, report, daemon. A fixture root holds links
// to it under those names, and the /etc/passwd and /etc/group of the
// Debian root fs the systemd recordings were made on.

// prepared is the Manager PrepareManager returned for this process; the
// fixture directory is fixRoot.
var (
	prepared *Manager
	fixRoot  string
)

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == HelperName {
		os.Exit(HelperMain(os.Args))
	}
	if code, ok := impersonate(); ok {
		os.Exit(code)
	}
	if os.Getenv("GOSD_SPAWN_TEST_PREPARE_REPORT") != "" {
		// TestPrepareManager's child: report what PrepareManager did.
		pm, err := PrepareManager("/")
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		var cur unix.Rlimit
		unix.Getrlimit(unix.RLIMIT_NOFILE, &cur)
		fmt.Printf("own=%d:%d child=%d:%d marker=%q\n", cur.Cur, cur.Max,
			pm.Limits[loader.RlimitNOFILE].Soft, pm.Limits[loader.RlimitNOFILE].Hard, os.Getenv(nofileMarker))
		os.Exit(0)
	}
	code := func() int {
		if os.Getuid() == 0 {
			var err error
			// Re-executes this test binary once; then returns here.
			if prepared, err = PrepareManager("/"); err != nil {
				fmt.Fprintln(os.Stderr, "PrepareManager:", err)
				return 1
			}
			// Orphans of double-forking test daemons come back to us.
			unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
			root, err := buildFixture()
			if err != nil {
				fmt.Fprintln(os.Stderr, "fixture:", err)
				return 1
			}
			fixRoot = root
			defer os.RemoveAll(root)
		}
		return m.Run()
	}()
	os.Exit(code)
}

// buildFixture makes the root the tests start processes in: world-
// readable (so that users other than root can execute the binary).
func buildFixture() (string, error) {
	root, err := os.MkdirTemp("", "gosd-spawn-test-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return "", err
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	for _, d := range []string{"bin", "usr/bin", "custom", "etc", "home/obsuser", "root", "var/lib/obs", "run", "tmp", "var/tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", err
		}
	}
	os.Chmod(filepath.Join(root, "tmp"), 0o1777|os.ModeSticky)
	if err := os.Chown(filepath.Join(root, "home/obsuser"), 1500, 1500); err != nil {
		return "", err
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return "", err
	}
	child := filepath.Join(root, "bin/child")
	if err := os.WriteFile(child, data, 0o755); err != nil {
		return "", err
	}
	for _, l := range childLinks {
		if err := os.Link(child, filepath.Join(root, l)); err != nil {
			return "", err
		}
	}
	for _, f := range []string{"passwd", "group"} {
		b, err := os.ReadFile(filepath.Join("testdata/root/etc", f))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(root, "etc", f), b, 0o644); err != nil {
			return "", err
		}
	}
	b, err := os.ReadFile("testdata/systemd/obs1.env")
	if err != nil {
		return "", err
	}
	return root, os.WriteFile(filepath.Join(root, "etc/obs1.env"), b, 0o644)
}

// impersonate runs the program argv[0] names, if it is one of ours.
func impersonate() (int, bool) {
	args := os.Args
	mode := filepath.Base(args[0])
	if exe, err := os.Readlink("/proc/self/exe"); err == nil && fixtureRootOfSelf() != "/" && !strings.HasSuffix(exe, "/bin/child") {
		mode = filepath.Base(exe) // "@" gave another argv[0]
	}
	switch mode {
	case "env":
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
	case "id":
		fmt.Println(idLine())
	case "pwd":
		wd, _ := os.Getwd()
		if root := fixtureRootOfSelf(); root != "/" {
			if wd == root {
				wd = "/"
			} else {
				wd = strings.TrimPrefix(wd, root)
			}
		}
		fmt.Println(wd)
	case "printf":
		if len(args) < 2 {
			return 1, true
		}
		format, rest := args[1], args[2:]
		if len(rest) == 0 {
			rest = []string{""}
		}
		for _, a := range rest {
			fmt.Print(strings.Replace(format, "%s", a, 1))
		}
	case "true":
	case "false":
		return 1, true
	case "mycmd":
		fmt.Println("custom-mycmd")
	case "sleep":
		for {
			time.Sleep(time.Hour)
		}
	case "report":
		out := os.Stdout
		for _, a := range args[1:] {
			if p, ok := strings.CutPrefix(a, "out="); ok {
				f, err := os.Create(filepath.Join(fixtureRootOfSelf(), p))
				if err != nil {
					return 1, true
				}
				defer f.Close()
				out = f
			}
		}
		json.NewEncoder(out).Encode(makeReport())
	case "daemon":
		return daemon(), true
	case "daemon-mid":
		return daemonMid(), true
	case "exit":
		n, _ := strconv.Atoi(args[1])
		return n, true
	default:
		return 0, false
	}
	return 0, true
}

// childLinks are the fixture's names of the test binary, besides bin/child.
var childLinks = []string{"bin/true", "bin/false", "bin/pwd", "bin/sleep", "bin/report", "bin/daemon",
	"usr/bin/env", "usr/bin/id", "usr/bin/printf", "custom/mycmd"}

// fixtureRootOfSelf is the fixture root the running child lives in.
func fixtureRootOfSelf() string {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return "/"
	}
	for _, l := range append(childLinks, "bin/child") {
		if r, ok := strings.CutSuffix(exe, "/"+l); ok {
			return r
		}
	}
	return "/"
}

// idLine prints what id(1) prints, with names from the fixture.
func idLine() string {
	root := fixtureRootOfSelf()
	users, groups := map[int]string{}, map[int]string{}
	scanLines(root, "/etc/passwd", func(l string) bool {
		if a, ok := passwdLine(l); ok {
			if _, dup := users[a.UID]; !dup {
				users[a.UID] = a.Name
			}
		}
		return false
	})
	scanLines(root, "/etc/group", func(l string) bool {
		f := strings.Split(l, ":")
		if g, err := strconv.Atoi(f[2]); err == nil {
			if _, dup := groups[g]; !dup {
				groups[g] = f[0]
			}
		}
		return false
	})
	name := func(m map[int]string, id int) string {
		if n, ok := m[id]; ok {
			return fmt.Sprintf("%d(%s)", id, n)
		}
		return strconv.Itoa(id)
	}
	gid := os.Getgid()
	gs, _ := os.Getgroups()
	sort.Ints(gs)
	list := []string{name(groups, gid)}
	for _, g := range gs {
		if g != gid {
			list = append(list, name(groups, g))
		}
	}
	return fmt.Sprintf("uid=%s gid=%s groups=%s", name(users, os.Getuid()), name(groups, gid), strings.Join(list, ","))
}

// report is what the "report" program tells about itself.
type report struct {
	Args     []string
	Env      []string
	Pid      int
	Pgid     int
	Sid      int
	UID, GID int
	Groups   []int
	Cwd      string
	Nice     int
	OOM      string
	Status   map[string]string // lines of /proc/self/status
	Limits   map[int][2]uint64 // by resource
	FDs      map[int]string    // descriptor -> what it refers to
	Mounts   []string          // mount points of /proc/self/mountinfo
	Cgroup   string
	Stdin    string
	TTY      int // tty_nr of /proc/self/stat: the controlling terminal
}

func makeReport() *report {
	r := &report{Args: os.Args, Env: os.Environ(), Pid: os.Getpid(), UID: os.Getuid(), GID: os.Getgid(),
		Status: map[string]string{}, Limits: map[int][2]uint64{}, FDs: map[int]string{}}
	// The descriptors the process got: the Go runtime opens its own
	// (cgroup files, epoll) close-on-exec; what was inherited is not.
	if d, err := os.Open("/proc/self/fd"); err == nil {
		names, _ := d.Readdirnames(-1)
		for _, n := range names {
			fd, _ := strconv.Atoi(n)
			flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			if err != nil || flags&unix.FD_CLOEXEC != 0 {
				continue
			}
			target, _ := os.Readlink("/proc/self/fd/" + n)
			r.FDs[fd] = target
		}
		d.Close()
	}
	r.Pgid, _ = syscall.Getpgid(0)
	sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	r.Sid = int(sid)
	r.Groups, _ = os.Getgroups()
	r.Cwd, _ = os.Getwd()
	if p, err := unix.Getpriority(unix.PRIO_PROCESS, 0); err == nil {
		r.Nice = 20 - p
	}
	b, _ := os.ReadFile("/proc/self/oom_score_adj")
	r.OOM = strings.TrimSpace(string(b))
	b, _ = os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			r.Status[k] = strings.TrimSpace(v)
		}
	}
	for res := 0; res < loader.RlimitCount; res++ {
		var l unix.Rlimit
		unix.Getrlimit(res, &l)
		r.Limits[res] = [2]uint64{l.Cur, l.Max}
	}
	b, _ = os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 {
			r.Mounts = append(r.Mounts, f[4])
		}
	}
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		if i := strings.LastIndexByte(string(b), ')'); i > 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 4 {
				r.TTY, _ = strconv.Atoi(f[4])
			}
		}
	}
	b, _ = os.ReadFile("/proc/self/cgroup")
	r.Cgroup = strings.TrimSpace(string(b))
	if slices.Contains(os.Args, "stdin") {
		b, _ = io.ReadAll(os.Stdin)
		r.Stdin = string(b)
	}
	return r
}

// daemon double-forks: it starts daemon-mid in a new session, which
// starts a sleeper and prints its pid; daemon-mid exits when its standard
// input ends, daemon when daemon-mid has.
func daemon() int {
	self, _ := os.Executable()
	pid, err := syscall.ForkExec(self, []string{"daemon-mid", os.Args[len(os.Args)-1]}, &syscall.ProcAttr{
		Env: os.Environ(), Files: []uintptr{0, 1, 2}, Sys: &syscall.SysProcAttr{Setsid: true}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
	return 0
}

func daemonMid() int {
	self, _ := os.Executable()
	env := os.Environ()
	if os.Args[len(os.Args)-1] == "clearenv" {
		env = []string{}
	}
	null, _ := os.Open("/dev/null")
	pid, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Env: env, Files: []uintptr{null.Fd(), null.Fd(), 2}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(pid)
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// ---------------------------------------------------------------------
// Test helpers

func needRoot(t testing.TB) {
	t.Helper()
	if os.Getuid() != 0 || prepared == nil {
		t.Skip("needs root: starts processes as other users, in cgroups and namespaces")
	}
}

// testManager is a Manager for the fixture root, like the prepared one.
func testManager(t testing.TB) *Manager {
	t.Helper()
	nofile := prepared.Limits[loader.RlimitNOFILE]
	m, err := newManager(fixRoot, &nofile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.devNull.Close() })
	return m
}

// loadUnit loads a unit file from a fresh unit root.
func loadUnit(t testing.TB, name, body string) *loader.Unit {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	set := loader.NewSet(loader.SystemPaths(root), &unit.Host{Root: root, Hostname: "host", MachineID: "0123456789abcdef0123456789abcdef"})
	u, err := set.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if u.LoadState != loader.StateLoaded {
		t.Fatalf("%s: %s: %v", name, u.LoadState, u.LoadError)
	}
	return u
}

// commands returns the unit's ExecStart= commands.
func commands(t testing.TB, u *loader.Unit) []unit.ExecCommand {
	t.Helper()
	if u.Service == nil || len(u.Service.ExecStart) == 0 {
		t.Fatalf("%s has no ExecStart=", u.ID)
	}
	return u.Service.ExecStart
}

// wait reaps pid (and only pid) and returns its exit status, or 128+signal.
func wait(t testing.TB, pid int) int {
	t.Helper()
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("wait4 %d: %v", pid, err)
		}
		break
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// capture is a log capture pipe: out reads everything written once the
// writers are gone.
type capture struct {
	r, w *os.File
}

func newCapture(t testing.TB) *capture {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return &capture{r, w}
}

func (c *capture) out(t testing.TB) string {
	t.Helper()
	c.w.Close()
	b, err := io.ReadAll(c.r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runUnit starts each ExecStart= of u in turn, waiting for each, and
// returns the statuses and what the capture got.
func runUnit(t testing.TB, m *Manager, u *loader.Unit, env []string, helper bool) ([]int, string) {
	t.Helper()
	c := newCapture(t)
	var statuses []int
	for _, cmd := range commands(t, u) {
		r := &Request{Unit: u, Kind: "ExecStart", Cmd: cmd, Env: env, Stdio: Stdio{Capture: c.w}, Root: fixRoot, Manager: m, ForceHelper: helper}
		pid, err := Start(r)
		if err != nil {
			var ee *ExecError
			if !errors.As(err, &ee) {
				t.Fatalf("Start: %v (not an *ExecError)", err)
			}
			statuses = append(statuses, ee.Status)
			continue
		}
		statuses = append(statuses, wait(t, pid))
	}
	return statuses, c.out(t)
}
