package engine

import (
	"container/heap"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// The service state machine follows systemd.service(5) and systemd 252's
// observed behaviour: condition → start-pre → start → start-post →
// running/exited, and stop → stop-sigterm → stop-sigkill → stop-post →
// final-sigterm → final-sigkill → dead/failed (→ auto-restart).

func (c *Core) svcStart(r *unitRT) {
	s := r.u.Service
	if !c.startLimitOK(r) {
		c.logf(r, 3, "Start request repeated too quickly.")
		// before the unit fails, as systemd's unit_test_start_limit
		c.unitAction(r, r.u.Unit.StartLimitAction(), -1)
		// the result of the run before stays, if it was a failure
		c.svcDead(r, "start-limit-hit", false)
		if r.job != nil && r.job.running {
			c.finishJob(r.job, "failed")
		}
		return
	}
	r.result = "success"
	r.forbidRestart = false
	if socks := c.serviceSockets(r); socks != nil || r.rare != nil {
		// what a start before this one left
		x := r.rareRW()
		x.statusText, x.statusErrno, x.sockets, x.reloadResult = "", 0, socks, ""
	}
	c.logf(r, 6, "Starting %s...", r.descWithName())
	if len(s.ExecCondition) > 0 {
		c.svcRunControl(r, "condition", "ExecCondition", s.ExecCondition)
		return
	}
	c.svcStartPre(r)
}

// serviceSockets lists the active socket units that pass their fds to r.
func (c *Core) serviceSockets(r *unitRT) []string {
	var out []string
	add := func(id string) {
		if !strings.HasSuffix(id, ".socket") || slices.Contains(out, id) {
			return
		}
		if o := c.units[id]; o != nil && o.active() == "active" {
			out = append(out, id)
		}
	}
	for _, id := range r.u.Service.Sockets {
		add(id)
	}
	for _, id := range r.u.Deps.Of(loader.TriggeredBy) {
		add(id)
	}
	return out
}

// startLimitOK counts a start against StartLimitBurst= per
// StartLimitIntervalSec=.
func (c *Core) startLimitOK(r *unitRT) bool {
	iv, burst := r.u.Unit.StartLimitIntervalUSec, r.u.Unit.StartLimitBurst
	if iv == 0 || burst == 0 {
		return true
	}
	// compared in µs, so that infinity (loader.Infinity) never ends the window
	if r.limitCount == 0 || uint64((c.now-r.limitBegin)/time.Microsecond) >= iv {
		r.limitBegin = c.now
		r.limitCount = 0
	}
	if r.limitCount < burst {
		r.limitCount++
		return true
	}
	return false
}

func (c *Core) svcRunControl(r *unitRT, sub, kind string, cmds []unit.ExecCommand) {
	r.cmds, r.cmdIdx, r.cmdKind = cmds, 0, kind
	c.setSub(r, sub)
	c.armFor(r)
	c.spawn(r, roleControl, kind, cmds[0])
}

func (c *Core) svcStartPre(r *unitRT) {
	if cmds := r.u.Service.ExecStartPre; len(cmds) > 0 {
		c.svcRunControl(r, "start-pre", "ExecStartPre", cmds)
		return
	}
	c.svcStartMain(r)
}

func (c *Core) svcStartMain(r *unitRT) {
	s := r.u.Service
	cmds := s.ExecStart
	r.cmds, r.cmdIdx, r.cmdKind = cmds, 0, "ExecStart"
	if len(cmds) == 0 {
		// Only oneshot services may lack ExecStart= (the loader refuses
		// others); they go straight on.
		c.setSub(r, "start")
		c.svcStartPost(r)
		return
	}
	c.setSub(r, "start")
	c.armFor(r)
	ro := roleMain
	if s.Type == "forking" {
		ro = roleControl
	}
	c.spawn(r, ro, "ExecStart", cmds[0])
}

// afterSpawn is called once a spawned process is running.
func (c *Core) afterSpawn(r *unitRT, ro role) {
	if r.u.Type != "service" || r.sub != "start" || ro != roleMain {
		return
	}
	switch r.u.Service.Type {
	case "simple", "exec", "idle", "":
		c.svcStartPost(r)
	case "dbus":
		c.dbusStarted(r)
	}
}

func (c *Core) svcStartPost(r *unitRT) {
	if cmds := r.u.Service.ExecStartPost; len(cmds) > 0 {
		c.svcRunControl(r, "start-post", "ExecStartPost", cmds)
		return
	}
	c.svcRunning(r, "success")
}

// svcRunning is systemd's service_enter_running.
func (c *Core) svcRunning(r *unitRT, f string) {
	c.setResult(r, f)
	r.control = 0
	switch {
	case r.result != "success":
		c.svcSignal(r, "stop-sigterm", f)
	case c.svcGood(r) && c.busGood(r):
		c.setSub(r, "running")
		c.arm(r, r.u.Service.RuntimeMaxUSec)
		c.armWatchdog(r)
	case r.u.Service.RemainAfterExit:
		c.disarm(r)
		c.setSub(r, "exited")
	default:
		c.svcStopCmds(r, "success")
	}
}

// svcGood reports whether the service still runs: its main process, or
// when it has none, any process of it.
func (c *Core) svcGood(r *unitRT) bool {
	if r.main != 0 {
		return true
	}
	if r.mainCode != 0 && r.u.Service.Type != "forking" {
		return false // the main process exited
	}
	if r.u.Service.Type == "forking" && r.execMainPID == 0 {
		return len(c.host.UnitPIDs(r.id)) > 0
	}
	return false
}

func (c *Core) setResult(r *unitRT, f string) {
	if r.result == "success" {
		r.result = f
	}
}

// svcStopCmds is service_enter_stop: ExecStop=, then the kill sequence.
func (c *Core) svcStopCmds(r *unitRT, f string) {
	c.setResult(r, f)
	if cmds := r.u.Service.ExecStop; len(cmds) > 0 {
		c.svcRunControl(r, "stop", "ExecStop", cmds)
		return
	}
	c.svcSignal(r, "stop-sigterm", "success")
}

// svcSignal is service_enter_signal: kill per KillMode= and wait.
func (c *Core) svcSignal(r *unitRT, state, f string) {
	c.setResult(r, f)
	k := r.u.Kill
	var sig syscall.Signal
	switch state {
	case "stop-sigterm", "final-sigterm":
		sig = syscall.Signal(k.KillSignal)
		if state == "stop-sigterm" && r.job != nil && r.job.typ == graph.Restart && k.RestartKillSignal != 0 {
			sig = syscall.Signal(k.RestartKillSignal)
		}
	case "stop-watchdog", "final-watchdog":
		sig = syscall.Signal(k.WatchdogSignal)
	default:
		sig = syscall.Signal(k.FinalKillSignal)
		if sig == 0 {
			sig = syscall.SIGKILL
		}
	}
	wait := c.killUnit(r, sig, state == "stop-sigterm" || state == "final-sigterm")
	if state == "final-sigterm" && k.KillMode == "mixed" {
		// mixed: what is left after the main process gets SIGKILL, never
		// SIGTERM
		if rest := c.host.UnitPIDs(r.id); len(rest) > 0 {
			c.emit(Kill{Unit: r.id, Signal: syscall.SIGKILL, Group: true})
			c.setWaitEmpty(r, true)
			wait = true
		}
	}
	if wait {
		c.setSub(r, state)
		t := r.u.Service.TimeoutStopUSec
		if state == "stop-watchdog" {
			t = r.u.Service.TimeoutAbort() // conformance 310
		}
		c.arm(r, t)
		return
	}
	switch state {
	case "stop-sigterm", "stop-sigkill", "stop-watchdog":
		c.svcStopPost(r, "success")
	default:
		c.svcDead(r, "success", true)
	}
}

// killUnit sends sig to the unit's processes as its KillMode= says and
// reports whether there is anything to wait for.
func (c *Core) killUnit(r *unitRT, sig syscall.Signal, term bool) bool {
	mode := r.u.Kill.KillMode
	var pids []int
	if r.main > 0 {
		pids = append(pids, r.main)
	}
	if r.control > 0 {
		pids = append(pids, r.control)
	}
	group := false
	switch mode {
	case "none":
		// Nothing is signalled; what still runs is abandoned.
		return r.control > 0
	case "process":
	case "mixed":
		group = !term
	default:
		group = true
	}
	rest := 0
	if group && len(pids) == 0 {
		// With a main or control process the service moves on when they
		// are gone (as systemd does); only without them does it wait for
		// the rest, so only then are they counted.
		rest = len(c.host.UnitPIDs(r.id))
	}
	if len(pids) == 0 && rest == 0 {
		return false
	}
	c.emit(Kill{Unit: r.id, Signal: sig, PIDs: pids, Group: group})
	if term && r.u.Kill.SendSIGHUP {
		c.emit(Kill{Unit: r.id, Signal: syscall.SIGHUP, PIDs: pids, Group: group})
	}
	c.setWaitEmpty(r, group && rest > 0)
	return true
}

func (c *Core) svcStopPost(r *unitRT, f string) {
	c.setResult(r, f)
	c.setWaitEmpty(r, false)
	if cmds := r.u.Service.ExecStopPost; len(cmds) > 0 {
		c.svcRunControl(r, "stop-post", "ExecStopPost", cmds)
		return
	}
	c.svcSignal(r, "final-sigterm", "success")
}

// svcDead is service_enter_dead.
func (c *Core) svcDead(r *unitRT, f string, allowRestart bool) {
	c.setResult(r, f)
	c.setWaitEmpty(r, false)
	c.disarm(r)
	r.main, r.control = 0, 0
	end := "dead"
	switch r.result {
	case "success":
	case "exec-condition":
		c.logf(r, 6, "Skipped due to '%s'.", r.result)
	default:
		c.logf(r, 4, "Failed with result '%s'.", r.result)
		end = "failed"
	}
	restart := allowRestart && c.shallRestart(r)
	r.willRestart = restart
	c.setSub(r, end)
	r.willRestart = false
	if restart {
		c.setSub(r, "auto-restart")
		if r.u.Service.RestartUSec == 0 {
			c.svcAutoRestart(r)
			return
		}
		c.arm(r, r.u.Service.RestartUSec)
	}
}

func (c *Core) shallRestart(r *unitRT) bool {
	s := r.u.Service
	if r.forbidRestart {
		return false
	}
	if r.job != nil && r.job.typ == graph.Stop {
		return false
	}
	switch r.result {
	case "start-limit-hit", "exec-condition":
		return false
	}
	if r.mainCode == CLDExited && slices.Contains(s.RestartForceExitStatus().Status, r.mainStatus) ||
		r.mainCode != CLDExited && r.mainCode != 0 && slices.Contains(s.RestartForceExitStatus().Signals, r.mainStatus) {
		return true
	}
	if r.mainCode == CLDExited && slices.Contains(s.RestartPreventExitStatus().Status, r.mainStatus) ||
		r.mainCode != CLDExited && r.mainCode != 0 && slices.Contains(s.RestartPreventExitStatus().Signals, r.mainStatus) {
		return false
	}
	switch s.Restart {
	case "always":
		return true
	case "on-success":
		return r.result == "success"
	case "on-failure":
		return r.result != "success"
	case "on-abnormal":
		return slices.Contains([]string{"signal", "core-dump", "timeout", "watchdog"}, r.result)
	case "on-watchdog":
		return r.result == "watchdog"
	case "on-abort":
		return r.result == "signal" || r.result == "core-dump"
	}
	return false
}

func (c *Core) svcAutoRestart(r *unitRT) {
	if r.job != nil && r.job.typ == graph.Stop {
		c.setSub(r, "dead")
		return
	}
	r.nRestarts++
	c.logf(r, 6, "Scheduled restart job, restart counter is at %d.", r.nRestarts)
	if c.enqueue(r.id, graph.Restart, graph.Replace) == nil {
		c.setSub(r, "failed")
	}
}

// svcStop is service_stop, for stop and restart jobs.
func (c *Core) svcStop(r *unitRT) {
	r.forbidRestart = true
	switch r.sub {
	case "stop", "stop-sigterm", "stop-sigkill", "stop-post", "final-sigterm", "final-sigkill", "stop-watchdog", "final-watchdog":
		return
	case "auto-restart":
		c.disarm(r)
		c.setSub(r, "dead")
		if r.job != nil && r.job.typ == graph.Restart {
			c.finishJob(r.job, "done")
		}
		return
	case "condition", "start-pre", "start", "start-post", "reload":
		c.svcSignal(r, "stop-sigterm", "success")
	case "running", "exited":
		c.svcStopCmds(r, "success")
	}
	if r.job != nil && r.job.typ == graph.Restart && isInactiveOrFailed(r.active()) {
		c.finishJob(r.job, "done")
	}
}

func (c *Core) svcReload(r *unitRT) {
	cmds := r.u.Service.ExecReload
	if len(cmds) == 0 {
		c.finishJob(r.job, "done")
		return
	}
	if r.rare != nil {
		r.rare.reloadResult = ""
	}
	c.svcRunControl(r, "reload", "ExecReload", cmds)
}

// armFor arms the deadline of the state the service is in.
func (c *Core) armFor(r *unitRT) {
	s := r.u.Service
	switch r.sub {
	case "condition", "start-pre", "start", "start-post", "reload":
		c.arm(r, s.TimeoutStartUSec)
	case "running":
		c.arm(r, s.RuntimeMaxUSec)
	case "auto-restart":
		c.arm(r, s.RestartUSec)
	default:
		c.arm(r, s.TimeoutStopUSec)
	}
}

// cleanExit reports whether an exit counts as success: exit 0 (or
// SuccessExitStatus=), and for a daemon's main process also the signals
// that ask a daemon to terminate.
func cleanExit(s *loader.Service, code, status int, main bool) bool {
	if code == CLDExited {
		return status == 0 || main && slices.Contains(s.SuccessExitStatus().Status, status)
	}
	if code == CLDKilled && main && s.Type != "oneshot" {
		switch syscall.Signal(status) {
		case syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE:
			return true
		}
	}
	return main && code != 0 && slices.Contains(s.SuccessExitStatus().Signals, status)
}

func failResult(code int) string {
	switch code {
	case CLDKilled:
		return "signal"
	case CLDDumped:
		return "core-dump"
	}
	return "exit-code"
}

// procExit handles the exit of the unit's main or control process.
func (c *Core) procExit(r *unitRT, ro role, pid, code, status int) {
	if r.u.Type != "service" {
		return
	}
	if ro == roleMain {
		r.main = 0
		r.mainCode, r.mainStatus = code, status
		r.mainExit = c.now
		c.svcMainExit(r, code, status)
		return
	}
	r.control = 0
	c.svcControlExit(r, code, status)
}

func (c *Core) logExit(r *unitRT, what string, code, status int) {
	if code == CLDExited {
		c.logf(r, 6, "%s exited, code=exited, status=%d/%s", what, status, exitStatusName(status))
	} else {
		c.logf(r, 6, "%s exited, code=%s, status=%d/%s", what, codeName(code), status, signalName(status))
	}
}

func (c *Core) svcMainExit(r *unitRT, code, status int) {
	s := r.u.Service
	f := "success"
	clean := cleanExit(s, code, status, true)
	if !clean {
		f = failResult(code)
		if r.cmdKind == "ExecStart" && r.cmdIdx < len(r.cmds) && r.cmds[r.cmdIdx].IgnoreFailure {
			f = "success"
		}
	}
	if !clean {
		c.logExit(r, "Main process", code, status)
	}
	if f != "success" {
		c.setResult(r, f)
	}
	// oneshot: the next ExecStart= line
	if r.sub == "start" && s.Type == "oneshot" && f == "success" && r.cmdIdx+1 < len(r.cmds) {
		r.cmdIdx++
		c.armFor(r)
		c.spawn(r, roleMain, "ExecStart", r.cmds[r.cmdIdx])
		return
	}
	switch r.sub {
	case "start-post", "reload", "stop":
		// wait for the control process
	case "start":
		switch s.Type {
		case "oneshot":
			if f == "success" {
				c.svcStartPost(r)
			} else {
				c.svcSignal(r, "stop-sigterm", f)
			}
			return
		case "notify":
			if f != "success" {
				c.svcSignal(r, "stop-sigterm", f)
			} else if !s.RemainAfterExit || notifyAccess(s) == "main" {
				c.svcSignal(r, "stop-sigterm", "protocol")
			}
			return
		case "forking":
			// the main pid of a forking service only exists after start
			return
		}
		c.svcRunning(r, f)
	case "running":
		c.svcRunning(r, f)
	case "stop-sigterm", "stop-sigkill", "stop-watchdog":
		if r.control == 0 && r.controlToken == 0 {
			c.svcStopPost(r, f)
		}
	case "stop-post":
		// wait for ExecStopPost=
	case "final-sigterm", "final-sigkill", "final-watchdog":
		if r.control == 0 && r.controlToken == 0 {
			c.svcDead(r, f, true)
		}
	}
}

func (c *Core) svcControlExit(r *unitRT, code, status int) {
	s := r.u.Service
	f := "success"
	ignore := r.cmdIdx < len(r.cmds) && r.cmds[r.cmdIdx].IgnoreFailure
	if !cleanExit(s, code, status, false) {
		f = failResult(code)
		c.logExit(r, "Control process", code, status)
		if ignore {
			f = "success"
		}
	}
	next := func() bool {
		if f == "success" && r.cmdIdx+1 < len(r.cmds) {
			r.cmdIdx++
			c.spawn(r, roleControl, r.cmdKind, r.cmds[r.cmdIdx])
			return true
		}
		return false
	}
	switch r.sub {
	case "condition":
		if f == "success" {
			if !next() {
				c.svcStartPre(r)
			}
		} else if code == CLDExited && status < 255 {
			c.svcSignal(r, "stop-sigterm", "exec-condition")
		} else {
			c.svcSignal(r, "stop-sigterm", f)
		}
	case "start-pre":
		if next() {
			return
		}
		if f == "success" {
			c.svcStartMain(r)
		} else {
			c.svcSignal(r, "stop-sigterm", f)
		}
	case "start":
		// the ExecStart= of a forking service
		if f != "success" {
			c.svcSignal(r, "stop-sigterm", f)
			return
		}
		if next() {
			return
		}
		c.forkingStarted(r)
	case "start-post":
		// systemd 252 kills a failed start-post without ExecStop=
		// (conformance 416 c.service).
		if f != "success" {
			c.svcSignal(r, "stop-sigterm", f)
			return
		}
		if next() {
			return
		}
		if s.Type == "forking" && s.PIDFile != "" {
			// The PID file is demanded only now: ExecStartPost= may
			// write it (conformance 416).
			c.forkingStarted(r)
			return
		}
		c.svcRunning(r, "success")
	case "reload":
		if next() {
			return
		}
		if f != "success" {
			r.rareRW().reloadResult = f
		}
		c.svcRunning(r, "success")
		if j := r.job; j != nil && j.running && (j.typ == graph.Reload || j.typ == graph.TryReload) {
			res := "done"
			if r.reloadResult() != "success" {
				res = "failed"
			}
			c.finishJob(j, res)
		}
	case "stop":
		if next() {
			return
		}
		c.svcSignal(r, "stop-sigterm", f)
	case "stop-sigterm", "stop-sigkill", "stop-watchdog":
		if r.main == 0 {
			c.svcStopPost(r, f)
		}
	case "stop-post":
		if next() {
			return
		}
		c.svcSignal(r, "final-sigterm", f)
	case "final-sigterm", "final-sigkill", "final-watchdog":
		c.svcDead(r, f, true)
	}
}

// forkingStarted finds the main process of a forking service once its
// ExecStart= returned, again once its ExecStartPost= did, and at each look
// at its PID file while it waits for one that names a live process
// (armPoll).
func (c *Core) forkingStarted(r *unitRT) {
	s := r.u.Service
	if s.PIDFile == "" {
		if s.GuessMainPID {
			if ps := c.host.UnitPIDs(r.id); len(ps) == 1 {
				c.claimMain(r, ps[0])
			}
		}
		c.svcStartPost(r)
		return
	}
	pid, why := c.pidFromFile(r)
	if why == "" {
		c.claimMain(r, pid)
		if r.sub == "start" {
			c.svcStartPost(r) // none when the unit waited for the file
		} else {
			c.svcRunning(r, "success")
		}
		return
	}
	if r.sub == "start" && len(s.ExecStartPost) > 0 {
		// With ExecStartPost=, a missing PID file is not an error yet:
		// systemd reads it quietly and demands it after start-post.
		c.svcStartPost(r)
		return
	}
	// As systemd: only the first look is logged and fails a unit with no
	// process left ("protocol"; after start-post through ExecStop=);
	// after that the unit waits for the file to change until the start
	// timeout, even once its processes are gone. systemd watches the
	// file; gosd reads it every 20 ms.
	if r.pollPIDFile {
		c.armPoll(r)
		return
	}
	c.logf(r, 6, "%s", why)
	if len(c.host.UnitPIDs(r.id)) > 0 {
		c.armPoll(r)
		return
	}
	if r.sub == "start-post" {
		c.svcStopCmds(r, "protocol")
		return
	}
	c.svcSignal(r, "stop-sigterm", "protocol")
}

// pidFromFile reads the service's PID file. A pid that cannot be the main
// process comes back with the reason systemd logs: no file, no pid, one
// that suitableMain refuses, or a process outside the unit named by a
// file that root does not own (conformance 417).
func (c *Core) pidFromFile(r *unitRT) (pid int, why string) {
	path := r.u.Service.PIDFile
	pid, root, err := c.host.ReadPIDFile(path)
	switch {
	case err != nil:
		return 0, fmt.Sprintf("Can't open PID file %s (yet?) after %s: %v", path, r.sub, err)
	case pid < 1:
		return 0, fmt.Sprintf("Failed to parse PID from file %s: Numerical result out of range", path)
	}
	why, foreign := c.suitableMain(r, pid)
	if why == "" && foreign && !root {
		why = fmt.Sprintf("New main PID %d does not belong to service, and PID file is not owned by root. Refusing.", pid)
	}
	if why != "" {
		return 0, why
	}
	return pid, ""
}

// suitableMain is systemd's service_is_suitable_main_pid, for a pid named
// by a PID file or MAINPID=: why it cannot become r's main process (the
// manager itself, the unit's control process, or a process that does not
// exist or is a zombie: a daemon that exited is such a process even when
// the core holds its exit among the orphans, which systemd never takes as
// the main process's), else whether it is a process outside the unit,
// which the callers take only on root's word.
func (c *Core) suitableMain(r *unitRT, pid int) (why string, foreign bool) {
	if pid == c.self {
		return fmt.Sprintf("New main PID %d is the manager, refusing.", pid), false
	}
	if pid == r.control {
		// conformance 912: taken, its exit would end the service
		return fmt.Sprintf("New main PID %d is the control process, refusing.", pid), false
	}
	if !c.host.PIDAlive(pid) {
		return fmt.Sprintf("New main PID %d does not exist or is a zombie.", pid), false
	}
	return "", c.pids[pid] != r && !c.host.ClaimPID(r.id, pid)
}

// armPoll re-arms a short deadline used to look at a PID file again,
// without moving the state's own deadline. The wait ends at disarm.
func (c *Core) armPoll(r *unitRT) {
	r.pollPIDFile = true
	x := r.rareRW()
	if x.pollDeadline == 0 {
		// the state's own deadline, armed on entering start or
		// start-post, as systemd's timer
		if r.timerGen != 0 {
			x.pollDeadline = r.timerAt
		} else {
			x.pollDeadline = c.now + time.Hour*24*365
		}
	}
	at := c.now + 20*time.Millisecond
	if at > x.pollDeadline {
		at = x.pollDeadline
	}
	c.armAt(r, at)
}

func (c *Core) svcTimeout(r *unitRT) {
	s := r.u.Service
	if r.pollPIDFile && c.now < r.rare.pollDeadline {
		// a look at the PID file: the wait ends when the service leaves
		// "start" (disarm), or at the start timeout, below
		c.forkingStarted(r)
		return
	}
	switch r.sub {
	case "condition", "start-pre", "start":
		c.logf(r, 4, "%s operation timed out. Terminating.", startWord(r.sub))
		c.svcTimeoutSignal(r, "stop", s.TimeoutStartFailureMode())
	case "start-post":
		// systemd 252 skips ExecStop= here (conformance 812)
		c.logf(r, 4, "Start-post operation timed out. Stopping.")
		c.svcSignal(r, "stop-sigterm", "timeout")
	case "running":
		c.logf(r, 4, "Service reached runtime time limit. Stopping.")
		c.svcStopCmds(r, "timeout")
	case "reload":
		c.logf(r, 4, "Reload operation timed out. Killing reload process.")
		if r.control > 0 {
			c.emit(Kill{Unit: r.id, Signal: syscall.SIGKILL, PIDs: []int{r.control}})
		}
		r.rareRW().reloadResult = "timeout"
		c.svcRunning(r, "success")
		if j := r.job; j != nil && j.running && (j.typ == graph.Reload || j.typ == graph.TryReload) {
			c.finishJob(j, "failed")
		}
	case "stop":
		c.logf(r, 4, "Stopping timed out. Terminating.")
		c.svcTimeoutSignal(r, "stop", s.TimeoutStopFailureMode())
	case "stop-sigterm", "stop-watchdog":
		if r.u.Kill.SendSIGKILL {
			c.logf(r, 4, "State '%s' timed out. Killing.", r.sub)
			c.svcSignal(r, "stop-sigkill", "timeout")
		} else {
			c.logf(r, 4, "State '%s' timed out. Skipping SIGKILL.", r.sub)
			c.svcStopPost(r, "timeout")
		}
	case "stop-sigkill":
		c.logf(r, 4, "Processes still around after SIGKILL. Ignoring.")
		c.svcStopPost(r, "timeout")
	case "stop-post":
		c.logf(r, 4, "State 'stop-post' timed out. Terminating.")
		c.svcTimeoutSignal(r, "final", s.TimeoutStopFailureMode())
	case "final-sigterm", "final-watchdog":
		if r.u.Kill.SendSIGKILL {
			c.logf(r, 4, "State '%s' timed out. Killing.", r.sub)
			c.svcSignal(r, "final-sigkill", "timeout")
		} else {
			c.logf(r, 4, "State 'final-sigterm' timed out. Skipping SIGKILL. Entering failed mode.")
			c.svcDead(r, "timeout", true)
		}
	case "final-sigkill":
		c.logf(r, 4, "Processes still around after final SIGKILL. Entering failed mode.")
		c.svcDead(r, "timeout", true)
	case "auto-restart":
		c.svcAutoRestart(r)
	}
}

func startWord(sub string) string {
	switch sub {
	case "condition":
		return "Condition check"
	case "start-pre":
		return "Start-pre"
	}
	return "Start"
}

// svcTimeoutSignal enters the kill phase "stop" or "final" as
// Timeout{Start,Stop}FailureMode= says: terminate (KillSignal=), abort
// (WatchdogSignal=) or kill (SIGKILL).
func (c *Core) svcTimeoutSignal(r *unitRT, phase, mode string) {
	step := map[string]string{"abort": "-watchdog", "kill": "-sigkill"}[mode]
	if step == "" {
		step = "-sigterm"
	}
	c.svcSignal(r, phase+step, "timeout")
}

// svcCheckEmpty moves a service on once the last of its processes is gone.
func (c *Core) svcCheckEmpty(r *unitRT) {
	if _, waiting := c.waitingEmpty[r.id]; !waiting || r.main > 0 || r.control > 0 {
		return
	}
	if len(c.host.UnitPIDs(r.id)) > 0 {
		return
	}
	c.setWaitEmpty(r, false)
	switch r.sub {
	case "stop-sigterm", "stop-sigkill", "stop-watchdog":
		c.svcStopPost(r, "success")
	case "final-sigterm", "final-sigkill", "final-watchdog":
		c.svcDead(r, "success", true)
	}
}

// svcNotify handles an accepted sd_notify message.
func (c *Core) svcNotify(r *unitRT, e Notified) {
	s := r.u.Service
	ready, reloading, stopping := false, false, false
	for _, f := range e.Fields {
		switch f[0] {
		case "READY":
			ready = f[1] == "1"
		case "RELOADING":
			reloading = f[1] == "1"
		case "STOPPING":
			stopping = f[1] == "1"
		case "STATUS":
			r.rareRW().statusText = f[1]
		case "ERRNO":
			if n, err := strconv.Atoi(f[1]); err == nil && n >= 0 {
				r.rareRW().statusErrno = n
			}
		case "MAINPID":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 {
				c.logf(r, 4, "Failed to parse MAINPID=%s field in notification message, ignoring.", f[1])
				continue
			}
			switch r.sub {
			case "start", "start-post", "running", "reload":
				if n == r.main {
					break
				}
				// systemd refuses the manager, a dead pid and a zombie
				// (conformance 909), and a live process outside the unit
				// unless root sent it (910).
				why, foreign := c.suitableMain(r, n)
				if why == "" && foreign && e.UID != 0 {
					why = fmt.Sprintf("New main PID %d does not belong to service, refusing.", n)
				}
				if why != "" {
					c.logf(r, 4, "%s", why)
					break
				}
				c.claimMain(r, n)
			}
		case "WATCHDOG":
			switch f[1] {
			case "1":
				c.armWatchdog(r)
			case "trigger":
				c.watchdogFired(r)
				return
			}
		case "EXTEND_TIMEOUT_USEC":
			if n, err := strconv.ParseUint(f[1], 10, 64); err == nil && r.timerGen != 0 {
				at := c.now + time.Duration(n)*time.Microsecond
				if at > r.timerAt {
					c.armAt(r, at)
				}
			}
		}
	}
	switch {
	case stopping && (r.sub == "running" || r.sub == "reload"):
		// The service is going away on its own; wait for it as for a stop.
		c.setSub(r, "stop-sigterm")
		c.arm(r, s.TimeoutStopUSec)
	case ready && r.sub == "start" && (s.Type == "notify"):
		c.svcStartPost(r)
	case ready && r.sub == "reload":
		c.svcRunning(r, "success")
		if j := r.job; j != nil && j.running && (j.typ == graph.Reload || j.typ == graph.TryReload) {
			c.finishJob(j, "done")
		}
	case reloading && r.sub == "running":
		c.setSub(r, "reload")
		c.arm(r, s.TimeoutStartUSec)
	}
}

func exitStatusName(n int) string {
	switch n {
	case 0:
		return "SUCCESS"
	case 1:
		return "FAILURE"
	case 2:
		return "INVALIDARGUMENT"
	case 3:
		return "NOTIMPLEMENTED"
	case 4:
		return "NOPERMISSION"
	case 5:
		return "NOTINSTALLED"
	case 6:
		return "NOTCONFIGURED"
	case 7:
		return "NOTRUNNING"
	case 200:
		return "CHDIR"
	case 203:
		return "EXEC"
	case 209:
		return "STDOUT"
	case 217:
		return "USER"
	}
	return fmt.Sprint(n)
}

func signalName(n int) string {
	if s := unit.SignalName(n); s != "" {
		return s
	}
	return fmt.Sprint(n)
}

func itoa(n int) string { return strconv.Itoa(n) }

// armWatchdog (re)starts WatchdogSec= for a running service.
func (c *Core) armWatchdog(r *unitRT) {
	w := r.u.Service.WatchdogUSec
	if w == 0 || w == loader.Infinity || (r.sub != "running" && r.sub != "start" && r.sub != "start-post" && r.sub != "reload") {
		if r.rare != nil {
			r.rare.watchdogGen = 0
		}
		return
	}
	c.tgen++
	r.rareRW().watchdogGen = c.tgen
	heap.Push(&c.timers, timerEntry{at: c.now + time.Duration(w)*time.Microsecond, u: r, gen: c.tgen, watchdog: true})
}

// watchdogFired is WatchdogSec= passing without a ping: the service is
// killed with WatchdogSignal= and its result is "watchdog".
func (c *Core) watchdogFired(r *unitRT) {
	r.rareRW().watchdogGen = 0
	switch r.sub {
	case "start", "start-post", "running", "reload":
	default:
		return
	}
	c.logf(r, 4, "Watchdog timeout (limit %s)!", time.Duration(r.u.Service.WatchdogUSec)*time.Microsecond)
	c.svcSignal(r, "stop-watchdog", "watchdog")
}
