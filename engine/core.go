// Package engine is gosd's service manager: a pure, deterministic core that
// takes events (a process exited, READY=1 arrived, a deadline passed, a
// client asked for a job) and returns actions (spawn this, signal that,
// reply to a client), and the loop that owns the core and performs them.
//
// The core does no I/O of its own: it reads unit files and machine facts
// through Host, and it learns the time only from the events it is given.
// That is what makes engine/testdata's transcripts possible.
package engine

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// Host is everything the core needs to know of the world outside it.
// Every method must be quick and must not block on processes.
type Host interface {
	// Load returns the unit with the given name, loading it if needed. A
	// unit that does not exist comes back with LoadState "not-found".
	Load(name string) (*loader.Unit, error)
	// Conditions evaluates the unit's Condition*= (asserts false) or
	// Assert*= (asserts true) and returns whether they hold and, when they
	// do not, the message systemd logs ("x.service - X was skipped because
	// of an unmet condition check (ConditionPathExists=/x).").
	Conditions(u *loader.Unit, asserts bool) (ok bool, msg string)
	// ReadPIDFile returns the pid written in path, and whether root owns
	// the file (only then may it name a process outside the unit).
	ReadPIDFile(path string) (pid int, rootOwned bool, err error)
	// PIDAlive reports whether pid names a process that exists and is not
	// a zombie; a PID file's pid becomes the main process only then.
	PIDAlive(pid int) bool
	// UnitPIDs returns every live process of the unit that the host's
	// process tracking knows.
	UnitPIDs(id string) []int
	// UnitOfPID names the unit a process belongs to ("" when unknown),
	// for a notification from a process the core did not start.
	UnitOfPID(pid int) string
	// ClaimPID reports whether pid may become the unit's main process
	// without root's word: it is the unit's as far as the process
	// tracking can tell (in its cgroup; without cgroups, one of its
	// tracked processes or an orphan started since its last spawn that
	// no other unit holds, which the tracking then counts as the unit's).
	ClaimPID(id string, pid int) bool
	// Forget unloads the unit with that ID (garbage collection); a later
	// Load reads its files afresh.
	Forget(id string)
}

// Exit codes of a process, as waitid(2) names them and systemd shows them
// in ExecMainCode.
const (
	CLDExited = 1
	CLDKilled = 2
	CLDDumped = 3
)

// Event is an input to the core.
type Event interface{ event() }

// Exited reports that a process was reaped.
type Exited struct {
	PID    int
	Code   int // CLDExited, CLDKilled or CLDDumped
	Status int // exit status, or signal number
	// Seq numbers the reaps, from 1 (0: not numbered): see Spawned.Since.
	Seq uint64
}

// Spawned reports the outcome of a Spawn action. When the process could
// not be started, PID is 0 and Status is the exit status systemd's child
// would have exited with (203 for a missing binary, ...).
type Spawned struct {
	Token  uint64
	PID    int
	Status int
	Err    error
	// Since is the Seq of the last reap before the fork: an exit of the
	// same pid reaped no later than that was an older process's (the
	// pid was used again), not this one's.
	Since uint64
}

// Notified is one sd_notify datagram.
type Notified struct {
	PID    int
	UID    uint32 // the sender's, from its credentials
	Fields [][2]string
}

// JobRequest is a client asking for a job.
type JobRequest struct {
	ID   uint64 // reply token; 0 when nobody waits
	Unit string
	Type graph.JobType
	Mode graph.Mode
	// NoBlock answers as soon as the job is queued, with JobResult "queued".
	NoBlock bool
	// Track answers twice: when the job is queued (Queued, with its Job
	// id), and when it ends. A D-Bus client gets the job's object at once
	// and its JobRemoved signal at the end.
	Track bool
}

// Tick tells the core that time passed; it fires the deadlines that are due.
type Tick struct{}

// SocketReady reports that a listening socket unit has a connection or
// datagram waiting (Accept=no).
type SocketReady struct{ Unit string }

