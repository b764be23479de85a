package track

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary plays the unit processes, by argv[0]: "sleep" sleeps;
// "forker" starts a sleeping child and sleeps; "daemon" double-forks like
// a classic daemon: it starts "daemon-mid" in a new session, which starts
// a sleeper in that session, prints the sleeper's pid and exits when its
// standard input ends (at once with "now"); with "clearenv" the sleeper
// gets an empty environment. "termfork" prints its pid once it catches
// SIGTERM, and on SIGTERM starts a sleeping child in its session and
// process group (with an empty environment), prints its pid and sleeps.
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "sleep":
		for {
			time.Sleep(time.Hour)
		}
	case "forker":
		self, _ := os.Executable()
		pid, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
		if err != nil {
			os.Exit(1)
		}
		fmt.Println(pid)
		for {
			time.Sleep(time.Hour)
		}
	case "termfork":
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println(os.Getpid())
		<-term
		self, _ := os.Executable()
		pid, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Env: []string{}, Files: []uintptr{0, 1, 2}})
		if err != nil {
			os.Exit(1)
		}
		fmt.Println(pid)
		for {
			time.Sleep(time.Hour)
		}
	case "daemon":
		self, _ := os.Executable()
		pid, err := syscall.ForkExec(self, append([]string{"daemon-mid"}, os.Args[1:]...), &syscall.ProcAttr{
			Env: os.Environ(), Files: []uintptr{0, 1, 2}, Sys: &syscall.SysProcAttr{Setsid: true}})
		if err != nil {
			os.Exit(1)
		}
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, 0, nil)
		os.Exit(0)
	case "daemon-mid":
		self, _ := os.Executable()
		env := os.Environ()
		if slices.Contains(os.Args, "clearenv") {
			env = []string{}
		}
		null, _ := os.Open("/dev/null")
		pid, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Env: env, Files: []uintptr{null.Fd(), null.Fd(), 2}})
		if err != nil {
			os.Exit(1)
		}
		fmt.Println(pid)
		if !slices.Contains(os.Args, "now") {
			io.Copy(io.Discard, os.Stdin)
		}
		os.Exit(0)
	}
	if os.Getuid() == 0 {
		// Orphans come back to the test, as they would to gosd as PID 1.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	os.Exit(m.Run())
}

// cgroupTracker is trackers' cgroup-mode tracker; the test skips without one.
func cgroupTracker(t *testing.T) *Tracker {
	t.Helper()
	tr := trackers(t)[ModeCgroup]
	if tr == nil {
		t.Skip("no cgroup mode")
	}
	return tr
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
}

