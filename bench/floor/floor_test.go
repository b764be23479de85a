package floor

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/bench/unitgraph"
	"github.com/gosd/gosd/track"
)

// The test binary impersonates the services: run with a first argument
// "gosd-floor-role:ROLE", it acts as that service instead of running tests.
func TestMain(m *testing.M) {
	if len(os.Args) < 2 || !strings.HasPrefix(os.Args[1], "gosd-floor-role:") {
		os.Exit(m.Run())
	}
	switch strings.TrimPrefix(os.Args[1], "gosd-floor-role:") {
	case "notify":
		// A notify service: READY=1 from the main process, then idle.
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
		if err != nil {
			os.Exit(2)
		}
		to := &unix.SockaddrUnix{Name: os.Getenv("NOTIFY_SOCKET")}
		if err := unix.Sendto(fd, []byte("STATUS=up\nREADY=1\n"), 0, to); err != nil {
			os.Exit(3)
		}
		// Then a barrier, as systemd-notify sends: the manager must close
		// the pipe's write end it receives. Success leaves a file in the
		// directory named by the second argument.
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			os.Exit(5)
		}
		if err := unix.Sendmsg(fd, []byte("BARRIER=1"), unix.UnixRights(p[1]), to, 0); err != nil {
			os.Exit(6)
		}
		unix.Close(p[1])
		pfd := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}
		if n, _ := unix.Poll(pfd, 5000); n != 1 || pfd[0].Revents&unix.POLLHUP == 0 {
			os.Exit(7)
		}
		os.WriteFile(filepath.Join(os.Args[2], fmt.Sprintf("barrier-%d", os.Getpid())), nil, 0o644)
		idle()
	case "term-after":
		// Exits 0 the given time after SIGTERM; once it is ready for the
		// signal, it leaves a file in the directory named by the third
		// argument.
		delay, err := time.ParseDuration(os.Args[2])
		if err != nil {
			os.Exit(2)
		}
		term := make(chan os.Signal, 1)
		signal.Notify(term, unix.SIGTERM)
		os.WriteFile(filepath.Join(os.Args[3], fmt.Sprintf("ready-%d", os.Getpid())), nil, 0o644)
		<-term
		time.Sleep(delay)
		os.Exit(0)
	case "ignore-term":
		// Ignores SIGTERM; ready as term-after.
		signal.Ignore(unix.SIGTERM)
		os.WriteFile(filepath.Join(os.Args[2], fmt.Sprintf("ready-%d", os.Getpid())), nil, 0o644)
		idle()
	case "crash-once":
		// Exits 1 the first time (while the marker file is missing), then
		// idles. The marker holds its /proc/self/cgroup: it may be reaped
		// before its spawn is reported (TestRunCgroups).
		marker := os.Args[2]
		if _, err := os.Stat(marker); err != nil {
			cg, _ := os.ReadFile("/proc/self/cgroup")
			os.WriteFile(marker, cg, 0o644)
			os.Exit(1)
		}
		idle()
	}
	os.Exit(4)
}

// idle waits for the signal that stops the service.
func idle() {
	for {
		time.Sleep(time.Hour)
	}
}

// events collects what Run reports; OnEvent runs on Run's loop goroutine,
// and the test reads the slice only after Run returned.
type events []Event

func (e *events) add(ev Event) { *e = append(*e, ev) }

func (e events) index(unit string, k EventKind) int {
	return slices.IndexFunc(e, func(ev Event) bool { return ev.Unit == unit && ev.Kind == k })
}

func (e events) count(unit string, k EventKind) int {
	n := 0
	for _, ev := range e {
		if ev.Unit == unit && ev.Kind == k {
			n++
		}
	}
	return n
}