// SocketFailed reports that a socket unit's listeners could not be opened.
type SocketFailed struct {
	Unit string
	Err  error
}

// ResetFailed is `systemctl reset-failed [UNIT]`.
type ResetFailed struct{ Unit string }

// KillRequest is `systemctl kill`.
type KillRequest struct {
	Unit   string
	Signal syscall.Signal
	Whom   string // main, control, all
}

func (Exited) event()       {}
func (Spawned) event()      {}
func (Notified) event()     {}
func (JobRequest) event()   {}
func (Tick) event()         {}
func (SocketReady) event()  {}
func (SocketFailed) event() {}
func (ResetFailed) event()  {}
func (KillRequest) event()  {}

// Action is an output of the core, for the loop to perform.
type Action interface{ action() }

// Spawn asks for one process of a unit to be started. The outcome comes
// back as a Spawned event with the same Token.
type Spawn struct {
	Token   uint64
	Unit    *loader.Unit
	Kind    string // ExecStart, ExecStartPre, ...
	Cmd     unit.ExecCommand
	Env     []string
	Sockets []string // socket units whose listening fds the process gets
	Conn    uint64   // the Accept=yes connection that is the process's socket (0: none)
	// Invocation is the unit's INVOCATION_ID (also in Env), for the
	// tracker to know the process's descendants by.
	Invocation string
}

// Kill asks for signals to be sent. PIDs are signalled one by one; with
// Group, every other process of the unit too.
type Kill struct {
	Unit   string
	Signal syscall.Signal
	PIDs   []int
	Group  bool
}

// Reply answers a JobRequest once its job finished (or could not be made).
type Reply struct {
	ID        uint64
	JobResult string // done, failed, dependency, timeout, skipped, canceled, invalid, assert, unsupported, once
	Result    string // the unit's Result= after the job
	Unit      string // the unit of the job ("" for a refused request)
	Err       error  // a request refused before any job ran (*graph.Error, ...)
	// Job is the job's id (Track). A transaction that installed no job
	// for the request (none of gosd's cases, the transcripts say: an
	// active unit's start gets a no-op job) gets a fresh id, so that a
	// bus client still has a job to wait for.
	Job uint32
	// Queued marks the first of a Track request's two replies.
	Queued bool
}

// Log is a message about a unit, for the journal and the console.
type Log struct {
	Unit     string
	Priority int // syslog priority
	Msg      string
}

// Listen asks for a socket unit's listeners to be opened (Open) or closed.
// A failure to open comes back as SocketFailed.
type Listen struct {
	Unit *loader.Unit
	Open bool
}

// Watch asks for a socket unit's listeners to be watched for incoming
// connections (On) or not.
type Watch struct {
	Unit string
	On   bool
}

// Stopped tells the loop that a unit with processes has stopped, so that
// what it left behind can go.
type Stopped struct {
	Unit       *loader.Unit
	Invocation string
}

// UnitAction asks the manager for what a unit's SuccessAction=,
// FailureAction= or StartLimitAction= names (reboot, poweroff, each also
// -force or -immediate, exit, exit-force: systemd 252's values):
// systemd-poweroff.service, which systemctl poweroff's poweroff.target
// pulls in, has only SuccessAction=.
type UnitAction struct {
	Unit   string
	Action string
	// ExitStatus is what an exit action gives the manager's parent:
	// SuccessActionExitStatus=/FailureActionExitStatus=, else the main
	// process's exit status (-1: none).
	ExitStatus int
}

func (UnitAction) action() {}
func (Stopped) action()    {}
func (Spawn) action()      {}
func (Kill) action()       {}
func (Reply) action()      {}
func (Log) action()        {}
func (Listen) action()     {}
func (Watch) action()      {}