// trackers returns a tracker of each mode this machine allows, with a
// cgroup sub-tree of the test's own.
func trackers(t *testing.T) map[string]*Tracker {
	t.Helper()
	out := map[string]*Tracker{}
	slice := fmt.Sprintf("gosd-test-%d.slice", os.Getpid())
	cg, err := NewWithOptions(Options{Slice: slice})
	if err != nil {
		t.Fatal(err)
	}
	if cg.Mode() == ModeCgroup {
		out[ModeCgroup] = cg
		t.Cleanup(func() { cg.Flush(time.Second); cg.Close(); syscall.Rmdir(cg.base) })
	} else {
		t.Logf("no cgroup mode here: %s", cg.Reason())
	}
	pg, err := NewWithOptions(Options{ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	out[ModeProcessGroup] = pg
	return out
}

// proc is a started test process.
type proc struct {
	pid int
	out *bufio.Reader // its standard output
	in  *os.File      // the write end of its standard input
}

// runTag makes the test's INVOCATION_IDs its own: a process left over by
// another run of the tests, with the same short ID, must not match.
var runTag = fmt.Sprintf("-%d-%x", os.Getpid(), time.Now().UnixNano())

// start starts the test binary as name in a new session (as spawn does),
// in the unit's cgroup when there is one, with the unit's INVOCATION_ID
// (invocation+runTag).
func start(t *testing.T, tr *Tracker, unit, invocation string, argv ...string) *proc {
	t.Helper()
	invocation += runTag
	self, _ := os.Executable()
	ir, iw, _ := os.Pipe()
	or, ow, _ := os.Pipe()
	defer ir.Close()
	defer ow.Close()
	sys := &syscall.SysProcAttr{Setsid: true}
	cg, err := tr.Prepare(unit)
	if err != nil {
		t.Fatal(err)
	}
	if cg != nil {
		defer cg.Close()
		sys.UseCgroupFD, sys.CgroupFD = true, int(cg.Fd())
	}
	pid, err := syscall.ForkExec(self, argv, &syscall.ProcAttr{Env: []string{"INVOCATION_ID=" + invocation},
		Files: []uintptr{ir.Fd(), ow.Fd(), 2}, Sys: sys})
	if err != nil {
		t.Fatal(err)
	}
	tr.Adopt(unit, pid, invocation)
	t.Cleanup(func() { iw.Close(); or.Close() })
	return &proc{pid: pid, out: bufio.NewReader(or), in: iw}
}

func (p *proc) readPid(t *testing.T) int {
	t.Helper()
	l, err := p.out.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(l))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// reap waits for each pid (they are the test's children or orphans
// reparented to it) and returns how each ended.
func reap(t *testing.T, pids ...int) []string {
	t.Helper()
	var out []string
	for _, pid := range pids {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatalf("wait4 %d: %v", pid, err)
		}
		if ws.Signaled() {
			out = append(out, ws.Signal().String())
		} else {
			out = append(out, "exit "+strconv.Itoa(ws.ExitStatus()))
		}
	}
	return out
}

// waitZombie waits until a killed process has died (its parent has not
// reaped it).
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if st, err := parseStat(pid, b); err != nil || st.zombie {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func sorted(p ...int) []int { slices.Sort(p); return p }

// signalled is Signal, returning the pids signalled.
func signalled(tr *Tracker, unit string, sig syscall.Signal, except ...int) []int {
	return tr.signal(unit, sig, except, true)
}

func TestModes(t *testing.T) {
	tr, err := NewWithOptions(Options{ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Mode() != ModeProcessGroup {
		t.Errorf("mode %s", tr.Mode())
	}
	if f, err := tr.Prepare("a.service"); f != nil || err != nil {
		t.Errorf("Prepare in process-groups mode: %v %v", f, err)
	}
	if os.Getuid() != 0 {
		return
	}
	slice := fmt.Sprintf("gosd-test-%d.slice", os.Getpid())
	tr, err = NewWithOptions(Options{Root: "/", Slice: slice})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("mode %s %s", tr.Mode(), tr.Reason())
	if tr.Mode() == ModeCgroup {
		if filepath.Base(tr.base) != slice {
			t.Errorf("base %s", tr.base)
		}
		syscall.Rmdir(tr.base)
	}
}

// TestProcessTree: a unit's process and its child are found, signalled
// and not mixed up with another unit's.
func TestProcessTree(t *testing.T) {
	needRoot(t)
	for mode, tr := range trackers(t) {
		t.Run(mode, func(t *testing.T) {
			a := start(t, tr, "a.service", "aaaa", "forker")
			child := a.readPid(t)
			b := start(t, tr, "b.service", "bbbb", "sleep")
			if got, want := tr.Pids("a.service"), sorted(a.pid, child); !reflect.DeepEqual(got, want) {
				t.Errorf("a: %v, want %v", got, want)
			}
			if got, want := tr.Pids("b.service"), []int{b.pid}; !reflect.DeepEqual(got, want) {
				t.Errorf("b: %v, want %v", got, want)
			}
			// KillMode=mixed: SIGTERM to the main process only, SIGKILL to
			// the rest.
			if got := signalled(tr, "a.service", syscall.SIGKILL, a.pid); !reflect.DeepEqual(got, []int{child}) {
				t.Errorf("SIGKILL except main: %v, want %v", got, []int{child})
			}
			waitZombie(t, child)
			// With cgroups the zombie child may still be listed (and is
			// then signalled, to no effect).
			got := signalled(tr, "a.service", syscall.SIGTERM)
			if !reflect.DeepEqual(got, []int{a.pid}) && (mode != ModeCgroup || !reflect.DeepEqual(got, sorted(a.pid, child))) {
				t.Errorf("SIGTERM: %v, want %v", got, []int{a.pid})
			}
			if got := reap(t, a.pid); got[0] != "terminated" {
				t.Errorf("main: %v", got)
			}
			// The child was a's, reparented to us when a died.
			if got := reap(t, child); got[0] != "killed" {
				t.Errorf("child: %v", got)
			}
			if got := tr.Pids("a.service"); len(got) != 0 {
				t.Errorf("a left: %v", got)
			}
			tr.Release("a.service")
			if got := signalled(tr, "b.service", syscall.SIGKILL); !reflect.DeepEqual(got, []int{b.pid}) {
				t.Errorf("b: %v", got)
			}
			reap(t, b.pid)
			tr.Release("b.service")
			if mode == ModeCgroup {
				// Release removes the cgroups on the tracker's remover
				// goroutine: wait for it (CI once looked before it ran).
				if left := tr.Flush(10 * time.Second); left != 0 {
					t.Errorf("%d cgroup removals pending after 10 s", left)
				}
				if _, err := os.Stat(tr.CgroupPath("a.service")); !os.IsNotExist(err) {
					t.Errorf("cgroup left after Release: %v", err)
				}
			}
		})
	}
}

// TestDoubleFork: the daemon's sleeper, in a session of its own whose
// leader is gone and whose parent is gone, is still the unit's.
func TestDoubleFork(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name string
		args []string
		// found in process-groups mode (cgroups find them all)
		scanEarly bool // the tracker looks while the middle process lives
		fallback  bool
	}{
		// The sleeper keeps the unit's environment: found by INVOCATION_ID.
		{"environment", []string{"daemon", "now"}, false, true},
		// Empty environment, but the tracker saw the middle process's session.
		{"session", []string{"daemon", "clearenv"}, true, true},
		// Empty environment and never seen: the documented limit.
		{"unseen", []string{"daemon", "clearenv", "now"}, false, false},
	}
	for mode, tr := range trackers(t) {
		for _, tc := range tests {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				unit := "d-" + tc.name + ".service"
				p := start(t, tr, unit, "dddd"+tc.name, tc.args...)
				sleeper := p.readPid(t)
				if tc.scanEarly {
					if got := tr.Pids(unit); !slices.Contains(got, sleeper) {
						t.Fatalf("before: %v lacks %d", got, sleeper)
					}
				}
				p.in.Close() // the middle process ends, and the daemon with it
				reap(t, p.pid)
				want := mode == ModeCgroup || tc.fallback
				if of := tr.UnitOf(sleeper); (of == unit) != want {
					t.Errorf("UnitOf(%d) = %q, want found: %v", sleeper, of, want)
				}
				got := tr.Pids(unit)
				if slices.Contains(got, sleeper) != want {
					t.Errorf("Pids %v; sleeper %d found: %v, want %v", got, sleeper, !want, want)
				}
				if want {
					if sig := signalled(tr, unit, syscall.SIGKILL); !reflect.DeepEqual(sig, []int{sleeper}) {
						t.Errorf("signalled %v", sig)
					}
				} else {
					syscall.Kill(sleeper, syscall.SIGKILL)
				}
				reap(t, sleeper)
				tr.Release(unit)
			})
		}
	}
}

// firstAttempt waits for the remover's first attempt at the removal of
// the unit's cgroup, released with a process in it, and fails unless the
// removal stays pending (Release has it pending at once).
func firstAttempt(t *testing.T, tr *Tracker, unit string) {
	t.Helper()
	tries, pending := notTried, true
	for deadline := time.Now().Add(10 * time.Second); pending && tries == notTried && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		tr.mu.Lock()
		tries, pending = tr.pending[tr.CgroupPath(unit)]
		tr.mu.Unlock()
	}
	if !pending || tries == notTried {
		t.Fatalf("after the first attempt: pending %v, retries %d", pending, tries)
	}
}

