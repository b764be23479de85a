package engine

import (
	"cmp"
	"fmt"
	"time"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// unitRT is the run-time state of one unit.
type unitRT struct {
	id  string
	u   *loader.Unit
	sub string
	job *job

	result     string
	condTime   time.Duration
	invocation string

	timerGen uint64
	timerAt  time.Duration

	// service
	main, control           int
	mainToken, controlToken uint64
	execMainPID             int
	mainCode, mainStatus    int
	mainStart, mainExit     time.Duration
	cmds                    []unit.ExecCommand
	cmdIdx                  int
	cmdKind                 string
	nRestarts               int
	limitBegin              time.Duration
	limitCount              uint64
	prevSub                 string // the sub-state before the latest change

	// timestamps of state changes (monotonic)
	activeEnter, activeExit, inactiveEnter, inactiveExit, stateChange time.Duration

	// rare holds what only some units use (see unitRare), nil until then.
	rare *unitRare

	// together at the end: no padding after each
	condResult, assertResult                bool
	forbidRestart, willRestart, pollPIDFile bool
}

// unitRare is the part of a unit's state that only timers, sockets, units
// started by OnFailure=/OnSuccess= and services using sd_notify STATUS=,
// socket activation, WatchdogSec= or a PID file use: behind a pointer,
// unitRT is a 320-byte allocation instead of 480.
type unitRare struct {
	monitorEnv []string // MONITOR_* of the unit whose failure or success started this one

	// service
	statusText   string
	statusErrno  int
	sockets      []string // socket units whose fds the service gets
	watchdogGen  uint64
	pollDeadline time.Duration
	conn         uint64 // the service of one Accept=yes connection
	reloadResult string // "" for success

	// timer
	lastTrigger    time.Duration
	timerActivated time.Duration
	timerDone      map[int]bool

	// socket
	nConnections, nAccepted int
}

var noUnitRare unitRare

// rareRO returns r's rare state for reading.
func (r *unitRT) rareRO() *unitRare {
	if r.rare == nil {
		return &noUnitRare
	}
	return r.rare
}

// rareRW returns r's rare state for writing, made on first use.
func (r *unitRT) rareRW() *unitRare {
	if r.rare == nil {
		r.rare = &unitRare{}
	}
	return r.rare
}

// reloadResult is the service's ReloadResult.
func (r *unitRT) reloadResult() string { return cmp.Or(r.rareRO().reloadResult, "success") }

func newUnitRT(u *loader.Unit) *unitRT {
	return &unitRT{id: u.ID, u: u, sub: "dead", result: "success"}
}

func (r *unitRT) desc() string {
	if d := r.u.Unit.Description; d != "" {
		return d
	}
	return r.id
}

func (r *unitRT) cmdDesc() string {
	if r.cmdIdx < len(r.cmds) {
		return r.cmds[r.cmdIdx].Path
	}
	return r.cmdKind
}

// active maps the sub-state to systemd's ActiveState.
func (r *unitRT) active() string {
	switch r.sub {
	case "dead":
		return "inactive"
	case "failed":
		return "failed"
	}
	switch r.u.Type {
	case "service":
		switch r.sub {
		case "condition", "start-pre", "start", "start-post", "auto-restart":
			return "activating"
		case "running", "exited":
			return "active"
		case "reload":
			return "reloading"
		default:
			return "deactivating"
		}
	case "socket":
		switch r.sub {
		case "listening", "running":
			return "active"
		}
		return "deactivating"
	case "timer":
		switch r.sub {
		case "waiting", "running", "elapsed":
			return "active"
		}
	}
	return "active"
}

func isActiveOrReloading(s string) bool { return s == "active" || s == "reloading" }
func isInactiveOrFailed(s string) bool  { return s == "inactive" || s == "failed" }

// setSub moves the unit to sub-state s and does what a change of its
// ActiveState implies: finishing its job, propagating to bound units,
// OnFailure=/OnSuccess=.
func (c *Core) setSub(r *unitRT, s string) {
	old := r.active()
	r.prevSub = r.sub
	r.sub = s
	now := r.active()
	if r.u.Type == "service" && r.prevSub != s {
		// on every change of sub-state (auto-restart -> start keeps
		// "activating"), once the change of ActiveState is handled
		defer c.socketServiceChanged(r, now)
	}
	if old == now {
		return
	}
	r.stateChange = c.now
	switch {
	case isInactiveOrFailed(old) && !isInactiveOrFailed(now):
		r.inactiveExit = c.now
	case !isInactiveOrFailed(old) && isInactiveOrFailed(now):
		r.inactiveEnter = c.now
	}
	if isActiveOrReloading(now) && !isActiveOrReloading(old) {
		r.activeEnter = c.now
	}
	if isActiveOrReloading(old) && !isActiveOrReloading(now) {
		r.activeExit = c.now
	}
	c.unitChanged(r, old, now)
}

func (c *Core) unitChanged(r *unitRT, old, now string) {
	c.checkUnneeded(r)
	if isInactiveOrFailed(now) {
		c.checkUnneededDeps(r)
		c.queueCollect(r)
	}
	if isActiveOrReloading(now) && !isActiveOrReloading(old) {
		c.logf(r, 6, "%s %s.", startedVerb(r), r.descWithName())
	}
	if now == "inactive" && r.result == "success" && r.u.Type == "service" {
		switch {
		case old == "activating" && r.u.Service.Type == "oneshot":
			c.logf(r, 6, "Finished %s.", r.descWithName())
		case old != "activating" && old != "failed":
			// (failed -> inactive is reset-failed, which systemd does not log)
			c.logf(r, 6, "Stopped %s.", r.descWithName())
		}
	}
	j := r.job
	unexpected := true
	if j != nil && j.running {
		switch j.typ {
		case graph.Start, graph.VerifyActive:
			switch {
			case isActiveOrReloading(now):
				c.finishJob(j, "done")
				unexpected = false
			case now == "inactive":
				c.finishJob(j, "done")
				unexpected = false
			case now == "failed":
				c.finishJob(j, "failed")
				unexpected = false
			default:
				unexpected = false
			}
		case graph.Stop:
			if isInactiveOrFailed(now) {
				c.finishJob(j, "done")
			}
			unexpected = false
		case graph.Restart:
			if !j.stopped && isInactiveOrFailed(now) {
				c.finishJob(j, "done") // on to its start half
			} else if j.stopped {
				switch {
				case isActiveOrReloading(now), now == "inactive":
					c.finishJob(j, "done")
				case now == "failed":
					c.finishJob(j, "failed")
				}
			}
			unexpected = false
		case graph.Reload, graph.TryReload:
			if now == "active" || isInactiveOrFailed(now) {
				res := "done"
				if r.reloadResult() != "success" || isInactiveOrFailed(now) {
					res = "failed"
				}
				c.finishJob(j, res)
			}
			unexpected = false
		}
	}
	if isActiveOrReloading(old) || old == "activating" || old == "deactivating" {
		if isInactiveOrFailed(now) {
			willRestart := r.willRestart
			if unexpected && !willRestart {
				// BindsTo=: units bound to this one go with it.
				for _, id := range r.u.Deps.Of(loader.BoundBy) {
					if o := c.units[id]; o != nil && !isInactiveOrFailed(o.active()) {
						c.enqueue(id, graph.Stop, graph.Replace)
					}
				}
			}
			switch {
			case willRestart:
			case now == "inactive" && r.result == "success" && r.prevSub != "auto-restart":
				c.onSuccess(r)
				c.unitAction(r, r.u.Unit.SuccessAction(), r.u.Unit.SuccessActionExitStatus())
			}
			if !willRestart {
				// Upholds=: a unit upheld by an active unit is started again.
				for _, id := range r.u.Deps.Of(loader.UpheldBy) {
					if o := c.units[id]; o != nil && isActiveOrReloading(o.active()) {
						c.enqueue(r.id, graph.Start, graph.Replace)
						break
					}
				}
			}
		}
	}
	if now == "failed" && old != "failed" && !r.willRestart {
		c.onFailure(r)
		c.unitAction(r, r.u.Unit.FailureAction(), r.u.Unit.FailureActionExitStatus())
	}
	if r.u.Type == "service" && isInactiveOrFailed(now) {
		c.emit(Stopped{Unit: r.u, Invocation: r.invocation})
	}
	c.timerServiceChanged(r, now)
}

func startedVerb(r *unitRT) string {
	switch r.u.Type {
	case "target":
		return "Reached target"
	case "socket":
		return "Listening on"
	case "timer", "path":
		return "Started"
	}
	if r.sub == "exited" && r.u.Service != nil && r.u.Service.Type == "oneshot" {
		return "Finished"
	}
	return "Started"
}

func (r *unitRT) descWithName() string {
	if d := r.u.Unit.Description; d != "" && d != r.id {
		return r.id + " - " + d
	}
	return r.id
}

// unitAction asks the manager for SuccessAction=/FailureAction= action.
func (c *Core) unitAction(r *unitRT, action string, status int) {
	if action == "" || action == "none" {
		return
	}
	if status < 0 && r.u.Service != nil && r.mainCode == CLDExited {
		status = r.mainStatus
	}
	c.emit(UnitAction{Unit: r.id, Action: action, ExitStatus: status})
}

func (c *Core) onFailure(r *unitRT) {
	ids := r.u.Deps.Of(loader.OnFailure)
	if len(ids) == 0 {
		return
	}
	mode, err := graph.ParseMode(r.u.Unit.OnFailureJobMode())
	if err != nil {
		mode = graph.Replace
	}
	c.logf(r, 6, "Triggering OnFailure= dependencies.")
	for _, id := range ids {
		c.enqueueMonitor(id, mode, r)
	}
}

func (c *Core) onSuccess(r *unitRT) {
	ids := r.u.Deps.Of(loader.OnSuccess)
	if len(ids) == 0 {
		return
	}
	mode, err := graph.ParseMode(r.u.Unit.OnSuccessJobMode())
	if err != nil {
		mode = graph.Fail
	}
	c.logf(r, 6, "Triggering OnSuccess= dependencies.")
	for _, id := range ids {
		c.enqueueMonitor(id, mode, r)
	}
}

// enqueueMonitor starts a unit of OnFailure=/OnSuccess= with the
// MONITOR_* variables of the unit that triggered it.
func (c *Core) enqueueMonitor(id string, mode graph.Mode, from *unitRT) {
	o := c.unit(id)
	if o == nil {
		return
	}
	o.rareRW().monitorEnv = []string{
		"MONITOR_SERVICE_RESULT=" + from.result,
		"MONITOR_EXIT_CODE=" + codeName(from.mainCode),
		"MONITOR_EXIT_STATUS=" + statusString(from.mainCode, from.mainStatus),
		"MONITOR_INVOCATION_ID=" + from.invocation,
		"MONITOR_UNIT=" + from.id,
	}
	c.enqueue(id, graph.Start, mode)
}

// ---------------------------------------------------------------- start/stop by type

// startUnit runs a start job's work. A unit whose conditions or asserts
// fail does not start; its job finishes here.
func (c *Core) startUnit(r *unitRT, j *job) {
	if !isActiveOrReloading(r.active()) {
		// conditions are tested on every start of a unit that is not up
		r.condTime = c.now
		ok, msg := c.host.Conditions(r.u, false)
		r.condResult = ok
		if !ok {
			c.logf(r, 6, "%s", msg)
			c.finishJob(j, "done")
			return
		}
		ok, msg = c.host.Conditions(r.u, true)
		r.assertResult = ok
		if !ok {
			c.logf(r, 3, "%s", msg)
			c.finishJob(j, "assert")
			return
		}
	}
	if c.InvocationID != nil {
		r.invocation = c.InvocationID()
	}
	switch r.u.Type {
	case "service":
		c.svcStart(r)
	case "socket":
		c.socketStart(r)
	case "timer":
		c.timerStart(r)
	default:
		c.setSub(r, activeSub(r.u.Type))
	}
}

func activeSub(typ string) string {
	switch typ {
	case "mount":
		return "mounted"
	case "device":
		return "plugged"
	case "path", "timer", "automount":
		return "waiting"
	case "socket":
		return "listening"
	case "service":
		return "running"
	}
	return "active"
}

func (c *Core) stopUnit(r *unitRT) {
	switch r.u.Type {
	case "service":
		c.svcStop(r)
	case "socket":
		c.socketStop(r)
	case "timer":
		c.disarm(r)
		c.setSub(r, "dead")
	default:
		c.setSub(r, "dead")
	}
}

func (c *Core) reloadUnit(r *unitRT, j *job) {
	if r.u.Type == "service" {
		c.svcReload(r)
		return
	}
	c.finishJob(j, "done")
}

// Runtime returns the run-time properties of unit id for `systemctl show`.
func (c *Core) Runtime(id string) (active, sub string, props map[string]string) {
	r := c.unit(id)
	if r == nil {
		return "inactive", "dead", nil
	}
	p := map[string]string{
		"Result":          r.result,
		"ConditionResult": yesno(r.condResult),
		"AssertResult":    yesno(r.assertResult),
		"InvocationID":    r.invocation,
	}
	if r.job != nil {
		p["Job"] = fmt.Sprintf("%d %s", r.job.id, r.job.typ)
	}
	if r.u.Type == "socket" {
		p["NConnections"] = fmt.Sprint(r.rareRO().nConnections)
		p["NAccepted"] = fmt.Sprint(r.rareRO().nAccepted)
	}
	if r.u.Type == "service" {
		p["MainPID"] = fmt.Sprint(max(r.main, 0))
		p["ControlPID"] = fmt.Sprint(r.control)
		p["ExecMainPID"] = fmt.Sprint(r.execMainPID)
		p["ExecMainCode"] = fmt.Sprint(r.mainCode)
		p["ExecMainStatus"] = fmt.Sprint(r.mainStatus)
		p["NRestarts"] = fmt.Sprint(r.nRestarts)
		p["StatusText"] = r.rareRO().statusText
		p["StatusErrno"] = fmt.Sprint(r.rareRO().statusErrno)
		p["ReloadResult"] = r.reloadResult()
	}
	return r.active(), r.sub, p
}

// Timestamps returns the monotonic times of the unit's last state changes
// (0 when never): active enter/exit, inactive enter/exit, state change,
// condition test.
func (c *Core) Timestamps(id string) map[string]time.Duration {
	r := c.unit(id)
	if r == nil {
		return nil
	}
	return map[string]time.Duration{
		"ActiveEnterTimestamp":   r.activeEnter,
		"ActiveExitTimestamp":    r.activeExit,
		"InactiveEnterTimestamp": r.inactiveEnter,
		"InactiveExitTimestamp":  r.inactiveExit,
		"StateChangeTimestamp":   r.stateChange,
		"ConditionTimestamp":     r.condTime,
		"AssertTimestamp":        r.condTime,
		"ExecMainStartTimestamp": r.mainStart,
		"ExecMainExitTimestamp":  r.mainExit,
	}
}

// MainPID returns the unit's main process (0 when none).
func (c *Core) MainPID(id string) int {
	if r := c.unit(id); r != nil {
		return r.main
	}
	return 0
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