// Core is the state of every unit and job. It is not safe for concurrent
// use: one goroutine (the loop) owns it.
type Core struct {
	host  Host
	self  int           // the manager's own pid (1 unless the loop says): never a main process
	now   time.Duration // monotonic time of the event being handled
	units map[string]*unitRT
	out   []Action

	jobs    map[uint32]*job
	nextJob uint32
	// waitingEmpty holds the IDs of the services waiting for their
	// processes to be gone (see setWaitEmpty): an exit no unit knew is
	// checked against these alone.
	waitingEmpty map[string]struct{}
	// the most entries jobs, tokens, runq and collectQ held since they
	// were last made anew (see shrunk)
	jobsPeak, tokensPeak, runqPeak, collectPeak int
	// exiting is set by StopAll: the manager is going away, and the units
	// it unloads stay in the loader (whose copy goes with it), since
	// forgetting 1000 units one by one edits the lists of the units
	// beside them 1000 times (system.slice's members, shared targets):
	// ~26 M of the 1000-unit boot-and-shutdown's 437 M instructions.
	exiting bool
	// runq holds jobs that may have become runnable, checked at the end of
	// each event.
	runq map[uint32]bool

	tokens    map[uint64]*spawnRec
	nextToken uint64
	pids      map[int]*unitRT
	shared    map[int][]*unitRT   // more units watching a pid of pids (watch)
	unneededQ map[string]struct{} // StopWhenUnneeded= units to look at (unneeded.go)
	collectQ  map[string]struct{} // units to look at for unloading (collect.go)
	leftovers map[string]struct{} // units kept loaded only by processes a stop left behind
	busNames  map[string]busState // D-Bus names watched for Type=dbus (dbus.go)
	// orphans are exits of pids no unit owned when they were reaped: a
	// process that exited before its Spawned event arrived, or a daemon
	// whose pid a PID file or MAINPID= will name later.
	orphans   map[int]Exited
	orphanAge []Exited
	// held are datagrams heard while spawns were in flight from a pid
	// that is no unit's main or control process yet (see notified).
	held []heldDatagram

	timers timerHeap
	tgen   uint64

	// InvocationID makes per-start ids; the loop sets a random source.
	InvocationID func() string
	// NotifySocket is the path services get as NOTIFY_SOCKET.
	NotifySocket string
	// Wall converts the core's monotonic time to wall-clock time, for
	// OnCalendar= timers.
	Wall func(time.Duration) time.Time
}

type spawnRec struct {
	u    *unitRT
	role role
}

type role uint8

const (
	roleMain role = iota + 1
	roleControl
)

// New returns a core with no units loaded yet.
func New(h Host) *Core {
	return &Core{
		host:    h,
		units:   map[string]*unitRT{},
		jobs:    map[uint32]*job{},
		runq:    map[uint32]bool{},
		tokens:  map[uint64]*spawnRec{},
		pids:    map[int]*unitRT{},
		orphans: map[int]Exited{},
		self:    1,
	}
}

// Handle feeds one event into the core at monotonic time now and returns
// the actions to perform, in order.
func (c *Core) Handle(now time.Duration, ev Event) []Action {
	if now > c.now {
		c.now = now
	}
	c.out = nil
	switch e := ev.(type) {
	case Exited:
		c.exited(e)
	case Spawned:
		c.spawned(e)
	case Notified:
		c.notified(e)
	case JobRequest:
		c.request(e)
	case Tick:
		c.fireTimers()
	case SocketReady:
		c.socketReady(e.Unit)
	case SocketFailed:
		if r := c.units[e.Unit]; r != nil {
			c.logf(r, 3, "Failed to listen on %s: %v", r.desc(), e.Err)
			c.socketFailed(r, "resources")
		}
	case ResetFailed:
		c.resetFailed(e.Unit)
	case KillRequest:
		c.killRequest(e)
	case Connection:
		c.connection(e)
	case StopAll:
		c.stopAll()
	case BusName:
		c.busName(e)
	}
	c.fireTimers()
	c.runJobs()
	for c.stopUnneeded() {
		c.runJobs()
	}
	c.collect()
	out := c.out
	c.out = nil
	return out
}