// testGraph is a small generated graph whose helper commands are replaced
// by commands that exist outside the benchmark's root.
func testGraph(t *testing.T, kind unitgraph.Kind, self, dir string) *unitgraph.Graph {
	t.Helper()
	g, err := unitgraph.Generate(unitgraph.Spec{Kind: kind, Units: 12, Layers: 4, Fanin: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range g.Units {
		u := &g.Units[i]
		switch {
		case u.Restart:
			u.Argv = []string{self, "gosd-floor-role:crash-once", filepath.Join(dir, "crashed")}
		case u.Name == unitgraph.FinalName:
			u.Argv = []string{"/bin/sh", "-c", "echo done > " + filepath.Join(dir, "done")}
		case u.Kind.Notifies():
			u.Argv = []string{self, "gosd-floor-role:notify", dir}
		}
	}
	return g
}

// TestRunOrder runs each shape of graph and checks what a service manager
// must also guarantee: a unit is spawned only after everything it
// requires has started, everything starts, the final unit runs, the
// restart unit is spawned again after it crashes, and stopping leaves no
// process behind.
func TestRunOrder(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []unitgraph.Kind{unitgraph.Oneshot, unitgraph.Simple, unitgraph.Notify, unitgraph.NotifyDaemon} {
		t.Run(string(kind), func(t *testing.T) {
			dir := t.TempDir()
			g := testGraph(t, kind, self, dir)
			var ev events
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			env := []string{"PATH=/usr/bin:/bin"}
			go func() {
				errc <- Run(ctx, g, Options{
					Jobs: 3, Env: env, NotifySocket: filepath.Join(dir, "notify"),
					OnEvent: ev.add, StopTimeout: 10 * time.Second,
				})
			}()
			waitFile(t, filepath.Join(dir, "done"))
			// Let the restart unit come back after its crash before stopping.
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(filepath.Join(dir, "crashed")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the restart unit never ran")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if kind.Notifies() {
				// Every notify unit's barrier must have been answered.
				for {
					m, _ := filepath.Glob(filepath.Join(dir, "barrier-*"))
					if len(m) == g.Spec.Units {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d of %d notify units saw their barrier answered", len(m), g.Spec.Units)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			time.Sleep(200 * time.Millisecond)
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after its context was cancelled")
			}

			for _, u := range g.Units {
				if u.Kind == unitgraph.Target {
					if ev.index(u.Name, Started) < 0 {
						t.Errorf("%s never reached", u.Name)
					}
					continue
				}
				sp := ev.index(u.Name, Spawned)
				if sp < 0 {
					t.Errorf("%s never spawned", u.Name)
					continue
				}
				if ev.index(u.Name, Started) < 0 {
					t.Errorf("%s never started", u.Name)
				}
				if i := ev.index(u.Name, Failed); i >= 0 {
					t.Errorf("%s failed: %v", u.Name, ev[i].Err)
				}
				for _, d := range u.Requires {
					if st := ev.index(d, Started); st < 0 || st > sp {
						t.Errorf("%s spawned (event %d) before %s started (event %d)", u.Name, sp, d, st)
					}
				}
				if ev.count(u.Name, Spawned) != ev.count(u.Name, Exited) {
					t.Errorf("%s: %d spawns, %d exits", u.Name, ev.count(u.Name, Spawned), ev.count(u.Name, Exited))
				}
			}
			if n := ev.count(unitgraph.RestartName, Spawned); n != 2 {
				t.Errorf("%s spawned %d times, want 2 (crash, then restart)", unitgraph.RestartName, n)
			}
			if _, err := unix.Wait4(-1, nil, unix.WNOHANG, nil); err != unix.ECHILD {
				t.Errorf("children left after Run returned (wait4: %v)", err)
			}
		})
	}
}

// TestRunFailure: a oneshot that fails stops everything that requires it,
// and only that.
func TestRunFailure(t *testing.T) {
	g := &unitgraph.Graph{Units: []unitgraph.Unit{
		{Name: "bad.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/false"}},
		{Name: "good.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
		{Name: "needs-bad.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}, Requires: []string{"bad.service"}},
		{Name: "needs-good.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}, Requires: []string{"good.service"}},
	}}
	var ev events
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, g, Options{OnEvent: ev.add}) }()
	time.Sleep(500 * time.Millisecond)
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if ev.index("bad.service", Failed) < 0 {
		t.Error("bad.service did not fail")
	}
	if ev.index("needs-bad.service", Spawned) >= 0 {
		t.Error("needs-bad.service was spawned although bad.service failed")
	}
	if ev.index("needs-good.service", Started) < 0 {
		t.Error("needs-good.service did not start")
	}
}

// TestRunRejectsBadGraph: Run checks the graph before it spawns anything
// and says what is wrong with it.
func TestRunRejectsBadGraph(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		g          unitgraph.Graph
	}{
		{"requirement later", "a.service requires b.service, which does not come before it", unitgraph.Graph{Units: []unitgraph.Unit{
			{Name: "a.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}, Requires: []string{"b.service"}},
			{Name: "b.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
		}}},
		{"duplicate", "a.service twice", unitgraph.Graph{Units: []unitgraph.Unit{
			{Name: "a.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
			{Name: "a.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
		}}},
		{"notify without socket", "NotifySocket is empty", unitgraph.Graph{Units: []unitgraph.Unit{
			{Name: "a.service", Kind: unitgraph.Notify, Argv: []string{"/bin/true"}},
		}}},
		{"no command", "b.service has no command", unitgraph.Graph{Units: []unitgraph.Unit{
			{Name: "a.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
			{Name: "b.service", Kind: unitgraph.Simple},
		}}},
		{"empty command", "c.service has no command", unitgraph.Graph{Units: []unitgraph.Unit{
			{Name: "a.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
			{Name: "c.service", Kind: unitgraph.Oneshot, Argv: []string{}, Requires: []string{"a.service"}},
		}}},
		{"name no cgroup can have", "x/y.service cannot name a cgroup directory", unitgraph.Graph{Units: []unitgraph.Unit{
			{Name: "a.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
			{Name: "x/y.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}},
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev events
			err := Run(context.Background(), &tc.g, Options{OnEvent: ev.add, Cgroups: "/nonexistent"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want an error saying %q", err, tc.want)
			}
			if len(ev) > 0 {
				t.Errorf("Run acted on a graph it rejected: %+v", ev)
			}
		})
	}
}

// requirersOf maps each unit to the units with a process that require
// it, directly or through targets (which have none): in an ordered stop
// each of those must be gone before the unit is signalled.
func requirersOf(g *unitgraph.Graph) map[string][]string {
	direct := map[string][]string{}
	kind := map[string]unitgraph.Kind{}
	for _, u := range g.Units {
		kind[u.Name] = u.Kind
		for _, r := range u.Requires {
			direct[r] = append(direct[r], u.Name)
		}
	}
	var through func(name string, out *[]string)
	through = func(name string, out *[]string) {
		for _, d := range direct[name] {
			if kind[d] == unitgraph.Target {
				through(d, out)
			} else {
				*out = append(*out, d)
			}
		}
	}
	req := map[string][]string{}
	for _, u := range g.Units {
		var out []string
		through(u.Name, &out)
		req[u.Name] = out
	}
	return req
}

// stopOrderViolations lists the units among names that exited before a
// unit requiring them (directly or through targets) did, by the order of
// the Exited events in ev.
func stopOrderViolations(g *unitgraph.Graph, ev events, names []string) []string {
	var out []string
	req := requirersOf(g)
	for _, u := range names {
		x := ev.last(u, Exited)
		if x < 0 {
			continue
		}
		for _, d := range req[u] {
			if y := ev.last(d, Exited); y > x {
				out = append(out, fmt.Sprintf("%s exited (event %d) before %s, which requires it (event %d)", u, x, d, y))
			}
		}
	}
	return out
}

func (e events) last(unit string, k EventKind) int {
	for i, ev := range slices.Backward(e) {
		if ev.Unit == unit && ev.Kind == k {
			return i
		}
	}
	return -1
}

// TestStopOrderViolations: the check TestRunOrderedStop relies on finds
// a unit stopped too early, also through a target.
func TestStopOrderViolations(t *testing.T) {
	g := &unitgraph.Graph{Units: []unitgraph.Unit{
		{Name: "a.service", Kind: unitgraph.Simple},
		{Name: "b.service", Kind: unitgraph.Simple, Requires: []string{"a.service"}},
		{Name: "t.target", Kind: unitgraph.Target, Requires: []string{"b.service"}},
		{Name: "c.service", Kind: unitgraph.Simple, Requires: []string{"t.target"}},
	}}
	exits := func(names ...string) events {
		var ev events
		for _, n := range names {
			ev = append(ev, Event{Unit: n, Kind: Exited})
		}
		return ev
	}
	all := []string{"a.service", "b.service", "c.service"}
	for _, tc := range []struct {
		name  string
		ev    events
		wrong int
	}{
		{"in order", exits("c.service", "b.service", "a.service"), 0},
		{"requirement first", exits("c.service", "a.service", "b.service"), 1},
		{"through a target", exits("b.service", "c.service", "a.service"), 1},
		{"reversed", exits("a.service", "b.service", "c.service"), 2},
	} {
		if v := stopOrderViolations(g, tc.ev, all); len(v) != tc.wrong {
			t.Errorf("%s: %d violations, want %d: %q", tc.name, len(v), tc.wrong, v)
		}
	}
}

// runUntil runs g until until(events so far) holds (and, if dir is
// set, n processes have left their ready file in dir), then cancels Run
// and returns its events once it returned. opt.OnEvent, if set, is
// called for each event too.
func runUntil(t *testing.T, g *unitgraph.Graph, opt Options, until func(events) bool, dir string, n int) events {
	t.Helper()
	var ev events
	up := make(chan struct{})
	hook := opt.OnEvent
	opt.OnEvent = func(e Event) {
		ev.add(e)
		if hook != nil {
			hook(e)
		}
		if up != nil && until(ev) {
			close(up)
			up = nil
		}
	}
	wait := up // up is the loop goroutine's from here
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, g, opt) }()
	stop := func(format string, args ...any) {
		t.Helper()
		cancel()
		<-errc
		t.Fatalf(format, args...)
	}
	select {
	case <-wait:
	case err := <-errc:
		t.Fatalf("Run returned before the units were up: %v", err)
	case <-time.After(20 * time.Second):
		stop("the units were still not up after 20 s")
	}
	for deadline := time.Now().Add(20 * time.Second); dir != ""; time.Sleep(5 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "ready-*")); len(m) == n {
			break
		}
		if time.Now().After(deadline) {
			stop("fewer than %d processes ready for SIGTERM", n)
		}
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if _, err := unix.Wait4(-1, nil, unix.WNOHANG, nil); err != unix.ECHILD {
		t.Errorf("children left after Run returned (wait4: %v)", err)
	}
	return ev
}

// have is true of events once every unit in want had the event given
// for it.
func have(want map[string]EventKind) func(events) bool {
	return func(ev events) bool {
		for u, k := range want {
			if ev.index(u, k) < 0 {
				return false
			}
		}
		return true
	}
}

// TestRunOrderedStop: with OrderedStop, no unit exits before a unit
// that requires it, directly or through a target, as systemd stops
// them; units that never ran hold nothing back. The units that require
// others take longer to exit after SIGTERM than those they require, so
// signalling all at once would break the order.
func TestRunOrderedStop(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	svc := func(name, delay string, requires ...string) unitgraph.Unit {
		return unitgraph.Unit{Name: name, Kind: unitgraph.Simple, Requires: requires,
			Argv: []string{self, "gosd-floor-role:term-after", delay, dir}}
	}
	g := &unitgraph.Graph{Units: []unitgraph.Unit{
		svc("a.service", "0s"),
		{Name: "bad.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/false"}},
		svc("b.service", "50ms", "a.service"),
		svc("c.service", "50ms", "a.service"),
		svc("late.service", "0s", "a.service", "bad.service"), // never runs
		{Name: "mid.target", Kind: unitgraph.Target, Requires: []string{"b.service", "c.service"}},
		svc("d.service", "150ms", "mid.target"),
		svc("top.service", "100ms", "d.service", "b.service"),
		{Name: "done.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/true"}, Requires: []string{"mid.target"}},
	}}
	simple := []string{"a.service", "b.service", "c.service", "d.service", "top.service"}
	want := map[string]EventKind{"bad.service": Failed, "done.service": Started}
	for _, n := range simple {
		want[n] = Started
	}
	ev := runUntil(t, g, Options{Env: []string{"PATH=/usr/bin:/bin"}, OrderedStop: true, StopTimeout: 30 * time.Second}, have(want), dir, len(simple))

	for _, v := range stopOrderViolations(g, ev, simple) {
		t.Error(v)
	}
	for _, n := range simple {
		i := ev.last(n, Exited)
		if i < 0 {
			t.Errorf("%s never exited", n)
			continue
		}
		// Exit status 0: the process ended on SIGTERM, not on SIGKILL.
		if st := ev[i].Status; !st.Exited() || st.ExitStatus() != 0 {
			t.Errorf("%s ended with %s, want exit status 0 after SIGTERM", n, describe(st))
		}
	}
	if ev.index("late.service", Spawned) >= 0 {
		t.Error("late.service was spawned although bad.service failed")
	}
}

// TestRunOrderedStopKill: a unit that ignores SIGTERM holds back the
// units it requires until StopTimeout, when everything left gets SIGKILL.
func TestRunOrderedStopKill(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	g := &unitgraph.Graph{Units: []unitgraph.Unit{
		{Name: "a.service", Kind: unitgraph.Simple, Argv: []string{self, "gosd-floor-role:term-after", "0s", dir}},
		{Name: "stubborn.service", Kind: unitgraph.Simple, Requires: []string{"a.service"},
			Argv: []string{self, "gosd-floor-role:ignore-term", dir}},
	}}
	want := map[string]EventKind{"a.service": Started, "stubborn.service": Started}
	ev := runUntil(t, g, Options{OrderedStop: true, StopTimeout: 300 * time.Millisecond}, have(want), dir, 2)
	for _, n := range []string{"a.service", "stubborn.service"} {
		i := ev.last(n, Exited)
		if i < 0 {
			t.Errorf("%s never exited", n)
		} else if st := ev[i].Status; !st.Signaled() || st.Signal() != unix.SIGKILL {
			t.Errorf("%s ended with %s, want signal SIGKILL", n, describe(st))
		}
	}
}

// TestRunCgroups: with Cgroups, each process runs in a cgroup of its own
// named after its unit, below the directory given, and none of those
// directories is left after Run returns (the restart unit's is made
// again for its second process). Needs root and a writable cgroup v2
// hierarchy holding the test's cgroup. Also where a process joins its
// cgroup after the fork (where clone3 is missing).
func TestRunCgroups(t *testing.T) {
	t.Run("clone3", func(t *testing.T) { testRunCgroups(t, false) })
	t.Run("join after fork", func(t *testing.T) { testRunCgroups(t, true) })
}

func testRunCgroups(t *testing.T, late bool) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates cgroups")
	}
	_, own, err := track.OwnCgroup("/")
	if err != nil {
		t.Skipf("no cgroup v2 directory of our own: %v", err)
	}
	base := filepath.Join(own, fmt.Sprintf("gosd-floor-test-%d", os.Getpid()))
	if err := os.Mkdir(base, 0o755); err != nil {
		t.Skipf("cannot create a cgroup under our own: %v", err)
	}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			if e.IsDir() {
				os.Remove(filepath.Join(base, e.Name()))
			}
		}
		if err := os.Remove(base); err != nil {
			t.Errorf("removing the test's cgroup: %v", err)
		}
	})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sleep := []string{"/bin/sleep", "infinity"}
	g := &unitgraph.Graph{Units: []unitgraph.Unit{
		{Name: "restart.service", Kind: unitgraph.Simple, Restart: true, Argv: []string{self, "gosd-floor-role:crash-once", filepath.Join(dir, "crashed")}},
		{Name: "a.service", Kind: unitgraph.Simple, Argv: sleep},
		{Name: "b.service", Kind: unitgraph.Simple, Argv: sleep, Requires: []string{"a.service"}},
		{Name: "c.service", Kind: unitgraph.Simple, Argv: sleep, Requires: []string{"a.service"}},
		{Name: "t.target", Kind: unitgraph.Target, Requires: []string{"b.service", "c.service"}},
		// a oneshot may be reaped before its Spawned event is handled:
		// it writes down its own cgroup
		{Name: "done.service", Kind: unitgraph.Oneshot, Argv: []string{"/bin/sh", "-c", "cat /proc/self/cgroup > " + filepath.Join(dir, "done.cgroup")}, Requires: []string{"t.target"}},
	}}

	// The cgroup each process was in, as the kernel names it (relative to
	// the hierarchy's root): read when its spawn is reported or, for a
	// process that may have been reaped by then (the oneshot, the restart
	// unit's first run), from the file where it wrote down its own (read
	// after Run).
	type spawn struct{ unit, cgroup, file string }
	var spawns []spawn
	read := func(file string) string {
		cg, err := cgroupV2(file)
		if err != nil {
			return err.Error()
		}
		return cg
	}
	record := func(e Event) {
		if e.Kind != Spawned {
			return
		}
		s := spawn{unit: e.Unit}
		switch {
		case e.Unit == "done.service":
			s.file = filepath.Join(dir, "done.cgroup")
		case e.Unit == "restart.service" && !slices.ContainsFunc(spawns, func(s spawn) bool { return s.unit == e.Unit }):
			s.file = filepath.Join(dir, "crashed")
		default:
			s.cgroup = read(fmt.Sprintf("/proc/%d/cgroup", e.Pid))
		}
		spawns = append(spawns, s)
	}
	want := map[string]EventKind{}
	for _, u := range g.Units {
		want[u.Name] = Started
	}
	up := have(want)
	until := func(ev events) bool { return up(ev) && ev.count("restart.service", Spawned) == 2 }
	runUntil(t, g, Options{Env: []string{"PATH=/usr/bin:/bin"}, Cgroups: base, OrderedStop: true, OnEvent: record, lateJoin: late}, until, "", 0)

	ownRel, err := cgroupV2("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range spawns {
		if s.file != "" {
			if late {
				// it may have written before it was moved
				continue
			}
			s.cgroup = read(s.file)
		}
		if w := path.Join(ownRel, filepath.Base(base), s.unit); s.cgroup != w {
			t.Errorf("%s ran in cgroup %q, want %q", s.unit, s.cgroup, w)
		}
	}
	if len(spawns) != 6 { // a, b, c, done, and restart twice
		t.Errorf("%d spawns seen, want 6: %+v", len(spawns), spawns)
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			t.Errorf("cgroup %s left after Run returned", e.Name())
		}
	}
}

// cgroupV2 returns the cgroup v2 path in a /proc/PID/cgroup file.
func cgroupV2(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no cgroup v2 line", file)
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
