// Package floor is the lower bound of gosd's boot benchmark: a minimal
// spawner that runs the processes of a unitgraph.Graph in the order its
// requirements impose, as fast as fork and exec allow, and does nothing
// else (no unit files, no logging, no state beyond a counter per unit).
// A service manager's boot time above the floor's is the manager's own
// overhead.
//
// Two options add the kernel work a manager such as systemd or gosd
// cannot avoid, so that its shutdown can be set against that cost too:
// stopping units in the reverse order of their requirements
// (Options.OrderedStop) and one cgroup per process (Options.Cgroups).
//
// Run is meant to be PID 1 of a namespace, where it reaps every process;
// it owns the only wait in its process.
package floor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/bench/unitgraph"
	"github.com/gosd/gosd/notify"
)

// Options tune Run. The zero value is usable.
type Options struct {
	// Jobs is how many spawns (fork+exec) are in flight at once; 0 means 8.
	Jobs int
	// NotifySocket is the path of the datagram socket notify units report
	// READY=1 to (passed to them as NOTIFY_SOCKET). Required if the graph
	// has notify units.
	NotifySocket string
	// Env is the environment of every process; nil means
	// PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
	// the PATH systemd gives services.
	Env []string
	// Stdout and Stderr receive the processes' output; nil means /dev/null.
	Stdout, Stderr *os.File
	// StopTimeout is how long stopping waits after it began before it
	// sends SIGKILL to every process left; 0 means 5 s.
	StopTimeout time.Duration
	// OrderedStop stops units in the reverse order of their requirements,
	// as systemd and gosd do: SIGTERM goes first only to the units no
	// running unit requires, then to each unit once every unit requiring
	// it has exited (been reaped) or never ran. A target, having no
	// process, is stopped at once when its turn comes. Off, every process
	// gets SIGTERM at once.
	OrderedStop bool
	// Cgroups, if not empty, is a cgroup v2 directory (one made below
	// the caller's own cgroup, track.OwnCgroup, can hold processes):
	// each process is spawned (clone3 with CLONE_INTO_CGROUP) into a new
	// directory of it named after its unit, which is removed as soon as
	// the process is reaped, as gosd does with a cgroup per unit. No
	// controller is enabled. The unit names must be usable as directory
	// names.
	Cgroups string
	// lateJoin moves each process into its cgroup after the fork, as
	// where clone3 is missing (tests; Run finds that out itself).
	lateJoin bool
	// Log receives one line per unit that fails; nil discards them.
	Log io.Writer
	// OnEvent, if set, is called from Run's loop for every spawn, start,
	// and exit, in the order Run handles them.
	OnEvent func(Event)
}

// EventKind says what happened to a unit.
type EventKind int

const (
	Spawned EventKind = iota // the process exists (Pid is set)
	Started                  // the unit counts as started; its dependents may spawn
	Exited                   // the main process ended (Status is set)
	Failed                   // the unit failed; its dependents never start
)

func (k EventKind) String() string {
	return [...]string{"spawned", "started", "exited", "failed"}[k]
}

// Event is one step of a unit, reported through Options.OnEvent.
type Event struct {
	Unit   string
	Kind   EventKind
	Pid    int
	Status unix.WaitStatus
	Err    error
}

type unitState int

const (
	waiting unitState = iota
	spawning
	running // spawned, not yet started (oneshot, notify)
	started
	failed
)

type unitRun struct {
	u          *unitgraph.Unit
	left       int   // requirements not started yet
	needs      []int // indexes of the units this one requires
	dependents []int // indexes of the units requiring this one
	state      unitState
	pid        int
	alive      bool // pid is running or not reaped yet

	// An ordered stop (Options.OrderedStop): the unit is up while it
	// has a process or a spawn in flight (a target: while reached); it
	// is released (sent SIGTERM) once upReq, its requirers up, is 0.
	up    bool
	upReq int
}

type spawnReq struct{ idx int }

type spawnRes struct {
	idx int
	pid int
	err error
}

