package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// Spawner starts one process for a Spawn action and returns its pid, or the
// exit status systemd's child would have had when it could not start.
// It must not wait for the process.
type Spawner interface {
	Spawn(s Spawn, f SpawnFiles) (pid int, status int, err error)
}

// SpawnFiles are the manager-held files a process gets.
type SpawnFiles struct {
	Listen []*os.File
	Names  []string
	Output *os.File // the unit's log stream
	Conn   *os.File // Accept=yes connection
	Cgroup *os.File // the unit's cgroup directory, when tracked by cgroups
}

// Tracker finds and signals every process of a unit.
type Tracker interface {
	Prepare(unitID string) (*os.File, error)
	// Adopt makes pid a process of the unit; invocation is the
	// INVOCATION_ID it was started with ("" if none).
	Adopt(unitID string, pid int, invocation string)
	Pids(unitID string) []int
	Signal(unitID string, sig syscall.Signal, pids []int, group bool)
	Release(unitID string)
}

// Output receives the manager's messages about units and gives each unit a
// stream for its processes' output.
type Output interface {
	Stream(u *loader.Unit) (*os.File, error)
	Log(unitID string, priority int, msg string)
}

// Sockets opens and watches socket units' listeners.
type Sockets interface {
	Open(u *loader.Unit) ([]*os.File, []string, error)
	Close(u *loader.Unit)
	// Watch calls ready (from any goroutine) when a listener has a
	// connection; for Accept=yes it accepts and calls conn.
	Watch(u *loader.Unit, ready func(), conn func(f *os.File, instance string))
	Unwatch(unitID string)
}

// Loop runs a Core: it owns the core, feeds it events from the reaper,
// spawners, notify socket, socket listeners and clients, and performs its
// actions. Only the loop goroutine touches the core.
type Loop struct {
	core    *Core
	host    Host
	spawner Spawner
	tracker Tracker
	out     Output
	sockets Sockets
	bus     BusWatcher
	cleanup func(*loader.Unit, string)
	unitAct func(UnitAction)
	idle    func()

	start  time.Time
	events chan Event
	// reaps counts the reaper's reaps (Exited.Seq, Spawned.Since)
	reaps atomic.Uint64
	burst []Event // handleBurst's buffer, kept between bursts
	calls chan func()
	sem   *semaphore.Weighted
	// spawnMu guards spawnQ, the spawns waiting for the semaphore.
	spawnMu sync.Mutex
	spawnQ  []spawnJob
	// pending are events the loop produced itself, handled before the
	// next one from the channel.
	pending []Event

	listen  map[string][]*os.File
	names   map[string][]string
	conns   map[uint64]*os.File
	nconn   uint64
	waiters map[uint64]func(Reply)
	nreq    uint64

	stopping bool
	wasBusy  bool
	lastFree time.Time
	done     chan struct{}
	exitCode int
}

// Config is what NewLoop needs.
type Config struct {
	Host    Host
	Spawner Spawner
	Tracker Tracker
	Output  Output
	Sockets Sockets
	// Parallel bounds how many processes are being spawned at once.
	Parallel int
	// NotifySocket is the sd_notify socket's path.
	NotifySocket string
	// Cleanup is called when a unit has stopped, with the invocation ID
	// of its last run, to remove what it left (runtime directories, ...).
	Cleanup func(u *loader.Unit, invocation string)
	// Idle is called on the loop goroutine when the last job has finished
	// (a boot, a restart), at most once a second.
	Idle func()
	// Bus watches D-Bus names for Type=dbus services; nil means there is
	// no bus (they are treated like Type=simple).
	Bus BusWatcher
	// UnitAction is called on the loop goroutine for a unit's
	// SuccessAction=, FailureAction= or StartLimitAction=; nil ignores
	// them.
	UnitAction func(UnitAction)
}

// BusWatcher watches the owners of D-Bus names on the system bus. Watch
// must not block; it reports the name's state now and at every change
// after through post (from any goroutine), NoBus when there is no bus.
type BusWatcher interface {
	Watch(name string, post func(BusName))
}

// NewLoop returns a loop around a new core.
func NewLoop(cfg Config) *Loop {
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	l := &Loop{
		host:    cfg.Host,
		spawner: cfg.Spawner,
		tracker: cfg.Tracker,
		out:     cfg.Output,
		sockets: cfg.Sockets,
		cleanup: cfg.Cleanup,
		unitAct: cfg.UnitAction,
		bus:     cfg.Bus,
		idle:    cfg.Idle,
		start:   time.Now(),
		events:  make(chan Event, 1024),
		calls:   make(chan func(), 64),
		sem:     semaphore.NewWeighted(int64(cfg.Parallel)),
		listen:  map[string][]*os.File{},
		names:   map[string][]string{},
		conns:   map[uint64]*os.File{},
		waiters: map[uint64]func(Reply){},
		done:    make(chan struct{}),
	}
	l.core = New(cfg.Host)
	l.core.self = os.Getpid()
	l.core.InvocationID = newInvocationID
	l.core.NotifySocket = cfg.NotifySocket
	l.core.Wall = func(d time.Duration) time.Time { return l.start.Add(d) }
	return l
}