// TestReleaseRetries: a cgroup that was busy when it was released is
// removed by the remover's retries, without a Flush, once its last
// process is reaped.
func TestReleaseRetries(t *testing.T) {
	needRoot(t)
	tr := cgroupTracker(t)
	const unit = "retry.service"
	p := start(t, tr, unit, "tttt", "sleep")
	tr.Release(unit)
	firstAttempt(t, tr, unit)
	syscall.Kill(p.pid, syscall.SIGKILL)
	reap(t, p.pid)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat(tr.CgroupPath(unit)); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cgroup is still there 10 s after its last process was reaped")
		}
	}
}

// TestReleaseKeepsPopulated: a cgroup with processes stays.
func TestReleaseKeepsPopulated(t *testing.T) {
	needRoot(t)
	tr := cgroupTracker(t)
	p := start(t, tr, "r.service", "rrrr", "sleep")
	tr.Release("r.service")
	if left := tr.Flush(0); left != 1 {
		t.Errorf("%d removals pending, want the populated one", left)
	}
	if _, err := os.Stat(tr.CgroupPath("r.service")); err != nil {
		t.Errorf("populated cgroup removed: %v", err)
	}
	// Adopted processes outside it are moved in.
	self, _ := os.Executable()
	pid, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	tr.Adopt("r.service", pid, "")
	if got := tr.Pids("r.service"); !reflect.DeepEqual(got, sorted(p.pid, pid)) {
		t.Errorf("after Adopt: %v", got)
	}
	tr.Signal("r.service", syscall.SIGKILL)
	reap(t, p.pid, pid)
	tr.Release("r.service")
	// Just after the reap the kernel may still count the dead tasks: the
	// removal is then retried.
	if left := tr.Flush(10 * time.Second); left != 0 {
		t.Errorf("%d cgroup removals still pending", left)
	}
	if _, err := os.Stat(tr.CgroupPath("r.service")); !os.IsNotExist(err) {
		t.Errorf("empty cgroup kept: %v", err)
	}

	// Prepared again before a retry: the retry leaves it alone.
	q := start(t, tr, "r.service", "rrrr", "sleep")
	tr.Release("r.service")
	f, err := tr.Prepare("r.service")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	tr.Signal("r.service", syscall.SIGKILL)
	reap(t, q.pid)
	tr.Flush(100 * time.Millisecond)
	if _, err := os.Stat(tr.CgroupPath("r.service")); err != nil {
		t.Errorf("cgroup prepared again was removed: %v", err)
	}
	tr.Release("r.service")
	tr.Flush(10 * time.Second)
}

