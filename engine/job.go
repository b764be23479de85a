package engine

import (
	"errors"
	"slices"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
)

// job is a job installed on a unit.
type job struct {
	id          uint32
	unit        *unitRT
	typ         graph.JobType
	running     bool
	ignoreOrder bool
	// stopped is set on a restart job once its stop half is done.
	stopped bool
	replies []uint64
}

// stopish reports whether the job, for ordering, is a stop: stops run in
// reverse order, and before starts of units ordered against them.
func (j *job) stopish() bool {
	return j.typ == graph.Stop || (j.typ == graph.Restart && !j.stopped)
}

// graphState lets graph.Build see the core's units.
type graphState struct{ c *Core }

func (g graphState) Unit(id string) *loader.Unit {
	if r := g.c.unit(id); r != nil {
		return r.u
	}
	return nil
}

func (g graphState) ActiveState(id string) string {
	if r := g.c.unit(id); r != nil {
		return r.active()
	}
	return "inactive"
}

func (g graphState) Job(id string) (graph.JobType, bool) {
	if r := g.c.units[id]; r != nil && r.job != nil {
		return r.job.typ, true
	}
	return 0, false
}

func (g graphState) Units() []string { return g.c.Loaded() }

// request handles a client's job request.
func (c *Core) request(e JobRequest) {
	c.named(e.Unit)
	anchor, err := c.enqueueErr(graph.Request{Unit: e.Unit, Type: e.Type, Mode: e.Mode})
	if err != nil {
		if e.ID != 0 {
			c.emit(Reply{ID: e.ID, Err: err})
		}
		return
	}
	if e.ID == 0 {
		return
	}
	if anchor == nil {
		r := c.unit(e.Unit)
		res, unit := "success", e.Unit
		if r != nil {
			res, unit = r.result, r.id
		}
		var id uint32
		if e.Track {
			c.nextJob++
			id = c.nextJob
		}
		c.emit(Reply{ID: e.ID, JobResult: "done", Result: res, Unit: unit, Job: id})
		return
	}
	if e.NoBlock {
		c.emit(Reply{ID: e.ID, JobResult: "queued", Result: anchor.unit.result, Unit: anchor.unit.id, Job: anchor.id})
		return
	}
	if e.Track {
		c.emit(Reply{ID: e.ID, JobResult: "queued", Result: anchor.unit.result, Unit: anchor.unit.id, Job: anchor.id, Queued: true})
	}
	anchor.replies = append(anchor.replies, e.ID)
}

// enqueue adds a job the manager itself wants (BindsTo=, OnFailure=,
// restarts); a refusal is logged.
func (c *Core) enqueue(id string, t graph.JobType, mode graph.Mode) *job {
	j, err := c.enqueueErr(graph.Request{Unit: id, Type: t, Mode: mode, Internal: true})
	if err != nil {
		c.emit(Log{Unit: id, Priority: 4, Msg: "Failed to enqueue " + t.String() + " job: " + err.Error()})
		return nil
	}
	return j
}

// enqueueErr builds the transaction for (id, t, mode) and installs its
// jobs; it returns the anchor's job (nil when the anchor needs none).
func (c *Core) enqueueErr(req graph.Request) (*job, error) {
	tx, err := graph.BuildRequest(graphState{c}, req)
	if err != nil {
		var ge *graph.Error
		if errors.As(err, &ge) {
			for _, l := range ge.Log {
				c.emit(Log{Priority: 4, Msg: l})
			}
		}
		return nil, err
	}
	for _, l := range tx.Log {
		c.emit(Log{Priority: 4, Msg: l})
	}
	for _, id := range tx.Cancel {
		if r := c.units[id]; r != nil && r.job != nil {
			c.finishJob(r.job, "canceled")
		}
	}
	var anchor *job
	for _, tj := range tx.Jobs {
		r := c.unit(tj.Unit)
		if r == nil {
			continue
		}
		j := c.install(r, tj)
		if tj.Anchor {
			anchor = j
		}
	}
	if tx.Anchor != nil && anchor == nil && tx.Anchor.Type != graph.Nop {
		return nil, errors.New("anchor job not installed")
	}
	return anchor, nil
}