func newInvocationID() string {
	var b [16]byte
	if _, err := unix.Getrandom(b[:], 0); err != nil {
		return ""
	}
	return fmt.Sprintf("%x", b)
}

// Post queues an event for the loop; safe from any goroutine.
func (l *Loop) Post(ev Event) { l.events <- ev }

// Call runs f on the loop goroutine with the core and waits for it.
func (l *Loop) Call(f func(c *Core)) {
	done := make(chan struct{})
	select {
	case l.calls <- func() { f(l.core); close(done) }:
	case <-l.done:
		return
	}
	select {
	case <-done:
	case <-l.done:
	}
}

// Request queues a job and calls reply (on the loop goroutine) when it is
// finished; reply gets a Reply with Err set when the job was refused.
func (l *Loop) Request(req JobRequest, reply func(Reply)) {
	l.Call(func(c *Core) {
		l.nreq++
		req.ID = l.nreq
		if reply != nil {
			l.waiters[req.ID] = reply
		} else {
			req.ID = 0
		}
		l.handle(req)
	})
}

// Done is closed when the loop has ended.
func (l *Loop) Done() <-chan struct{} { return l.done }

func (l *Loop) now() time.Duration { return time.Since(l.start) }

// Run runs the loop until Shutdown has finished or ctx ends. It starts the
// reaper, which must be the only caller of wait4 in the process.
func (l *Loop) Run(ctx context.Context) error {
	defer close(l.done)
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	go l.reap(ctx, sigs)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		if len(l.pending) > 0 {
			l.batched(func() { // one tracker batch for them all
				for len(l.pending) > 0 {
					ev := l.pending[0]
					l.pending = l.pending[1:]
					l.handle(ev)
				}
			})
		}
		if l.stopping && !l.core.Busy() {
			return nil
		}
		busy := l.core.Busy()
		if l.wasBusy && !busy && time.Since(l.lastFree) > time.Second {
			// The last job finished (a boot, a restart): give the memory
			// the transaction and its jobs took back to the system.
			if l.idle != nil {
				l.idle()
			}
			go debug.FreeOSMemory() // a full collection: not on the loop
			l.lastFree = time.Now()
		}
		l.wasBusy = busy
		if at, ok := l.core.NextDeadline(); ok {
			d := at - l.now()
			if d < 0 {
				d = 0
			}
			timer.Reset(d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-l.events:
			l.handleBurst(ev)
		case f := <-l.calls:
			l.batched(func() {
				f()
				// a unit a call loaded for a look (systemctl show) goes
				// once the call is answered, as systemd's after a request
				for _, a := range l.core.Collect() {
					l.perform(a)
				}
			})
		case <-timer.C:
			l.batched(func() { l.handle(Tick{}) })
		}
		timer.Stop()
	}
}

// reap is the one owner of wait4: on each SIGCHLD it collects every
// exited child and posts its status.
func (l *Loop) reap(ctx context.Context, sigs <-chan os.Signal) {
	for {
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if pid <= 0 || err != nil {
				break
			}
			ev := Exited{PID: pid, Seq: l.reaps.Add(1)}
			switch {
			case ws.Exited():
				ev.Code, ev.Status = CLDExited, ws.ExitStatus()
			case ws.Signaled():
				ev.Code, ev.Status = CLDKilled, int(ws.Signal())
				if ws.CoreDump() {
					ev.Code = CLDDumped
				}
			default:
				continue
			}
			l.events <- ev
		}
		// SIGCHLDs that arrive while the loop above runs leave a value
		// in the channel, so the next pass collects their children: no
		// exit is missed and nothing wakes the reaper periodically.
		select {
		case <-ctx.Done():
			return
		case <-sigs:
		}
	}
}

// batcher is a Tracker that can share its reading of the processes
// between the calls that handle one event (track.Tracker.Batch).
type batcher interface{ Batch() (end func()) }

// maxBurst bounds how many queued events handleBurst takes at once.
const maxBurst = 256

// handleBurst handles ev and the events queued behind it under one
// tracker batch: when 1000 services exit at a shutdown, the tracker's
// process-group mode reads /proc once per burst, not once per exit. Every
// event of the burst is taken off the queue before the first is handled,
// so the one reading is no older than any exit it is asked about.
func (l *Loop) handleBurst(ev Event) {
	burst := append(l.burst[:0], ev)
take:
	for len(burst) < maxBurst {
		select {
		case e := <-l.events:
			burst = append(burst, e)
		default:
			break take
		}
	}
	l.batched(func() {
		for i, e := range burst {
			burst[i] = nil
			l.handle(e)
		}
	})
	l.burst = burst[:0]
}

// batched runs f under one tracker batch (a call such as Shutdown stops
// every unit at once).
func (l *Loop) batched(f func()) {
	if b, ok := l.tracker.(batcher); ok {
		defer b.Batch()()
	}
	f()
}

func (l *Loop) handle(ev Event) {
	for _, a := range l.core.Handle(l.now(), ev) {
		l.perform(a)
	}
}