func TestParseStat(t *testing.T) {
	st, err := parseStat(42, []byte("42 (a) b (c)) S 1 42 40 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0 0"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procStat{pid: 42, ppid: 1, pgid: 42, sid: 40, start: 12345}); st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
}

// TestCgroupFiles: the cgroup reads on files laid out as cgroupfs has
// them. An unpopulated cgroup lists nothing whatever cgroup.procs says;
// a pid of 0 (a reaped task not yet unlinked, seen on 6.x kernels right
// after the reap) is never listed, so never signalled (kill(0) would
// signal the manager's own process group); sub-cgroups are read only
// when the directory's link count says it has subdirectories (as kernfs,
// tmpfs and ext4 count them).
func TestCgroupFiles(t *testing.T) {
	tr := &Tracker{proc: "/proc"}
	dir := t.TempDir()
	write := func(rel, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cgroup.events", "populated 0\nfrozen 0\n")
	write("cgroup.procs", "7\n")
	if got := tr.cgroupPids(dir, false); got != nil {
		t.Errorf("unpopulated: %v, want none", got)
	}
	write("cgroup.events", "populated 1\nfrozen 0\n")
	write("cgroup.procs", "0\n12\n0\n7\n")
	if got := tr.cgroupPids(dir, false); !reflect.DeepEqual(got, []int{7, 12}) {
		t.Errorf("populated: %v, want [7 12]", got)
	}
	if got := (&Tracker{}).cgroupKeyValue(filepath.Join(dir, "missing"), "populated"); got != 0 {
		t.Errorf("missing file: %d", got)
	}
	write("sub/cgroup.procs", "9\n")
	if fi, err := os.Stat(dir); err != nil || fi.Sys().(*syscall.Stat_t).Nlink != 3 {
		t.Skip("the temporary directory's file system does not count subdirectories in links")
	}
	if got := tr.cgroupPids(dir, false); !reflect.DeepEqual(got, []int{7, 9, 12}) {
		t.Errorf("with a sub-cgroup: %v, want [7 9 12]", got)
	}
}

// TestBatch: in the process-group mode, the looks at several units
// within one Batch share one reading of /proc and find the same
// processes as separate readings; Adopt adds its process to the reading
// (it is not in it); after the batch each look reads anew.
func TestBatch(t *testing.T) {
	needRoot(t)
	tr, err := NewWithOptions(Options{ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	a := start(t, tr, "a.service", "aaaa", "forker")
	child := a.readPid(t)
	b := start(t, tr, "b.service", "bbbb", "sleep")
	want := map[string][]int{"a.service": sorted(a.pid, child), "b.service": {b.pid}}

	reads := tr.reads
	end := tr.Batch()
	for _, u := range []string{"a.service", "b.service", "a.service"} {
		if got := tr.Pids(u); !reflect.DeepEqual(got, want[u]) {
			t.Errorf("%s in a batch: %v, want %v", u, got, want[u])
		}
	}
	if got := tr.UnitOf(b.pid); got != "b.service" {
		t.Errorf("UnitOf in a batch: %q", got)
	}
	if n := tr.reads - reads; n != 1 {
		t.Errorf("%d readings of /proc in one batch, want 1", n)
	}
	c := start(t, tr, "c.service", "cccc", "sleep")
	if got := tr.Pids("c.service"); !reflect.DeepEqual(got, []int{c.pid}) {
		t.Errorf("c, adopted within the batch: %v", got)
	}
	if n := tr.reads - reads; n != 1 {
		t.Errorf("%d readings after Adopt, want 1", n)
	}
	end()
	tr.Pids("a.service")
	tr.Pids("b.service")
	if n := tr.reads - reads; n != 3 {
		t.Errorf("%d readings after the batch, want 3", n)
	}
	for _, p := range []*proc{a, b, c} {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	syscall.Kill(child, syscall.SIGKILL)
	reap(t, a.pid, b.pid, c.pid)
}

// TestAdoptGone: the main process of a double-forking service is gone,
// and reaped, before the manager adopts it; the daemon it left (a new
// session, parent gone) is still the unit's, by its invocation.
func TestAdoptGone(t *testing.T) {
	needRoot(t)
	tr, err := NewWithOptions(Options{ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	or, ow, _ := os.Pipe()
	defer or.Close()
	pid, err := syscall.ForkExec(self, []string{"daemon", "now"}, &syscall.ProcAttr{
		Env: []string{"INVOCATION_ID=gone1" + runTag}, Files: []uintptr{0, ow.Fd(), 2}, Sys: &syscall.SysProcAttr{Setsid: true}})
	ow.Close()
	if err != nil {
		t.Fatal(err)
	}
	daemon := (&proc{out: bufio.NewReader(or)}).readPid(t)
	reap(t, pid)
	tr.Adopt("g.service", pid, "gone1"+runTag)
	if got := tr.Pids("g.service"); !reflect.DeepEqual(got, []int{daemon}) {
		t.Errorf("g: %v, want the daemon %d", got, daemon)
		syscall.Kill(daemon, syscall.SIGKILL)
		return
	}
	tr.Signal("g.service", syscall.SIGKILL)
	waitZombie(t, daemon)
}

// TestAt: paths below the units' cgroup directory are reached from its
// descriptor; every other path (the directory itself, a sibling with the
// same prefix, /proc) from the working directory, as given.
func TestAt(t *testing.T) {
	tr := &Tracker{base: "/sys/fs/cgroup/gosd.slice", baseSlash: "/sys/fs/cgroup/gosd.slice/", baseFd: 7, baseOpen: true}
	for _, tc := range []struct {
		path string
		fd   int
		rel  string
	}{
		{"/sys/fs/cgroup/gosd.slice/a.service/cgroup.events", 7, "a.service/cgroup.events"},
		{"/sys/fs/cgroup/gosd.slice/a.service", 7, "a.service"},
		{"/sys/fs/cgroup/gosd.slice", unix.AT_FDCWD, "/sys/fs/cgroup/gosd.slice"},
		{"/sys/fs/cgroup/gosd.slicex/a.service", unix.AT_FDCWD, "/sys/fs/cgroup/gosd.slicex/a.service"},
		{"/proc/1/stat", unix.AT_FDCWD, "/proc/1/stat"},
	} {
		if fd, rel := tr.at(tc.path); fd != tc.fd || rel != tc.rel {
			t.Errorf("at(%q) = %d, %q; want %d, %q", tc.path, fd, rel, tc.fd, tc.rel)
		}
	}
	if fd, rel := (&Tracker{}).at("/sys/fs/cgroup/x"); fd != unix.AT_FDCWD || rel != "/sys/fs/cgroup/x" {
		t.Errorf("without a base descriptor: %d, %q", fd, rel)
	}
}

// TestCgroupPath: a unit's cgroup path and a process's /proc file are
// what filepath.Join gives, for names Join would clean too.
func TestCgroupPath(t *testing.T) {
	for _, base := range []string{"/sys/fs/cgroup/gosd.slice", "/"} {
		tr := &Tracker{mode: ModeCgroup, base: base, baseSlash: base + "/"}
		for _, id := range []string{"a.service", "a@b\\x2fc.service", "a/b.service", "a..service", "", ".", ".."} {
			if got, want := tr.CgroupPath(id), filepath.Join(base, cgroupName(id)); got != want {
				t.Errorf("base %q: CgroupPath(%q) = %q, want %q", base, id, got, want)
			}
		}
	}
	for _, root := range []string{"/", "/tmp/root"} {
		tr := &Tracker{proc: filepath.Join(root, "proc")}
		for _, pid := range []int{1, 4194304, -1} {
			if got, want := tr.procPath(pid, "stat"), filepath.Join(tr.proc, strconv.Itoa(pid), "stat"); got != want {
				t.Errorf("procPath(%d) = %q, want %q", pid, got, want)
			}
		}
	}
}

// TestAdoptInBatch: on a /proc laid out by the test, Adopt within a batch
// puts its process into the batch's reading, which is not read again: a
// process started after the reading, and one the reading saw before it
// left the manager's session, whose new session is then still the
// unit's when the process is gone and a child it left carries it.
func TestAdoptInBatch(t *testing.T) {
	root := t.TempDir()
	put := func(pid, ppid, pgid, sid int) {
		t.Helper()
		dir := filepath.Join(root, "proc", strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := fmt.Sprintf("%d (fake) S %d %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n", pid, ppid, pgid, sid, pid)
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put(1, 0, 1, 1)
	if err := os.Symlink("1", filepath.Join(root, "proc", "self")); err != nil {
		t.Fatal(err)
	}
	tr, err := NewWithOptions(Options{Root: root, ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	// above the kernel's pid limit: never a real process
	const a, b, c, d = 4194401, 4194402, 4194403, 4194404
	put(a, 1, a, a)
	put(b, tr.self, tr.selfPgid, tr.selfSid) // forked, not yet in a session of its own
	end := tr.Batch()
	tr.Adopt("a.service", a, "aaaa")
	if got := tr.Pids("a.service"); !reflect.DeepEqual(got, []int{a}) {
		t.Errorf("a: %v", got)
	}
	put(b, tr.self, b, b) // setsid
	tr.Adopt("b.service", b, "bbbb")
	put(c, tr.self, c, c)
	tr.Adopt("c.service", c, "cccc")
	if got := tr.Pids("b.service"); !reflect.DeepEqual(got, []int{b}) {
		t.Errorf("b: %v", got)
	}
	if got := tr.Pids("c.service"); !reflect.DeepEqual(got, []int{c}) {
		t.Errorf("c, started after the reading: %v", got)
	}
	if tr.reads != 1 {
		t.Errorf("%d readings of /proc in the batch, want 1", tr.reads)
	}
	end()
	// b double-forks: d, in b's session, outlives it.
	if err := os.RemoveAll(filepath.Join(root, "proc", strconv.Itoa(b))); err != nil {
		t.Fatal(err)
	}
	put(d, 1, b, b)
	if got := tr.Pids("b.service"); !reflect.DeepEqual(got, []int{d}) {
		t.Errorf("b after the batch: %v, want its session's %d", got, d)
	}
}

// TestSignalInBatch: a process that forks on SIGTERM, signalled within a
// batch: its child, which the batch's reading of /proc predates, gets the
// SIGTERM at the batch's end, from one more reading; a process the
// manager started for the unit meanwhile (as ExecStopPost=) does not.
func TestSignalInBatch(t *testing.T) {
	needRoot(t)
	tr, err := NewWithOptions(Options{ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, tr, "t.service", "tttt", "termfork")
	p.readPid(t) // SIGTERM is caught
	reads := tr.reads
	end := tr.Batch()
	if got := signalled(tr, "t.service", syscall.SIGTERM); !reflect.DeepEqual(got, []int{p.pid}) {
		t.Errorf("signalled %v, want %d", got, p.pid)
	}
	child := p.readPid(t)
	post := start(t, tr, "t.service", "tttt", "sleep")
	end()
	if n := tr.reads - reads; n != 2 {
		t.Errorf("%d readings of /proc, want 2 (the batch's, one at its end)", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(child) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if alive(child) {
		t.Errorf("child %d forked within the batch not signalled", child)
		syscall.Kill(child, syscall.SIGKILL)
	}
	syscall.Kill(p.pid, syscall.SIGKILL)
	syscall.Kill(post.pid, syscall.SIGKILL)
	if got, want := reap(t, p.pid, child, post.pid), []string{"killed", "terminated", "killed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ends (main, child, post) %v, want %v", got, want)
	}
}

// alive reports whether pid is a process that has not exited.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	st, err := parseStat(pid, b)
	return err == nil && !st.zombie
}

// TestLateSignals: which processes new at a batch's end get which of the
// batch's signals.
func TestLateSignals(t *testing.T) {
	const self = 100
	tr := &Tracker{self: self, selfSid: self, selfPgid: self, batch: 1}
	ps := func(l ...procStat) []procStat { return l }
	st := func(pid, ppid, pgid, sid int) procStat {
		return procStat{pid: pid, ppid: ppid, pgid: pgid, sid: sid, start: uint64(pid)}
	}
	old := ps(
		st(self, 1, self, self),
		st(200, self, 200, 200),   // a's main
		st(201, 200, 201, 200),    // its child, in a group of its own
		st(400, self, 400, 400),   // b's main
		st(300, self, self, self), // c's main, not yet in a session of its own
		st(500, 1, 500, 500),      // no unit's
	)
	tr.snap = newSnapshot(old)
	tr.noteSignal(syscall.SIGTERM, map[int]bool{200: true, 201: true}, nil)
	tr.noteSignal(syscall.SIGKILL, map[int]bool{400: true}, []int{400, 420})
	tr.noteSignal(syscall.SIGINT, map[int]bool{300: true}, nil)
	fresh := newSnapshot(append(slices.Clone(old),
		st(210, 200, 200, 200),    // forked by a's main
		st(211, 210, 211, 211),    // by that child, after setsid
		st(220, 1, 220, 200),      // orphaned, in a's session
		st(230, 1, 201, 230),      // orphaned, in the group of a's child
		st(240, self, 240, 240),   // the manager's, in a session of its own
		st(250, self, self, self), // the manager's, not yet
		st(260, 999, 260, 260),    // parent gone, no group of a unit's
		st(410, 400, 400, 400),    // forked by b's main, spared itself
		st(420, 400, 400, 400),    // forked by b's main, spared by the caller
		st(310, 300, 310, 310),    // forked by c's main, after setsid
		st(510, 500, 500, 500),    // no unit's
	))
	got := tr.lateSignals(tr.snap, fresh)
	want := []lateSignal{{210, syscall.SIGTERM}, {211, syscall.SIGTERM}, {220, syscall.SIGTERM},
		{230, syscall.SIGTERM}, {410, syscall.SIGKILL}, {310, syscall.SIGINT}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestPrepareWhileRemovalPending: a unit prepared again while its old
// cgroup's removal waits for a retry gets a cgroup its next process can
// be started in, whatever the retries do meanwhile.
func TestPrepareWhileRemovalPending(t *testing.T) {
	needRoot(t)
	tr := cgroupTracker(t)
	const unit = "p.service"
	old := start(t, tr, unit, "pppp", "sleep")
	tr.Release(unit) // busy: its removal is retried
	firstAttempt(t, tr, unit)
	cg, err := tr.Prepare(unit)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	syscall.Kill(old.pid, syscall.SIGKILL)
	reap(t, old.pid)
	// Let the remover's armed retry run, then retry once more ourselves.
	time.Sleep(2 * sweepEvery)
	tr.Flush(0)
	self, _ := os.Executable()
	pid, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2},
		Sys: &syscall.SysProcAttr{Setsid: true, UseCgroupFD: true, CgroupFD: int(cg.Fd())}})
	if err != nil {
		t.Fatalf("starting in the prepared cgroup: %v", err)
	}
	if got := tr.Pids(unit); !reflect.DeepEqual(got, []int{pid}) {
		t.Errorf("cgroup holds %v, want %d", got, pid)
	}
	tr.Signal(unit, syscall.SIGKILL)
	reap(t, pid)
	tr.Release(unit)
	if left := tr.Flush(10 * time.Second); left != 0 {
		t.Errorf("%d removals pending", left)
	}
}

// TestSubCgroups: a process a unit moved into a cgroup of its own below
// the unit's (as a delegated unit does) is listed, signalled (SIGTERM,
// not only cgroup.kill's SIGKILL), and its cgroup removed with the
// unit's once it is reaped.
func TestSubCgroups(t *testing.T) {
	needRoot(t)
	tr := cgroupTracker(t)
	const unit = "d.service"
	top := start(t, tr, unit, "dddd", "sleep")
	moved := start(t, tr, unit, "dddd", "sleep")
	sub := filepath.Join(tr.CgroupPath(unit), "payload", "inner")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "cgroup.procs"), []byte(strconv.Itoa(moved.pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	if !tr.hasChildren(tr.CgroupPath(unit)) || tr.hasChildren(sub) {
		t.Errorf("hasChildren: unit %v, leaf %v", tr.hasChildren(tr.CgroupPath(unit)), tr.hasChildren(sub))
	}
	if got := tr.Pids(unit); !reflect.DeepEqual(got, sorted(top.pid, moved.pid)) {
		t.Errorf("Pids %v, want %v", got, sorted(top.pid, moved.pid))
	}
	if got := signalled(tr, unit, syscall.SIGTERM); !reflect.DeepEqual(got, sorted(top.pid, moved.pid)) {
		t.Errorf("SIGTERM reached %v", got)
	}
	if got := reap(t, top.pid, moved.pid); !reflect.DeepEqual(got, []string{"terminated", "terminated"}) {
		t.Errorf("ended %v", got)
	}
	tr.Release(unit)
	if left := tr.Flush(10 * time.Second); left != 0 {
		t.Errorf("%d removals pending", left)
	}
	if _, err := os.Stat(tr.CgroupPath(unit)); !os.IsNotExist(err) {
		t.Errorf("cgroup with sub-cgroups kept: %v", err)
	}
}

// TestReleaseThenPrepare: a unit stopped and started again at once (its
// cgroup's removal, on the remover goroutine, racing the new start) always
// gets a cgroup its process can be started in, and keeps it. A Prepare
// during the rmdir itself is rare here: TestPrepareWaitsForRemoval makes
// that case sure.
func TestReleaseThenPrepare(t *testing.T) {
	needRoot(t)
	tr := cgroupTracker(t)
	const unit = "again.service"
	for i := range 200 {
		tr.Release(unit)
		// a varying head start for the remover: the Prepare comes before
		// its look or after its removal
		for end := time.Now().Add(time.Duration(i%20) * 10 * time.Microsecond); time.Now().Before(end); {
			runtime.Gosched()
		}
		cg, err := tr.Prepare(unit)
		if err != nil {
			t.Fatal(err)
		}
		err = runIn(t, cg)
		cg.Close()
		if err != nil {
			t.Fatalf("round %d: starting in the prepared cgroup: %v", i, err)
		}
	}
	tr.Flush(time.Second)
	if _, err := os.Stat(tr.CgroupPath(unit)); err != nil {
		t.Errorf("cgroup of the prepared unit removed: %v", err)
	}
	tr.Release(unit)
	if left := tr.Flush(10 * time.Second); left != 0 {
		t.Errorf("%d removals pending", left)
	}
}

// runIn runs /bin/true in cg, a cgroup directory Prepare returned, and
// reaps it.
func runIn(t *testing.T, cg *os.File) error {
	t.Helper()
	pid, err := syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{
		Sys: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}})
	if err == nil {
		reap(t, pid)
	}
	return err
}

// TestPrepareWaitsForRemoval: a Prepare that comes while the remover's
// rmdir of the unit's cgroup is under way waits for it, then makes the
// cgroup anew (it would otherwise open the directory the rmdir is about
// to take away).
func TestPrepareWaitsForRemoval(t *testing.T) {
	needRoot(t)
	tr := cgroupTracker(t)
	const unit = "w.service"
	cg, err := tr.Prepare(unit)
	if err != nil {
		t.Fatal(err)
	}
	cg.Close()
	inRemoval, proceed := make(chan string), make(chan struct{})
	var release sync.Once
	t.Cleanup(func() { release.Do(func() { close(proceed) }) }) // before the tracker's
	tr.beforeRemove = func(p string) { inRemoval <- p; <-proceed }
	tr.Release(unit)
	if p := <-inRemoval; p != tr.CgroupPath(unit) {
		t.Fatalf("removing %s", p)
	}
	prepared := make(chan *os.File)
	go func() {
		cg, err := tr.Prepare(unit)
		if err != nil {
			t.Error(err)
		}
		prepared <- cg
	}()
	select {
	case cg := <-prepared:
		cg.Close()
		t.Fatal("Prepare returned while the removal was under way")
	case <-time.After(50 * time.Millisecond):
	}
	release.Do(func() { close(proceed) })
	cg = <-prepared
	tr.beforeRemove = nil
	defer cg.Close()
	if err := runIn(t, cg); err != nil {
		t.Fatalf("starting in the cgroup prepared after the removal: %v", err)
	}
	tr.Release(unit)
	if left := tr.Flush(10 * time.Second); left != 0 {
		t.Errorf("%d removals pending", left)
	}
}

// TestAlive: a running process is alive; a zombie, whose /proc entry is
// still there, is not; nor is a pid that is gone.
func TestAlive(t *testing.T) {
	tr, err := NewWithOptions(Options{ProcessGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if !tr.Alive(os.Getpid()) {
		t.Fatal("the test process is not alive")
	}
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Skip(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tr.Alive(p.Pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still alive after it exited", p.Pid)
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(p.Pid)); err != nil {
		t.Fatalf("the zombie's /proc entry: %v", err)
	}
	p.Wait()
	if tr.Alive(p.Pid) {
		t.Errorf("pid %d alive after it was reaped", p.Pid)
	}
}

// TestOwnCgroup: the directory OwnCgroup finds is the one whose
// cgroup.procs lists the test process.
func TestOwnCgroup(t *testing.T) {
	_, own, err := OwnCgroup("/")
	if err != nil {
		t.Skipf("no cgroup v2 directory of our own: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(own, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Fields(string(b)), strconv.Itoa(os.Getpid())) {
		t.Errorf("%s/cgroup.procs does not list pid %d", own, os.Getpid())
	}
}

// TestOwnCgroupMounts: OwnCgroup picks the cgroup2 mount that holds the
// process's cgroup, from made-up /proc/self files below a root.
func TestOwnCgroupMounts(t *testing.T) {
	const v1 = "30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	for _, tc := range []struct {
		name, cgroup, mountinfo string
		mount, dir              string // below the root; "" for an error
	}{
		{"whole hierarchy", "0::/a/b\n", v1 + "31 25 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n",
			"/sys/fs/cgroup", "/sys/fs/cgroup/a/b"},
		{"mount of a sub-tree", "0::/ab/c\n", "31 25 0:27 /a /other rw - cgroup2 cgroup2 rw\n32 25 0:27 /ab /mnt/cg rw - cgroup2 cgroup2 rw\n",
			"/mnt/cg", "/mnt/cg/c"},
		{"escaped mount point", "0::/\n", `31 25 0:27 / /mnt/c\040g rw shared:9 - cgroup2 cgroup2 rw` + "\n",
			"/mnt/c g", "/mnt/c g"},
		{"read-only", "0::/a\n", "31 25 0:27 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n", "", ""},
		{"deleted", "0::/a (deleted)\n", "31 25 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "", ""},
		{"cgroup v1 only", "4:memory:/a\n", v1, "", ""},
		{"not mounted", "0::/a\n", v1, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			self := filepath.Join(root, "proc/self")
			os.MkdirAll(self, 0o755)
			os.WriteFile(filepath.Join(self, "cgroup"), []byte(tc.cgroup), 0o644)
			os.WriteFile(filepath.Join(self, "mountinfo"), []byte(tc.mountinfo), 0o644)
			mount, dir, err := OwnCgroup(root)
			if tc.dir == "" {
				if err == nil {
					t.Errorf("OwnCgroup: %s, %s, want an error", mount, dir)
				}
				return
			}
			if err != nil || mount != filepath.Join(root, tc.mount) || dir != filepath.Join(root, tc.dir) {
				t.Errorf("OwnCgroup: %q, %q, %v; want %q, %q below the root", mount, dir, err, tc.mount, tc.dir)
			}
		})
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		"/sys/fs/cgroup":      "/sys/fs/cgroup",
		`/mnt/a\040b`:         "/mnt/a b",
		`/mnt/tab\011\134end`: "/mnt/tab\t\\end",
		`/mnt/short\04`:       `/mnt/short\04`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestClaim: a daemon that left the unit's session with an empty
// environment, whose starter is gone (pg_ctlcluster's postgres), may be
// claimed as the unit's main process when a PID file names it: it is an
// orphan started since the unit's spawn. An older process is not, nor is
// one that another unit holds.
func TestClaim(t *testing.T) {
	needRoot(t)
	self, _ := os.Executable()
	for mode, tr := range trackers(t) {
		t.Run(mode, func(t *testing.T) {
			older, err := syscall.ForkExec(self, []string{"sleep"}, &syscall.ProcAttr{Env: []string{}, Files: []uintptr{0, 1, 2}})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { syscall.Kill(older, syscall.SIGKILL); reap(t, older) }()
			time.Sleep(30 * time.Millisecond) // start times count in clock ticks
			unit := "claim-" + mode + ".service"
			p := start(t, tr, unit, "claim", "daemon", "clearenv", "now")
			daemon := p.readPid(t)
			reap(t, p.pid)
			defer func() { syscall.Kill(daemon, syscall.SIGKILL); reap(t, daemon) }()
			if tr.Claim(unit, older) {
				t.Errorf("Claim(%s, older process %d) = true", unit, older)
			}
			if !tr.Claim(unit, daemon) {
				t.Fatalf("Claim(%s, daemon %d) = false", unit, daemon)
			}
			if of := tr.UnitOf(daemon); of != unit {
				t.Errorf("UnitOf(%d) = %q after the claim", daemon, of)
			}
			if got := tr.Pids(unit); !slices.Contains(got, daemon) {
				t.Errorf("Pids %v lacks the claimed %d", got, daemon)
			}
			time.Sleep(30 * time.Millisecond)
			other := "claim-other-" + mode + ".service"
			q := start(t, tr, other, "claimo", "forker")
			child := q.readPid(t)
			defer func() {
				syscall.Kill(child, syscall.SIGKILL)
				syscall.Kill(q.pid, syscall.SIGKILL)
				reap(t, q.pid, child)
			}()
			if tr.Claim(other, daemon) {
				t.Errorf("Claim(%s, %d): another unit's process", other, daemon)
			}
			if !tr.Claim(other, child) {
				t.Errorf("Claim(%s, its child %d) = false", other, child)
			}
			tr.Release(unit)
			tr.Release(other)
		})
	}
}

// TestInvocationEmptyNotKept: an environment read empty (a process inside
// execve shows none) is read again, the next time, under the same pid and
// start time; one read with variables is kept.
func TestInvocationEmptyNotKept(t *testing.T) {
	proc := t.TempDir()
	dir := filepath.Join(proc, "4242")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "environ")
	os.WriteFile(env, nil, 0o644)
	tr := &Tracker{proc: proc, envCache: map[procKey]string{}}
	st := procStat{pid: 4242, start: 7}
	if got := tr.invocation(st); got != "" {
		t.Fatalf("empty environment: %q", got)
	}
	os.WriteFile(env, []byte("PATH=/bin\x00INVOCATION_ID=abc\x00"), 0o644)
	if got := tr.invocation(st); got != "abc" {
		t.Fatalf("after exec: %q, want abc (the empty read was kept)", got)
	}
	os.WriteFile(env, []byte("PATH=/bin\x00"), 0o644)
	if got := tr.invocation(st); got != "abc" {
		t.Fatalf("a read with variables is kept: %q", got)
	}
}
