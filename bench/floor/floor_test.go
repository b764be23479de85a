package floor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/bench/unitgraph"
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
	case "crash-once":
		// Exits 1 the first time (while the marker file is missing), then idles.
		marker := os.Args[2]
		if _, err := os.Stat(marker); err != nil {
			os.WriteFile(marker, nil, 0o644)
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
		case u.Kind == unitgraph.Notify:
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
	for _, kind := range []unitgraph.Kind{unitgraph.Oneshot, unitgraph.Simple, unitgraph.Notify} {
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
			if kind == unitgraph.Notify {
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev events
			err := Run(context.Background(), &tc.g, Options{OnEvent: ev.add})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want an error saying %q", err, tc.want)
			}
			if len(ev) > 0 {
				t.Errorf("Run acted on a graph it rejected: %+v", ev)
			}
		})
	}
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