func (l *Loop) perform(a Action) {
	switch a := a.(type) {
	case Spawn:
		l.doSpawn(a)
	case Kill:
		l.tracker.Signal(a.Unit, a.Signal, a.PIDs, a.Group)
	case Reply:
		if w := l.waiters[a.ID]; w != nil {
			if !a.Queued {
				delete(l.waiters, a.ID)
			}
			w(a)
		}
	case Log:
		l.out.Log(a.Unit, a.Priority, a.Msg)
	case Listen:
		l.doListen(a)
	case Watch:
		l.doWatch(a)
	case WatchBusName:
		if l.bus == nil {
			l.pending = append(l.pending, BusName{Name: a.Name, NoBus: true})
		} else {
			l.bus.Watch(a.Name, func(e BusName) { l.Post(e) })
		}
	case UnitAction:
		if l.unitAct != nil {
			l.unitAct(a)
		}
	case Stopped:
		if l.cleanup != nil {
			l.cleanup(a.Unit, a.Invocation)
		}
	case CloseConn:
		if f := l.conns[a.Conn]; f != nil {
			f.Close()
			delete(l.conns, a.Conn)
		}
	}
}

func (l *Loop) doSpawn(a Spawn) {
	var f SpawnFiles
	for _, s := range a.Sockets {
		f.Listen = append(f.Listen, l.listen[s]...)
		f.Names = append(f.Names, l.names[s]...)
	}
	if a.Conn != 0 {
		f.Conn = l.conns[a.Conn]
	}
	// At most Parallel spawns run at once, each on a goroutine holding
	// the semaphore, which takes the queued spawns in turn before it
	// lets go: a boot does not park a goroutine (and its stack) per unit.
	job := spawnJob{a, f}
	l.spawnMu.Lock()
	defer l.spawnMu.Unlock()
	if !l.sem.TryAcquire(1) {
		l.spawnQ = append(l.spawnQ, job)
		return
	}
	go l.spawnWorker(job)
}

// spawnJob is one queued Spawn with its files.
type spawnJob struct {
	a Spawn
	f SpawnFiles
}

// spawnWorker runs job and then the queued ones until none is left.
func (l *Loop) spawnWorker(job spawnJob) {
	for {
		l.runSpawn(job.a, job.f)
		l.spawnMu.Lock()
		if len(l.spawnQ) == 0 {
			l.sem.Release(1)
			l.spawnMu.Unlock()
			return
		}
		job = l.spawnQ[0]
		l.spawnQ[0] = spawnJob{}
		l.spawnQ = l.spawnQ[1:]
		l.spawnMu.Unlock()
	}
}

// runSpawn starts one process and posts Spawned.
func (l *Loop) runSpawn(a Spawn, f SpawnFiles) {
	id := a.Unit.ID
	// The process's own output stream and cgroup directory, opened for
	// this spawn and closed right after it: every descriptor the manager
	// keeps open is copied by each fork and closed by each exec, so
	// keeping one per unit made a boot quadratic.
	if s, err := l.out.Stream(a.Unit); err == nil && s != nil {
		f.Output = s
	}
	if cg, err := l.tracker.Prepare(id); err == nil && cg != nil {
		f.Cgroup = cg
	}
	since := l.reaps.Load() // before the fork: the child's reap comes later
	pid, status, err := l.spawner.Spawn(a, f)
	if f.Output != nil {
		f.Output.Close()
	}
	if f.Cgroup != nil {
		f.Cgroup.Close()
	}
	if pid > 0 && f.Cgroup == nil {
		// placed into the unit's cgroup at clone time otherwise
		l.tracker.Adopt(id, pid, a.Invocation)
	}
	l.events <- Spawned{Token: a.Token, PID: pid, Status: status, Err: err, Since: since}
}

func (l *Loop) doListen(a Listen) {
	id := a.Unit.ID
	if !a.Open {
		l.sockets.Unwatch(id)
		l.sockets.Close(a.Unit)
		delete(l.listen, id)
		delete(l.names, id)
		return
	}
	if l.listen[id] != nil {
		return
	}
	files, names, err := l.sockets.Open(a.Unit)
	if err != nil {
		l.pending = append(l.pending, SocketFailed{Unit: id, Err: err})
		return
	}
	l.listen[id], l.names[id] = files, names
}

func (l *Loop) doWatch(a Watch) {
	if !a.On {
		l.sockets.Unwatch(a.Unit)
		return
	}
	u := l.core.Lookup(a.Unit)
	if u == nil || l.listen[a.Unit] == nil {
		return
	}
	id := a.Unit
	l.sockets.Watch(u, func() { l.Post(SocketReady{Unit: id}) }, func(f *os.File, instance string) {
		l.Call(func(c *Core) {
			l.nconn++
			l.conns[l.nconn] = f
			l.pending = append(l.pending, Connection{Unit: id, Instance: instance, Conn: l.nconn})
		})
	})
}

// Shutdown stops every unit, in reverse order of their start, and ends
// Run once no job is left.
func (l *Loop) Shutdown() {
	l.Call(func(*Core) {
		if l.stopping {
			return
		}
		l.stopping = true
		l.handle(StopAll{})
	})
}