// Run spawns g's processes, each once everything it requires has started,
// until ctx is done; then it sends SIGTERM to every process still running
// (all at once, or in order with OrderedStop; SIGKILL after StopTimeout),
// reaps them all and returns. The restart unit is spawned again whenever
// it ends, until ctx is done. Run installs a SIGCHLD handler and reaps
// every child of the process with wait4(-1): nothing else in the process
// may wait for children while it runs.
//
// Run is where a graph is checked (unitgraph.Decode only reads it): it
// fails before spawning anything if a unit comes before a unit it
// requires, a name is there twice, a unit other than a target has no
// command, or (with Cgroups) a name cannot name a directory.
func Run(ctx context.Context, g *unitgraph.Graph, opt Options) error {
	if opt.Jobs <= 0 {
		opt.Jobs = 8
	}
	if opt.Env == nil {
		opt.Env = []string{"LANG=C.UTF-8", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	if opt.StopTimeout <= 0 {
		opt.StopTimeout = 5 * time.Second
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	emit := func(Event) {}
	if opt.OnEvent != nil {
		emit = opt.OnEvent
	}

	units := make([]unitRun, len(g.Units))
	index := make(map[string]int, len(g.Units))
	needNotify := false
	for i := range g.Units {
		u := &g.Units[i]
		if _, dup := index[u.Name]; dup {
			return fmt.Errorf("floor: unit %s twice in the graph", u.Name)
		}
		if u.Kind != unitgraph.Target && len(u.Argv) == 0 {
			return fmt.Errorf("floor: %s has no command", u.Name)
		}
		if opt.Cgroups != "" && !dirName(u.Name) {
			return fmt.Errorf("floor: %s cannot name a cgroup directory", u.Name)
		}
		units[i] = unitRun{u: u, left: len(u.Requires)}
		for _, d := range u.Requires {
			j, ok := index[d]
			if !ok {
				return fmt.Errorf("floor: %s requires %s, which does not come before it", u.Name, d)
			}
			units[i].needs = append(units[i].needs, j)
			units[j].dependents = append(units[j].dependents, i)
		}
		index[u.Name] = i
		needNotify = needNotify || u.Kind.Notifies()
	}
	if needNotify && opt.NotifySocket == "" {
		return errors.New("floor: the graph has notify units but Options.NotifySocket is empty")
	}

	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	stdout, stderr := opt.Stdout, opt.Stderr
	if stdout == nil {
		stdout = devnull
	}
	if stderr == nil {
		stderr = devnull
	}
	envNotify := append(append([]string(nil), opt.Env...), "NOTIFY_SOCKET="+opt.NotifySocket)

	var cg *cgroups
	if opt.Cgroups != "" {
		if cg, err = openCgroups(opt.Cgroups); err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		defer cg.close()
	}

	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	defer signal.Stop(sigchld)

	ready := make(chan int, 64)
	if needNotify {
		sock, err := notify.Listen(opt.NotifySocket)
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		defer sock.Close()
		go readReady(sock, ready)
	}

	// The spawn workers: a bounded number of fork+execs in flight.
	// Where clone3 is missing (valgrind, Linux before 5.7) a process
	// joins its cgroup right after the fork instead.
	var lateJoin atomic.Bool
	lateJoin.Store(opt.lateJoin)
	stopSpawning := make(chan struct{})
	reqs := make(chan spawnReq, len(units))
	results := make(chan spawnRes, len(units))
	for range opt.Jobs {
		go func() {
			for r := range reqs {
				select {
				case <-stopSpawning:
					results <- spawnRes{idx: r.idx, err: errStopping}
					continue
				default:
				}
				u := units[r.idx].u // read-only after setup
				env := opt.Env
				if u.Kind.Notifies() {
					env = envNotify
				}
				// Services get a session of their own, as under systemd.
				sys := &syscall.SysProcAttr{Setsid: true}
				dirFd := -1
				if cg != nil {
					fd, err := cg.make(u.Name)
					if err != nil {
						results <- spawnRes{idx: r.idx, err: err}
						continue
					}
					dirFd = fd
					sys.UseCgroupFD, sys.CgroupFD = !lateJoin.Load(), fd
				}
				attr := &syscall.ProcAttr{
					Dir:   "/",
					Env:   env,
					Files: []uintptr{devnull.Fd(), stdout.Fd(), stderr.Fd()},
					Sys:   sys,
				}
				pid, err := syscall.ForkExec(u.Argv[0], u.Argv, attr)
				if err == syscall.ENOSYS && sys.UseCgroupFD {
					lateJoin.Store(true)
					sys.UseCgroupFD = false
					pid, err = syscall.ForkExec(u.Argv[0], u.Argv, attr)
				}
				if err == nil && dirFd >= 0 && !sys.UseCgroupFD {
					if err = cg.join(dirFd, pid); err != nil {
						unix.Kill(pid, unix.SIGKILL) // reaped as no unit's
						pid = 0
					}
				}
				if dirFd >= 0 {
					unix.Close(dirFd)
					if err != nil {
						cg.remove(u.Name)
					}
				}
				results <- spawnRes{idx: r.idx, pid: pid, err: err}
			}
		}()
	}
	defer close(reqs)

	byPid := map[int]int{}             // live main processes, pid -> unit
	early := map[int]unix.WaitStatus{} // exits reaped before their spawn was reported
	earlyReady := map[int]bool{}       // READY=1 received before the spawn was reported
	inflight := 0
	stopping := false
	killing := false // StopTimeout passed: SIGKILL, not SIGTERM
	var killTimer <-chan time.Time
	var leftCgroups []string // cgroups whose removal failed, tried again at the end

	spawn := func(i int) {
		units[i].state = spawning
		inflight++
		reqs <- spawnReq{i}
	}
	var start func(i int)
	start = func(i int) {
		units[i].state = started
		emit(Event{Unit: units[i].u.Name, Kind: Started, Pid: units[i].pid})
		for _, d := range units[i].dependents {
			units[d].left--
			if units[d].left == 0 && units[d].state == waiting {
				if units[d].u.Kind == unitgraph.Target {
					start(d)
				} else {
					spawn(d)
				}
			}
		}
	}
	fail := func(i int, err error) {
		units[i].state = failed
		fmt.Fprintf(opt.Log, "floor: %s failed: %v\n", units[i].u.Name, err)
		emit(Event{Unit: units[i].u.Name, Kind: Failed, Pid: units[i].pid, Err: err})
	}
	// terminate releases i in an ordered stop, once i's requirers are
	// down: it signals i's process, or stops a target; a unit whose spawn
	// is in flight gets its signal when the spawn is reported.
	var down func(i int)
	terminate := func(i int) {
		switch ur := &units[i]; {
		case ur.alive:
			unix.Kill(ur.pid, stopSignal(killing))
		case ur.u.Kind == unitgraph.Target:
			down(i)
		}
	}
	// down records, in an ordered stop, that i is no longer up, and
	// releases the units it requires that nothing up requires any more.
	down = func(i int) {
		ur := &units[i]
		if !opt.OrderedStop || !ur.up {
			return
		}
		ur.up = false
		for _, r := range ur.needs {
			if units[r].upReq--; units[r].upReq == 0 && units[r].up {
				terminate(r)
			}
		}
	}
	exited := func(i int, st unix.WaitStatus) {
		ur := &units[i]
		ur.alive = false
		if cg != nil && cg.remove(ur.u.Name) != nil {
			leftCgroups = append(leftCgroups, ur.u.Name)
		}
		emit(Event{Unit: ur.u.Name, Kind: Exited, Pid: ur.pid, Status: st})
		delete(byPid, ur.pid)
		if stopping {
			down(i)
			return
		}
		ok := st.Exited() && st.ExitStatus() == 0
		switch {
		case ur.u.Restart:
			ur.state = waiting
			spawn(i)
		case ur.state == running && ur.u.Kind == unitgraph.Oneshot && ok:
			start(i)
		case ur.state == running:
			fail(i, fmt.Errorf("main process ended before the unit started: %s", describe(st)))
		default:
			fail(i, fmt.Errorf("main process ended: %s", describe(st)))
		}
	}
	spawned := func(r spawnRes) {
		inflight--
		defer func() {
			if inflight == 0 {
				// What is left belongs to no spawn of ours (orphans).
				clear(early)
				clear(earlyReady)
			}
		}()
		ur := &units[r.idx]
		if r.err != nil {
			if r.err != errStopping {
				fail(r.idx, fmt.Errorf("spawning %s: %w", ur.u.Argv[0], r.err))
			}
			if stopping {
				down(r.idx)
			}
			return
		}
		ur.pid = r.pid
		ur.state = running
		ur.alive = true
		byPid[r.pid] = r.idx
		emit(Event{Unit: ur.u.Name, Kind: Spawned, Pid: r.pid})
		_, reaped := early[r.pid] // then the pid may be another process's already
		switch {
		case stopping && reaped:
		case stopping && (!opt.OrderedStop || ur.upReq == 0):
			unix.Kill(r.pid, stopSignal(killing))
		case stopping:
			// Ordered: its turn comes when its requirers are down.
		case ur.u.Kind == unitgraph.Simple || ur.u.Kind.Notifies() && earlyReady[r.pid]:
			start(r.idx)
		}
		delete(earlyReady, r.pid)
		if st, ok := early[r.pid]; ok {
			delete(early, r.pid)
			exited(r.idx, st)
		}
	}
	reap := func() {
		for {
			var st unix.WaitStatus
			pid, err := unix.Wait4(-1, &st, unix.WNOHANG, nil)
			if err == unix.EINTR {
				continue
			}
			if pid <= 0 || err != nil {
				return
			}
			if i, ok := byPid[pid]; ok {
				exited(i, st)
			} else if inflight > 0 {
				// Perhaps a spawn whose pid a worker has not reported yet.
				early[pid] = st
			}
		}
	}

	for i := range units {
		if units[i].left == 0 {
			if units[i].u.Kind == unitgraph.Target {
				start(i)
			} else {
				spawn(i)
			}
		}
	}
	done := ctx.Done()
	for {
		if stopping && len(byPid) == 0 && inflight == 0 {
			for _, name := range leftCgroups {
				if err := cg.remove(name); err != nil {
					fmt.Fprintf(opt.Log, "floor: %s: its cgroup is left: %v\n", name, err)
				}
			}
			return nil
		}
		select {
		case r := <-results:
			spawned(r)
		case <-sigchld:
			reap()
		case pid := <-ready:
			if i, ok := byPid[pid]; ok {
				if units[i].state == running && units[i].u.Kind.Notifies() {
					start(i)
				}
			} else if inflight > 0 {
				// The process may be faster than the worker reporting its pid.
				earlyReady[pid] = true
			}
		case <-done:
			done = nil
			stopping = true
			close(stopSpawning)
			if opt.OrderedStop {
				for _, i := range orderStop(units) {
					terminate(i)
				}
			} else {
				for pid := range byPid {
					unix.Kill(pid, unix.SIGTERM)
				}
			}
			killTimer = time.After(opt.StopTimeout)
		case <-killTimer:
			killing = true
			for pid := range byPid {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	}
}

var errStopping = errors.New("stopping")

// orderStop readies an ordered stop: it marks the units that are up (a
// process running or being spawned, a target reached), counts for each
// the units up that require it, and returns the units up that none
// requires, requirers first: those go first. Every other unit up is
// released once, when its count falls to 0.
func orderStop(units []unitRun) []int {
	for i := range units {
		ur := &units[i]
		ur.up = ur.alive || ur.state == spawning || ur.u.Kind == unitgraph.Target && ur.state == started
	}
	for i := range units {
		if units[i].up {
			for _, r := range units[i].needs {
				units[r].upReq++
			}
		}
	}
	var first []int
	for i := len(units) - 1; i >= 0; i-- {
		if units[i].up && units[i].upReq == 0 {
			first = append(first, i)
		}
	}
	return first
}

func stopSignal(killing bool) unix.Signal {
	if killing {
		return unix.SIGKILL
	}
	return unix.SIGTERM
}

func describe(st unix.WaitStatus) string {
	if st.Signaled() {
		return "signal " + unix.SignalName(st.Signal())
	}
	return fmt.Sprintf("exit status %d", st.ExitStatus())
}

// readReady sends the sender pid of every READY=1 datagram on l to
// ready, until l is closed. It closes the descriptors that come with the
// datagrams at once: systemd-notify follows READY=1 with BARRIER=1 and a
// pipe it waits on until the manager closes its end.
func readReady(l *notify.Listener, ready chan<- int) {
	for {
		m, err := l.Recv()
		if errors.Is(err, os.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		m.CloseFDs()
		if notify.Has(m.Fields, "READY", "1") {
			ready <- int(m.PID)
		}
	}
}
