package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/condition"
	"github.com/gosd/gosd/engine"
	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/journal"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/notify"
	"github.com/gosd/gosd/spawn"
	"github.com/gosd/gosd/track"
	"github.com/gosd/gosd/unit"
)

// notifySocket is where services send sd_notify messages.
const notifySocket = "/run/gosd/notify"

// manager is a running gosd: the loop and what serves it.
type manager struct {
	endProfiles []func() // end the shutdown's CPU profile and trace
	root        string
	pid1        bool // gosd is PID 1: it runs the generators
	loop        *engine.Loop
	set         *loader.Set // touched only on the loop goroutine
	log         zerolog.Logger
	journal     *journal.Journal
	tracker     *track.Tracker
	cond        *condition.Host
	start       time.Time
	boot        time.Duration // CLOCK_MONOTONIC at start

	isStopping   atomic.Bool
	shutdownOnce sync.Once
	spawnMgr     *spawn.Manager
	busHub       busHub       // the private bus's connections, for its signals
	exitStatus   atomic.Int32 // an exit action's status (unitAction)
}

// managerOptions are the command-line flags of the manager, systemd's where
// they mean the same.
type managerOptions struct {
	unit      string
	logLevel  string
	logFormat string
	// tracking is "cgroup" (a cgroup v2 sub-tree when one can be made,
	// else process groups) or "process-groups" (gosd's --process-tracking=)
	tracking string
	// journalMax bounds the bytes of log lines kept (gosd's
	// --journal-max-use=, a size as journald's RuntimeMaxUse= takes)
	journalMax int
}

// defaultJournalMax is 1 MiB: a twelfth of the manager's 12 MB RSS target
// with 1000 units, over three times the lines of their boot.
const defaultJournalMax = 1 << 20

func parseManagerArgs(args []string) (managerOptions, error) {
	o := managerOptions{unit: "default.target", logLevel: "info", logFormat: "console", journalMax: defaultJournalMax}
	for _, a := range args {
		name, val, _ := strings.Cut(a, "=")
		switch name {
		case "--unit":
			o.unit = val
		case "--log-level":
			o.logLevel = val
		case "--log-format":
			o.logFormat = val
		case "--process-tracking":
			if val != "cgroup" && val != "process-groups" {
				return o, fmt.Errorf("--process-tracking=%s: want cgroup or process-groups", val)
			}
			o.tracking = val
		case "--journal-max-use":
			n, err := unit.ParseSize(val, 1024)
			if err != nil {
				return o, fmt.Errorf("--journal-max-use=%s: want a size (1M, 512K, infinity): %w", val, err)
			}
			o.journalMax = int(min(n, math.MaxInt))
		case "--log-target", "--log-color", "--log-location", "--log-time", "--show-status",
			"--system", "--crash-shell", "--confirm-spawn", "--default-standard-output", "--default-standard-error":
			// systemd's flags that do not change what gosd does
		default:
			if strings.HasPrefix(a, "-") {
				return o, fmt.Errorf("unknown option %s", a)
			}
			// Kernel command line words a container runtime may pass.
		}
	}
	return o, nil
}