// NextDeadline returns when the core next needs a Tick; ok is false when
// nothing is scheduled.
func (c *Core) NextDeadline() (at time.Duration, ok bool) {
	for len(c.timers) > 0 {
		t := c.timers[0]
		if !t.live() {
			heap.Pop(&c.timers)
			continue
		}
		return t.at, true
	}
	return 0, false
}

// Now is the time of the latest event.
func (c *Core) Now() time.Duration { return c.now }

func (c *Core) emit(a Action) { c.out = append(c.out, a) }

// logf logs a message about r; as systemd does, a message that does not
// name the unit is prefixed with its ID.
func (c *Core) logf(r *unitRT, prio int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.Contains(msg, r.id) {
		msg = r.id + ": " + msg
	}
	c.emit(Log{Unit: r.id, Priority: prio, Msg: msg})
}

// unit returns the run-time record of the unit named id, loading it.
func (c *Core) unit(id string) *unitRT {
	if r := c.units[id]; r != nil {
		return r
	}
	u, err := c.host.Load(id)
	if err != nil || u == nil {
		return nil
	}
	if r := c.units[u.ID]; r != nil {
		// id was an alias of a unit already known.
		c.units[id] = r
		return r
	}
	r := newUnitRT(u)
	c.units[u.ID] = r
	if id != u.ID {
		c.units[id] = r
	}
	c.queueCollect(r) // loaded for a look (systemctl show): unloaded after it
	return r
}

// named returns the unit a client names. One that was not found is
// asked of the host again, which loads it anew if its file appeared since
// (systemd 252 retries a not-found unit asked for by name: conformance 979).
func (c *Core) named(id string) *unitRT {
	r := c.unit(id)
	if r == nil || r.u.LoadState != loader.StateNotFound || r.job != nil {
		return r
	}
	u, err := c.host.Load(id)
	switch {
	case err != nil || u == nil || u == r.u:
	case u.ID == r.id:
		r.u = u
	default:
		// The name is another unit's alias now.
		for name, o := range c.units {
			if o == r {
				delete(c.units, name)
			}
		}
		return c.unit(id)
	}
	return r
}

// Lookup returns the loaded unit named id (nil when unknown).
func (c *Core) Lookup(id string) *loader.Unit {
	if r := c.named(id); r != nil {
		return r.u
	}
	return nil
}

