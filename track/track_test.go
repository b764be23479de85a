package track

import (
	"bufio"
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
	"time"

	"golang.org/x/sys/unix"
)

// The test binary plays the unit processes, by argv[0]: "sleep" sleeps;
// "forker" starts a sleeping child and sleeps; "daemon" double-forks like
// a classic daemon: it starts "daemon-mid" in a new session, which starts
// a sleeper in that session, prints the sleeper's pid and exits when its
// standard input ends (at once with "now"); with "clearenv" the sleeper
// gets an empty environment.
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
		t.Cleanup(func() { cg.Close(); syscall.Rmdir(cg.base) })
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

// start starts the test binary as name in a new session (as spawn does),
// in the unit's cgroup when there is one, with the unit's INVOCATION_ID.
func start(t *testing.T, tr *Tracker, unit, invocation string, argv ...string) *proc {
	t.Helper()
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
			if got := tr.Signal("a.service", syscall.SIGKILL, a.pid); !reflect.DeepEqual(got, []int{child}) {
				t.Errorf("SIGKILL except main: %v, want %v", got, []int{child})
			}
			waitZombie(t, child)
			// With cgroups the zombie child may still be listed (and is
			// then signalled, to no effect).
			got := tr.Signal("a.service", syscall.SIGTERM)
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
			if got := tr.Signal("b.service", syscall.SIGKILL); !reflect.DeepEqual(got, []int{b.pid}) {
				t.Errorf("b: %v", got)
			}
			reap(t, b.pid)
			tr.Release("b.service")
			if mode == ModeCgroup {
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
					if sig := tr.Signal(unit, syscall.SIGKILL); !reflect.DeepEqual(sig, []int{sleeper}) {
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

// TestReleaseKeepsPopulated: a cgroup with processes stays.
func TestReleaseKeepsPopulated(t *testing.T) {
	needRoot(t)
	tr := trackers(t)[ModeCgroup]
	if tr == nil {
		t.Skip("no cgroup mode")
	}
	p := start(t, tr, "r.service", "rrrr", "sleep")
	tr.Release("r.service")
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
// when cgroup.stat counts descendants.
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
	write("cgroup.stat", "nr_descendants 0\nnr_dying_descendants 0\n")
	write("sub/cgroup.procs", "9\n")
	write("sub/cgroup.stat", "nr_descendants 0\n")
	if got := tr.cgroupPids(dir, false); got != nil {
		t.Errorf("unpopulated: %v, want none", got)
	}
	write("cgroup.events", "populated 1\nfrozen 0\n")
	write("cgroup.procs", "0\n12\n0\n7\n")
	if got := tr.cgroupPids(dir, false); !reflect.DeepEqual(got, []int{7, 12}) {
		t.Errorf("populated: %v, want [7 12]", got)
	}
	write("cgroup.stat", "nr_descendants 1\nnr_dying_descendants 0\n")
	if got := tr.cgroupPids(dir, false); !reflect.DeepEqual(got, []int{7, 9, 12}) {
		t.Errorf("with a sub-cgroup: %v, want [7 9 12]", got)
	}
	if got := (&Tracker{}).cgroupKeyValue(filepath.Join(dir, "missing"), "populated"); got != 0 {
		t.Errorf("missing file: %d", got)
	}
}

// TestBatch: in the process-group mode, the looks at several units
// within one Batch share one reading of /proc and find the same
// processes as separate readings; Adopt starts a new reading (its
// process is not in the old one); after the batch each look reads anew.
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
	if n := tr.reads - reads; n != 2 {
		t.Errorf("%d readings after Adopt, want 2", n)
	}
	end()
	tr.Pids("a.service")
	tr.Pids("b.service")
	if n := tr.reads - reads; n != 4 {
		t.Errorf("%d readings after the batch, want 4", n)
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
		Env: []string{"INVOCATION_ID=gone1"}, Files: []uintptr{0, ow.Fd(), 2}, Sys: &syscall.SysProcAttr{Setsid: true}})
	ow.Close()
	if err != nil {
		t.Fatal(err)
	}
	daemon := (&proc{out: bufio.NewReader(or)}).readPid(t)
	reap(t, pid)
	tr.Adopt("g.service", pid, "gone1")
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
	tr := &Tracker{base: "/sys/fs/cgroup/gosd.slice", baseFd: 7, baseOpen: true}
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