// install puts the transaction's job on the unit, merging with or
// replacing the job already there.
func (c *Core) install(r *unitRT, tj *graph.Job) *job {
	if old := r.job; old != nil {
		if t, ok := graph.Merge(old.typ, tj.Type); ok {
			t = graph.Collapse(t, r.active())
			if old.running && t != old.typ && !graph.Superset(old.typ, t) {
				// merged into a running job: it runs again as the merge
				old.running = false
			}
			if !graph.Superset(old.typ, t) || !old.running {
				old.typ = t
			}
			old.ignoreOrder = old.ignoreOrder && tj.IgnoreOrder
			c.runq[old.id] = true
			return old
		}
		c.finishJob(old, "canceled")
	}
	if tj.Type == graph.Nop {
		// A nop job completes at once; it only exists to be waited for.
		c.nextJob++
		j := &job{id: c.nextJob, unit: r, typ: graph.Nop}
		r.job = j
		c.jobs[j.id] = j
		c.runq[j.id] = true
		return j
	}
	c.nextJob++
	j := &job{id: c.nextJob, unit: r, typ: tj.Type, ignoreOrder: tj.IgnoreOrder}
	r.job = j
	c.jobs[j.id] = j
	c.runq[j.id] = true
	return j
}

// runJobs runs every installed job whose ordering allows it.
func (c *Core) runJobs() {
	for len(c.runq) > 0 {
		ids := make([]uint32, 0, len(c.runq))
		for id := range c.runq {
			ids = append(ids, id)
		}
		clear(c.runq)
		c.runq = shrunk(c.runq, len(ids), &c.runqPeak)
		slices.Sort(ids)
		for _, id := range ids {
			j := c.jobs[id]
			if j == nil || j.running || !c.runnable(j) {
				continue
			}
			c.runJob(j)
		}
	}
}

// runnable applies systemd's ordering rule: a job waits for the jobs of
// the units it is ordered after, except that stops run first and in
// reverse order.
func (c *Core) runnable(j *job) bool {
	if j.typ == graph.Nop || j.ignoreOrder {
		return true
	}
	u := j.unit.u
	for _, id := range u.Deps.Of(loader.After) {
		if o := c.units[id]; o != nil && o.job != nil && o.job != j && o.job.typ != graph.Nop && !j.stopish() {
			return false
		}
	}
	for _, id := range u.Deps.Of(loader.Before) {
		if o := c.units[id]; o != nil && o.job != nil && o.job != j && o.job.typ != graph.Nop && o.job.stopish() {
			return false
		}
	}
	return true
}

func (c *Core) runJob(j *job) {
	j.running = true
	r := j.unit
	st := r.active()
	switch j.typ {
	case graph.Nop:
		c.finishJob(j, "done")
	case graph.Start, graph.ReloadOrStart:
		if j.typ == graph.ReloadOrStart && isActiveOrReloading(st) {
			j.typ = graph.Reload
			c.runJob(j)
			return
		}
		j.typ = graph.Start
		switch {
		case isActiveOrReloading(st):
			c.finishJob(j, "done")
		case r.sub == "auto-restart":
			// A start while the restart timer runs starts now.
			c.setSub(r, "dead")
			c.startUnit(r, j)
		case st == "activating":
			// already on its way up; the job completes with it
		case st == "deactivating":
			j.running = false // wait until it is down
		default:
			c.startUnit(r, j)
		}
	case graph.VerifyActive:
		switch {
		case isActiveOrReloading(st):
			c.finishJob(j, "done")
		case st == "activating":
		default:
			c.finishJob(j, "skipped")
		}
	case graph.Stop:
		if isInactiveOrFailed(st) {
			c.finishJob(j, "done")
			return
		}
		c.stopUnit(r)
	case graph.Restart, graph.TryRestart:
		j.typ = graph.Restart
		if isInactiveOrFailed(st) || r.sub == "auto-restart" {
			if r.sub == "auto-restart" {
				c.setSub(r, "dead")
			}
			c.restartStartHalf(j)
			return
		}
		c.stopUnit(r)
	case graph.Reload, graph.TryReload:
		if !isActiveOrReloading(st) {
			c.finishJob(j, "invalid")
			return
		}
		c.reloadUnit(r, j)
	}
}