// Loaded returns the IDs of every unit the core knows, sorted.
func (c *Core) Loaded() []string {
	ids := make([]string, 0, len(c.units))
	for id, r := range c.units {
		if r.id == id {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Replace swaps the unit files of every known unit for those of the
// loaded set (daemon-reload), keeping run-time state.
func (c *Core) Replace(load func(id string) *loader.Unit) {
	for _, id := range c.Loaded() {
		r := c.units[id]
		if u := load(id); u != nil {
			r.u = u
		}
	}
}

// ---------------------------------------------------------------- timers

type timerEntry struct {
	at       time.Duration
	u        *unitRT
	gen      uint64
	watchdog bool // WatchdogSec= rather than the unit's own deadline
}

func (t timerEntry) live() bool {
	if t.watchdog {
		return t.u.rareRO().watchdogGen == t.gen
	}
	return t.u.timerGen == t.gen
}

type timerHeap []timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].gen < h[j].gen
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// arm sets the unit's one deadline to d from now; usec of loader.Infinity
// (or 0, systemd's "no timeout") disarms it.
func (c *Core) arm(r *unitRT, usec uint64) {
	c.disarm(r)
	if usec == 0 || usec == loader.Infinity {
		return
	}
	c.armAt(r, c.now+time.Duration(usec)*time.Microsecond)
}

func (c *Core) armAt(r *unitRT, at time.Duration) {
	c.tgen++
	r.timerGen = c.tgen
	r.timerAt = at
	heap.Push(&c.timers, timerEntry{at: at, u: r, gen: c.tgen})
}

// disarm cancels the unit's deadline and ends a wait for a PID file
// (armPoll): a service leaves "start" only through arm or disarm.
func (c *Core) disarm(r *unitRT) {
	r.timerGen = 0
	if r.pollPIDFile {
		r.pollPIDFile = false
		r.rare.pollDeadline = 0
	}
}

func (c *Core) fireTimers() {
	for len(c.timers) > 0 {
		t := c.timers[0]
		if !t.live() {
			heap.Pop(&c.timers)
			continue
		}
		if t.at > c.now {
			return
		}
		heap.Pop(&c.timers)
		if t.watchdog {
			c.watchdogFired(t.u)
			continue
		}
		t.u.timerGen = 0
		c.timeout(t.u)
	}
}

func (c *Core) timeout(r *unitRT) {
	switch r.u.Type {
	case "service":
		c.svcTimeout(r)
	case "timer":
		c.timerElapsed(r)
	}
}

// ---------------------------------------------------------------- processes

func (c *Core) spawn(r *unitRT, ro role, kind string, cmd unit.ExecCommand) {
	c.nextToken++
	tok := c.nextToken
	c.tokens[tok] = &spawnRec{u: r, role: ro}
	if ro == roleMain {
		r.mainToken = tok
	} else {
		r.controlToken = tok
	}
	env := c.processEnv(r, kind)
	var socks []string
	if r.u.Type == "service" && (kind == "ExecStart" || kind == "ExecStartPre" || kind == "ExecStartPost") {
		socks = r.rareRO().sockets
	}
	c.emit(Spawn{Token: tok, Unit: r.u, Kind: kind, Cmd: cmd, Env: env, Sockets: socks, Conn: r.rareRO().conn, Invocation: r.invocation})
}

func (c *Core) processEnv(r *unitRT, kind string) []string {
	var env []string
	if r.invocation != "" {
		env = append(env, "INVOCATION_ID="+r.invocation)
	}
	if r.main > 0 {
		env = append(env, fmt.Sprintf("MAINPID=%d", r.main))
	}
	if s := r.u.Service; s != nil && s.WatchdogUSec > 0 && s.WatchdogUSec != loader.Infinity && kind == "ExecStart" {
		env = append(env, fmt.Sprintf("WATCHDOG_USEC=%d", s.WatchdogUSec))
	}
	if s := r.u.Service; s != nil && notifyAccess(s) != "none" {
		env = append(env, "NOTIFY_SOCKET="+c.NotifySocket)
	}
	if kind == "ExecStop" || kind == "ExecStopPost" {
		res := r.result
		env = append(env, "SERVICE_RESULT="+res)
		if r.mainCode != 0 {
			env = append(env, "EXIT_CODE="+codeName(r.mainCode), "EXIT_STATUS="+statusString(r.mainCode, r.mainStatus))
		}
	}
	env = append(env, r.rareRO().monitorEnv...)
	return env
}

func codeName(code int) string {
	switch code {
	case CLDExited:
		return "exited"
	case CLDKilled:
		return "killed"
	case CLDDumped:
		return "dumped"
	}
	return ""
}

func statusString(code, status int) string {
	if code == CLDExited {
		return fmt.Sprint(status)
	}
	return signalName(status)
}

func (c *Core) spawned(e Spawned) {
	rec := c.tokens[e.Token]
	if rec == nil {
		return
	}
	delete(c.tokens, e.Token)
	c.tokens = shrunk(c.tokens, 1, &c.tokensPeak)
	r := rec.u
	current := (rec.role == roleMain && r.mainToken == e.Token) || (rec.role == roleControl && r.controlToken == e.Token)
	if rec.role == roleMain && r.mainToken == e.Token {
		r.mainToken = 0
	}
	if rec.role == roleControl && r.controlToken == e.Token {
		r.controlToken = 0
	}
	// Datagrams held for this spawn are handled once it is taken (see
	// notified); a taken main process hears them before its exit, below.
	defer c.replayHeld(r, e.PID)
	if e.PID <= 0 {
		if !current {
			return
		}
		if e.Err != nil {
			c.logf(r, 3, "Failed to execute %s: %v", r.cmdDesc(), e.Err)
		}
		// systemd's child exits with the EXIT_* status when it cannot exec;
		// gosd learns it before the fork returns and reports it the same way
		// (a Type=simple service is started by then, so its job succeeds).
		if rec.role == roleMain && r.sub == "start" && r.u.Service != nil && r.u.Service.Type != "exec" {
			// a placeholder main process, so that the service is running
			// when its (never started) main process exits
			r.main = -1
			c.afterSpawn(r, roleMain)
		}
		c.procExit(r, rec.role, 0, CLDExited, e.Status)
		return
	}
	if !current {
		// The unit moved on (a stop overtook the spawn): the process is
		// not wanted any more.
		c.emit(Kill{Unit: r.id, Signal: syscall.SIGKILL, PIDs: []int{e.PID}})
		return
	}
	c.watch(e.PID, r)
	if rec.role == roleMain {
		r.main = e.PID
		r.execMainPID = e.PID
		r.mainCode, r.mainStatus = 0, 0
		r.mainStart = c.now
	} else {
		r.control = e.PID
	}
	// systemd sees its fork return before it reaps the child; here the
	// reaper may win the race, and the exit waits among the orphans. The
	// spawn is taken first either way (a Type=simple start job succeeds).
	c.afterSpawn(r, rec.role)
	// What the process said before its spawn was reported comes before
	// its exit: systemd handles its notify socket before SIGCHLD (the
	// priorities of its event sources; from its code, not recorded).
	c.replayHeld(r, e.PID)
	if ex, ok := c.orphans[e.PID]; ok {
		delete(c.orphans, e.PID)
		if ex.Seq == 0 || ex.Seq > e.Since {
			c.exited(ex)
		}
	}
}

func (c *Core) exited(e Exited) {
	r := c.pids[e.PID]
	if r == nil {
		c.keepOrphan(e)
		// A process of a unit that is waiting for its processes to go
		// may have been the last one, or the last one keeping an
		// inactive unit loaded.
		c.recheckEmpty()
		return
	}
	delete(c.pids, e.PID)
	more := c.shared[e.PID]
	delete(c.shared, e.PID)
	c.exitedIn(r, e)
	for _, r := range more {
		c.exitedIn(r, e)
	}
}

// exitedIn hands a process's exit to one unit that watches it.
func (c *Core) exitedIn(r *unitRT, e Exited) {
	switch e.PID {
	case r.main:
		r.main = 0
		r.mainCode, r.mainStatus = e.Code, e.Status
		r.mainExit = c.now
		c.procExit(r, roleMain, e.PID, e.Code, e.Status)
	case r.control:
		r.control = 0
		c.procExit(r, roleControl, e.PID, e.Code, e.Status)
	default:
		c.recheckEmpty()
	}
}

// keepOrphan keeps the latest 1024 exits no unit owned. The oldest goes
// only if it is still the one kept for its pid (a later exit of the same
// pid replaced it, or a unit took it).
func (c *Core) keepOrphan(e Exited) {
	const keep = 1024
	c.orphans[e.PID] = e
	c.orphanAge = append(c.orphanAge, e)
	if len(c.orphanAge) > keep {
		if old := c.orphanAge[0]; c.orphans[old.PID] == old {
			delete(c.orphans, old.PID)
		}
		c.orphanAge = c.orphanAge[1:]
	}
}

// claimMain makes pid, a live process, the unit's main process. An exit
// held among the orphans for that pid was an earlier process's: the pid
// was reaped, then used again.
func (c *Core) claimMain(r *unitRT, pid int) {
	if r.main == pid {
		return
	}
	if r.main > 0 {
		c.unwatch(r.main, r)
	}
	r.main = pid
	r.execMainPID = pid
	r.mainCode, r.mainStatus = 0, 0
	r.mainStart = c.now
	c.watch(pid, r)
	delete(c.orphans, pid)
}

// watch makes r one of the units that get pid's exit. A process is
// usually one unit's, but MAINPID= from root may name another unit's
// process, which then ends both (conformance 910); the others wait in
// shared.
func (c *Core) watch(pid int, r *unitRT) {
	cur := c.pids[pid]
	if cur == nil || cur == r {
		c.pids[pid] = r
		return
	}
	if slices.Contains(c.shared[pid], r) {
		return
	}
	if c.shared == nil {
		c.shared = map[int][]*unitRT{}
	}
	c.shared[pid] = append(c.shared[pid], r)
}

// unwatch undoes watch for r alone.
func (c *Core) unwatch(pid int, r *unitRT) {
	more := c.shared[pid]
	if c.pids[pid] == r {
		if len(more) == 0 {
			delete(c.pids, pid)
			return
		}
		c.pids[pid], more = more[0], more[1:]
	} else {
		more = slices.DeleteFunc(more, func(x *unitRT) bool { return x == r })
	}
	if len(more) == 0 {
		delete(c.shared, pid)
	} else {
		c.shared[pid] = more
	}
}

// recheckEmpty looks again at the units waiting for their processes to
// be gone, and at those kept loaded by processes a stop left behind
// (recheckLeftovers), after a process exited that was no unit's main or
// control process: one no unit knew, or one a unit abandoned still
// watching it (KillMode=none).
func (c *Core) recheckEmpty() {
	c.recheckLeftovers()
	if len(c.waitingEmpty) == 0 {
		return
	}
	for _, id := range slices.Sorted(maps.Keys(c.waitingEmpty)) {
		c.svcCheckEmpty(c.units[id])
	}
}

// setWaitEmpty records whether r waits for its processes to be gone.
func (c *Core) setWaitEmpty(r *unitRT, wait bool) {
	if !wait {
		delete(c.waitingEmpty, r.id)
		return
	}
	if c.waitingEmpty == nil {
		c.waitingEmpty = map[string]struct{}{}
	}
	c.waitingEmpty[r.id] = struct{}{}
}

// notified handles an sd_notify datagram.
func (c *Core) notified(e Notified) {
	r := c.pids[e.PID]
	if r == nil {
		r = c.unitOfPID(e.PID)
		if c.hold(r, e) {
			return
		}
	}
	if r == nil || r.u.Service == nil {
		return
	}
	access := notifyAccess(r.u.Service)
	switch access {
	case "none":
		c.logf(r, 4, "Got notification message from PID %d, but reception is disabled.", e.PID)
		return
	case "main":
		if e.PID != r.main {
			c.logf(r, 4, "Got notification message from PID %d, but reception only permitted for main PID %d", e.PID, r.main)
			return
		}
	case "exec":
		if e.PID != r.main && e.PID != r.control {
			c.logf(r, 4, "Got notification message from PID %d, but reception only permitted for main PID and control PID", e.PID)
			return
		}
	}
	c.svcNotify(r, e)
}

// heldDatagram is a datagram waiting for a spawn: unit is its sender's
// unit when the host could tell (a cgroup), "" when not (process groups).
type heldDatagram struct {
	unit string
	e    Notified
}

// The datagrams held at once, and those of one unit.
const maxHeld, maxHeldPerUnit = 64, 16

// hold keeps a datagram from a pid the core did not spawn (yet) that
// would be dropped, refused or misread now, while a spawn that may be its
// sender is in flight: systemd forks in its loop and knows the pid before it
// reads any datagram; gosd's spawn is reported by a worker, and a
// process that notifies at once (READY=1 right after exec) can be heard
// first. r is the sender's unit if the host could tell. Without cgroups
// the host cannot tell whose the process is before its spawn is
// reported: then any spawn in flight may be the sender's (a quick
// READY=1 was lost there and the start timed out).
func (c *Core) hold(r *unitRT, e Notified) bool {
	id := ""
	switch {
	case r == nil:
		if len(c.tokens) == 0 {
			return false
		}
	case r.u.Service == nil || r.mainToken == 0 && r.controlToken == 0:
		return false
	default:
		// Whatever the unit's NotifyAccess=: its new process's MAINPID=
		// naming itself must meet it as the control process (912).
		if e.PID == r.main || e.PID == r.control {
			return false
		}
		id = r.id
	}
	n := 0
	for _, h := range c.held {
		if h.unit == id {
			n++
		}
	}
	if len(c.held) >= maxHeld || id != "" && n >= maxHeldPerUnit {
		return false
	}
	c.held = append(c.held, heldDatagram{id, e})
	return true
}

// replayHeld handles, in the order they came, the held datagrams that r's
// spawn just reported (pid, 0 or less when it failed) settles: those from
// pid; those of r once no spawn of r is in flight; those of no unit once
// no spawn at all is (they are dropped then).
func (c *Core) replayHeld(r *unitRT, pid int) {
	if len(c.held) == 0 {
		return
	}
	settled := r.mainToken == 0 && r.controlToken == 0
	var due []Notified
	c.held = slices.DeleteFunc(c.held, func(h heldDatagram) bool {
		if pid > 0 && h.e.PID == pid || settled && h.unit == r.id || h.unit == "" && len(c.tokens) == 0 {
			due = append(due, h.e)
			return true
		}
		return false
	})
	for _, e := range due {
		c.notified(e)
	}
}

// unitOfPID finds the unit a pid that the core did not spawn belongs to.
func (c *Core) unitOfPID(pid int) *unitRT {
	r := c.units[c.host.UnitOfPID(pid)]
	if r == nil || r.u.Type != "service" || isInactiveOrFailed(r.active()) {
		return nil
	}
	return r
}

func notifyAccess(s *loader.Service) string {
	if s.NotifyAccess != "" {
		return s.NotifyAccess
	}
	if s.Type == "notify" {
		return "main"
	}
	return "none"
}

func (c *Core) killRequest(e KillRequest) {
	r := c.unit(e.Unit)
	if r == nil {
		return
	}
	var pids []int
	group := false
	switch e.Whom {
	case "main":
		if r.main > 0 {
			pids = append(pids, r.main)
		}
	case "control":
		if r.control > 0 {
			pids = append(pids, r.control)
		}
	default:
		if r.main > 0 {
			pids = append(pids, r.main)
		}
		if r.control > 0 {
			pids = append(pids, r.control)
		}
		group = true
	}
	c.emit(Kill{Unit: r.id, Signal: e.Signal, PIDs: pids, Group: group})
}

func (c *Core) resetFailed(id string) {
	for _, uid := range c.Loaded() {
		if id != "" && uid != id && c.units[id] != c.units[uid] {
			continue
		}
		r := c.units[uid]
		r.limitCount, r.limitBegin = 0, 0
		r.nRestarts = 0
		if r.active() == "failed" {
			r.result = "success"
			c.setSub(r, "dead")
		}
	}
}

// shrunk is called after removed entries were taken out of m. It returns
// m, or a copy of it sized to what it holds once that is an eighth or less
// of the most it held (*peak, which it keeps and resets): a Go map keeps
// the table of its largest size, and a boot fills the maps of jobs and
// spawns with 1000 entries once.
func shrunk[K comparable, V any](m map[K]V, removed int, peak *int) map[K]V {
	*peak = max(*peak, len(m)+removed)
	if *peak < 128 || len(m) > *peak/8 {
		return m
	}
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	*peak = len(c)
	return c
}