// runManager runs gosd as the service manager (PID 1 or a supervisor) and
// returns its exit code.
func runManager(args []string, stdout, stderr io.Writer) int {
	opts, err := parseManagerArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "gosd: %v\n", err)
		return 1
	}
	// First of all: this may re-execute gosd so that children inherit
	// systemd's defaults without the exec helper.
	sm, prepErr := spawn.PrepareManager("/")
	m := &manager{root: "/", start: time.Now(), spawnMgr: sm}
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	m.boot = time.Duration(ts.Nano())
	m.log = newLogger(stdout, opts)
	if prepErr != nil {
		m.log.Warn().Err(prepErr).Msg("cannot prepare the manager's process settings; more units will need the exec helper")
	}

	if os.Getenv("GOGC") == "" {
		// The heap may grow to 1.25 times the live data between collections
		// instead of twice: measured on the 1000-unit boots, 1.5 MB less
		// RSS at 50 than at 100, and 0.2 MiB less again at 25, for 10-20 ms
		// more GC CPU over a simple boot and shutdown (gctrace; part of it
		// on idle processors), which PID 1's CPU to the end of the boot
		// and the boot time did not show beyond their noise.
		debug.SetGCPercent(25)
	}
	for _, k := range []string{"GOSD_CPUPROFILE", "GOSD_SHUTDOWN_CPUPROFILE", "GOSD_SHUTDOWN_TRACE", "GOSD_MEMPROFILE", "GOSD_MEMSTATS"} {
		if os.Getenv(k) != "" && !profiling {
			m.log.Warn().Str("variable", k).Msg("profiles need gosd built with -tags gosd_profile; none is written")
		}
	}
	if path := os.Getenv("GOSD_CPUPROFILE"); path != "" {
		// a CPU profile of the whole run, for BENCHMARKS.md's hot spots
		defer startCPUProfile(path)()
	}
	pid1 := os.Getpid() == 1
	syscall.Umask(0o022)
	if !pid1 {
		// Orphans of the services come back to gosd, so that it reaps
		// them and finds a forking daemon's processes.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			m.log.Warn().Err(err).Msg("cannot become a child subreaper")
		}
	}
	m.log.Info().Int("pid", os.Getpid()).Str("unit", opts.unit).Msg("gosd starting")

	m.journal, err = journal.New(stdout, 200, opts.journalMax)
	if err != nil {
		m.log.Error().Err(err).Msg("cannot start the log capture")
		return 1
	}
	m.tracker, err = track.NewWithOptions(track.Options{Root: "/", ProcessGroups: opts.tracking == "process-groups"})
	if err != nil {
		m.log.Error().Err(err).Msg("cannot track processes")
		return 1
	}
	m.log.Info().Str("tracking", m.tracker.Mode()).Msg("process tracking")
	m.cond = condition.NewHost("/")
	m.pid1 = pid1
	if pid1 {
		// As systemd's PID 1 does before it loads units. Beside another
		// init they are that init's to run: their output directories
		// are its.
		m.generate()
	}
	m.set = loader.NewSet(loader.SystemPaths("/"), &unit.Host{Root: "/"})

	sa, err := newSocketAdapter("/")
	if err != nil {
		m.log.Error().Err(err).Msg("cannot watch sockets")
		return 1
	}
	m.loop = engine.NewLoop(engine.Config{
		Host:    managerHost{m},
		Spawner: spawner{m},
		Tracker: trackerAdapter{m.tracker},
		Output:  outputAdapter{m},
		Sockets: sa,
		Cleanup: m.cleanup,
		Bus:     &busWatcher{log: &m.log},
		// systemctl poweroff, reboot, halt and exit end in a unit's
		// SuccessAction= (systemd-poweroff.service, ...)
		UnitAction: m.unitAction,
		// The search path's scan is rescanned when a unit not loaded yet
		// is asked for; between jobs it is memory for nothing.
		Idle: func() { m.set.ForgetIndex() },

		NotifySocket: notifySocket,
	})
	nl, err := notify.Listen(notifySocket)
	if err != nil {
		m.log.Warn().Err(err).Msg("no notify socket: Type=notify services will not get ready")
	} else {
		go m.readNotify(nl)
	}
	ctl, err := listenControl()
	if err != nil {
		m.log.Error().Err(err).Msg("no control socket: systemctl cannot reach gosd")
	} else {
		go serveControl(ctl, m)
	}

	var bus *unixListener
	if pid1 {
		// systemd's own tools in the booted root ask PID 1 there
		if bus, err = listenBus(busPrivate); err != nil {
			m.log.Warn().Err(err).Msg("no private bus: systemd-update-utmp and other systemd tools cannot reach gosd")
		} else {
			go serveBus(bus, m, &m.log)
			// sd_booted(3)'s mark: systemd's tools in the root (systemctl,
			// invoke-rc.d, deb-systemd-invoke) then talk to PID 1 on the
			// private bus. systemd makes it before its generators run;
			// gosd makes it once the bus answers.
			if err := os.MkdirAll("/run/systemd/system", 0o755); err != nil {
				m.log.Warn().Err(err).Msg("cannot make /run/systemd/system: systemd's tools will say the system was not booted with systemd")
			}
		}
	}

	sigs := make(chan os.Signal, 8)
	// SIGRTMIN+3..6: systemd's halt, poweroff, reboot and kexec requests
	// (libc's SIGRTMIN is 34).
	rt := func(n int) os.Signal { return syscall.Signal(34 + n) }
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, rt(3), rt(4), rt(5), rt(6))
	go func() {
		for s := range sigs {
			m.log.Info().Str("signal", s.String()).Msg("shutting down")
			go m.shutdown()
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		m.loop.Request(engine.JobRequest{Unit: opts.unit, Type: graph.Start, Mode: graph.Replace}, func(r engine.Reply) {
			if r.Err != nil {
				m.log.Error().Err(r.Err).Str("unit", opts.unit).Msg("cannot start the default unit")
			}
		})
		// The boot's transaction has loaded its units: the scan of the
		// search path is rescanned if a unit not loaded yet is asked for.
		m.loop.Call(func(*engine.Core) { m.set.ForgetIndex() })
	}()
	err = m.loop.Run(ctx)
	if ctl != nil {
		ctl.Close()
		os.Remove(controlSocket)
	}
	if nl != nil {
		nl.Close()
	}
	if bus != nil {
		bus.Close()
		os.Remove(busPrivate)
	}
	m.finalKill(pid1)
	// the cgroups of units stopped a moment ago that were still busy
	m.tracker.Flush(200 * time.Millisecond)
	for _, end := range m.endProfiles {
		end()
	}
	m.log.Info().Msg("gosd stopped")
	if err != nil && !errors.Is(err, context.Canceled) {
		return 1
	}
	if st := m.exitStatus.Load(); st > 0 {
		return int(st)
	}
	return 0
}