// restartStartHalf turns a restart job whose stop is done into its start.
func (c *Core) restartStartHalf(j *job) {
	j.stopped = true
	j.typ = graph.Start
	j.running = false
	c.runq[j.id] = true
	c.queueNeighbours(j.unit)
}

// finishJob removes the job and tells whoever waits for it. A failed start
// fails the start jobs of the units that require it, with "dependency".
func (c *Core) finishJob(j *job, result string) {
	r := j.unit
	if r.job != j {
		return
	}
	if j.typ == graph.Restart && result == "done" && !j.stopped {
		c.restartStartHalf(j)
		return
	}
	r.job = nil
	c.checkUnneeded(r)
	c.queueCollect(r)
	c.queueTriggering(r)
	delete(c.jobs, j.id)
	c.jobs = shrunk(c.jobs, 1, &c.jobsPeak)
	delete(c.runq, j.id)
	for _, id := range j.replies {
		c.emit(Reply{ID: id, JobResult: result, Result: r.result, Unit: r.id, Job: j.id})
	}
	switch result {
	case "done", "canceled":
	case "dependency":
		c.logf(r, 3, "Dependency failed for %s.", r.descWithName())
		// A job that failed for want of another unit, or timed out,
		// triggers OnFailure= although the unit itself did not fail.
		c.onFailure(r)
	case "failed", "timeout":
		if j.typ == graph.Start {
			c.logf(r, 3, "Failed to start %s.", r.descWithName())
		}
	}
	if result != "done" && result != "canceled" {
		var kinds []loader.Dep
		switch j.typ {
		case graph.Start, graph.VerifyActive:
			kinds = []loader.Dep{loader.RequiredBy, loader.BoundBy, loader.RequisiteOf}
		case graph.Stop:
			kinds = []loader.Dep{loader.ConflictedBy}
		}
		for _, k := range kinds {
			for _, id := range r.u.Deps.Of(k) {
				o := c.units[id]
				if o == nil || o.job == nil {
					continue
				}
				if o.job.typ == graph.Start || o.job.typ == graph.VerifyActive {
					c.finishJob(o.job, "dependency")
				}
			}
		}
	}
	c.queueNeighbours(r)
}

// queueNeighbours marks the jobs of units ordered against r as possibly
// runnable.
func (c *Core) queueNeighbours(r *unitRT) {
	for _, k := range []loader.Dep{loader.Before, loader.After} {
		for _, id := range r.u.Deps.Of(k) {
			if o := c.units[id]; o != nil && o.job != nil && !o.job.running {
				c.runq[o.job.id] = true
			}
		}
	}
}

// JobInfo is an installed job as `systemctl list-jobs` shows it.
type JobInfo struct {
	ID                uint32
	Unit, Type, State string // State: waiting or running
}

// Jobs returns the installed jobs, by id.
func (c *Core) Jobs() []JobInfo {
	ids := make([]uint32, 0, len(c.jobs))
	for id := range c.jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []JobInfo
	for _, id := range ids {
		j := c.jobs[id]
		state := "waiting"
		if j.running {
			state = "running"
		}
		out = append(out, JobInfo{id, j.unit.id, j.typ.String(), state})
	}
	return out
}

// Busy reports whether any job is installed.
func (c *Core) Busy() bool { return len(c.jobs) > 0 }

// StopAll stops every unit that is not inactive with one set of stop
// jobs: it is what the manager does on shutdown, when every unit goes and
// no transaction has anything to decide (one per unit would cost a
// quadratic number of ordering checks). Stops run in the reverse order of
// starts, as always.
type StopAll struct{}

func (StopAll) event() {}

func (c *Core) stopAll() {
	c.exiting = true
	for _, id := range c.Loaded() {
		r := c.units[id]
		if isInactiveOrFailed(r.active()) && r.job == nil {
			continue
		}
		c.install(r, &graph.Job{Unit: id, Type: graph.Stop})
	}
}