// unitAction does a unit's SuccessAction=, FailureAction= or
// StartLimitAction=. gosd stops
// every unit and ends for each of them: it reboots, powers off or halts
// nothing, which in a container is its parent's to do when PID 1 ends.
// An exit action's status becomes gosd's.
func (m *manager) unitAction(a engine.UnitAction) {
	what, _, _ := strings.Cut(a.Action, "-")
	m.log.Warn().Str("unit", a.Unit).Str("action", a.Action).Msg(what + " requested by the unit's SuccessAction=, FailureAction= or StartLimitAction=: stopping every unit and ending")
	if what == "exit" && a.ExitStatus >= 0 {
		m.exitStatus.CompareAndSwap(0, int32(min(a.ExitStatus, 255)))
	}
	go m.shutdown()
}

func newLogger(w io.Writer, o managerOptions) zerolog.Logger {
	level, err := zerolog.ParseLevel(o.logLevel)
	if err != nil || o.logLevel == "" {
		level = zerolog.InfoLevel
	}
	// Process-wide setting of zerolog's: gosd's one logger wants
	// sub-second timestamps.
	zerolog.TimeFieldFormat = time.RFC3339Nano
	if o.logFormat == "json" {
		return zerolog.New(w).Level(level).With().Timestamp().Logger()
	}
	// The readable form stamps each line itself when it writes it.
	return zerolog.New(&consoleLog{out: w, color: isTTY(w), now: time.Now}).Level(level)
}

func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readNotify passes sd_notify datagrams to the loop.
func (m *manager) readNotify(l *notify.Listener) {
	for {
		msg, err := l.Recv()
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			m.log.Warn().Err(err).Msg("notify socket")
			continue
		}
		for _, f := range msg.FDs {
			// gosd keeps no file descriptor store yet.
			f.Close()
		}
		if msg.Err != nil {
			m.log.Warn().Err(msg.Err).Int32("pid", msg.PID).Msg("bad notify datagram")
		}
		if len(msg.Fields) == 0 {
			continue
		}
		fields := make([][2]string, len(msg.Fields))
		for i, f := range msg.Fields {
			fields[i] = [2]string{f.Key, f.Value}
		}
		m.loop.Post(engine.Notified{PID: int(msg.PID), UID: msg.UID, Fields: fields})
	}
}

// shutdown stops every unit and ends the loop.
func (m *manager) shutdown() {
	m.shutdownOnce.Do(func() {
		if path := os.Getenv("GOSD_MEMPROFILE"); path != "" {
			// the heap as it was before the shutdown, for BENCHMARKS.md
			writeHeapProfile(path)
		}
		if path := os.Getenv("GOSD_MEMSTATS"); path != "" {
			writeMemClasses(path)
		}
		if path := os.Getenv("GOSD_SHUTDOWN_CPUPROFILE"); path != "" && os.Getenv("GOSD_CPUPROFILE") == "" {
			// a CPU profile of the shutdown alone, ended when PID 1 exits
			m.endProfiles = append(m.endProfiles, startCPUProfile(path))
		}
		if path := os.Getenv("GOSD_SHUTDOWN_TRACE"); path != "" {
			// an execution trace of the same span, with the CPU profile or without
			m.endProfiles = append(m.endProfiles, startTrace(path))
		}
		m.isStopping.Store(true)
		m.loop.Shutdown()
	})
}

func (m *manager) stopping() bool { return m.isStopping.Load() }

// finalKill sends what is left SIGTERM, then SIGKILL, and reaps it, as an
// init must before it exits.
func (m *manager) finalKill(pid1 bool) {
	if !pid1 {
		return
	}
	unix.Kill(-1, unix.SIGTERM)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.ECHILD) {
			return
		}
		if pid <= 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	unix.Kill(-1, unix.SIGKILL)
}

// wall turns the loop's monotonic offset into wall-clock time.
func (m *manager) wall(d time.Duration) time.Time { return m.start.Add(d) }

// monotonic turns it into CLOCK_MONOTONIC, as systemd's *Monotonic
// properties show.
func (m *manager) monotonic(d time.Duration) time.Duration { return m.boot + d }

func (m *manager) lookup(name string) (*loader.Unit, error) {
	var u *loader.Unit
	m.loop.Call(func(c *engine.Core) { u = snapshot(c.Lookup(name)) })
	if u == nil {
		return nil, fmt.Errorf("Unit %s not found.", name)
	}
	return u, nil
}

// snapshot copies u (nil: nil) for use outside the loop: the loop gives a
// unit new dependency lists (loader's link and Forget make new ones and
// never change a list in place) while a client reads the copy.
func snapshot(u *loader.Unit) *loader.Unit {
	if u == nil {
		return nil
	}
	cp := *u
	return &cp
}

// tail is the last n lines the unit logged, as status shows them.
func (m *manager) tail(id string, n int) []string {
	var out []string
	for _, e := range m.journal.Tail(id, n) {
		who := e.Ident
		if who == "" {
			who = "gosd"
		}
		if e.PID > 0 {
			who = fmt.Sprintf("%s[%d]", who, e.PID)
		}
		out = append(out, fmt.Sprintf("%s %s: %s", e.Time.Format("Jan 02 15:04:05"), who, e.Message))
	}
	return out
}

// reload is daemon-reload: the unit files are read again; run-time state
// stays.
func (m *manager) reload() error {
	if m.pid1 {
		m.generate()
	}
	m.loop.Call(func(c *engine.Core) {
		m.set = loader.NewSet(loader.SystemPaths(m.root), &unit.Host{Root: m.root})
		c.Replace(func(id string) *loader.Unit {
			u, err := m.set.Load(id)
			if err != nil {
				return nil
			}
			return u
		})
	})
	return nil
}

// managerHost is the engine's view of the machine.
type managerHost struct{ m *manager }

func (h managerHost) Load(name string) (*loader.Unit, error) {
	u, err := h.m.set.Load(name)
	if err == nil && u != nil {
		h.m.reportOnce(u)
	}
	return u, err
}

func (h managerHost) Forget(id string) { h.m.set.Forget(id) }

func (h managerHost) Conditions(u *loader.Unit, asserts bool) (bool, string) {
	conds := u.Unit.Conditions
	if asserts {
		conds = u.Unit.Asserts
	}
	if len(conds) == 0 {
		return true, ""
	}
	ok, results := condition.Check(conds, h.m.cond)
	if ok {
		return true, ""
	}
	label := u.ID
	if d := u.Unit.Description; d != "" && d != u.ID {
		label += " - " + d
	}
	if asserts {
		return false, condition.AssertFailedMessage(label)
	}
	return false, condition.SkipMessage(label, results)
}

func (h managerHost) ReadPIDFile(path string) (int, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return 0, false, err
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return 0, false, err
	}
	line, _, _ := strings.Cut(string(b), "\n") // the first line, as systemd
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, false, fmt.Errorf("%s: not a pid: %q", path, strings.TrimSpace(line))
	}
	return pid, st.Uid == 0, nil
}

// PIDAlive: see track.Tracker.Alive.
func (h managerHost) PIDAlive(pid int) bool { return h.m.tracker.Alive(pid) }

func (h managerHost) UnitPIDs(id string) []int { return h.m.tracker.Pids(id) }

func (h managerHost) UnitOfPID(pid int) string         { return h.m.tracker.UnitOf(pid) }
func (h managerHost) ClaimPID(id string, pid int) bool { return h.m.tracker.Claim(id, pid) }

// reportOnce logs a unit's load problems and unsupported settings, once,
// when the unit is first loaded (and again when a reload loads it anew).
func (m *manager) reportOnce(u *loader.Unit) {
	if !u.FirstReport() {
		return
	}
	for _, d := range u.Diags {
		m.log.Warn().Str("unit", u.ID).Msg(d.Error())
	}
	if len(u.Unsupported()) > 0 {
		m.log.Warn().Str("unit", u.ID).Strs("settings", u.Unsupported()).Msg("settings gosd does not support are ignored")
	}
	if u.LoadError != nil && u.LoadState != "not-found" {
		m.log.Error().Str("unit", u.ID).Str("load-state", u.LoadState).Msg(u.LoadError.Error())
	}
}

// cleanup removes what a stopped unit leaves behind: its runtime
// directories (unless RuntimeDirectoryPreserve= keeps them), its PrivateTmp=
// directories and its cgroup.
func (m *manager) cleanup(u *loader.Unit, invocation string) {
	m.tracker.Release(u.ID)
	if u.Service != nil && u.Service.PIDFile != "" {
		// as systemd, the PID file of a stopped service goes
		os.Remove(u.Service.PIDFile)
	}
	if u.Exec == nil {
		return
	}
	if u.Exec.RuntimeDirectoryPreserve != "yes" {
		for _, d := range spawn.RuntimeDirectories(u, m.root) {
			os.RemoveAll(d)
		}
	}
	if u.Exec.PrivateTmp && invocation != "" {
		if err := spawn.RemovePrivateTmp(m.root, u.ID, invocation); err != nil {
			m.log.Warn().Err(err).Str("unit", u.ID).Msg("cannot remove PrivateTmp= directories")
		}
	}
}
