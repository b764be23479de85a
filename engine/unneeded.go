package engine

import (
	"maps"
	"slices"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
)

// StopWhenUnneeded=: an active unit that no unit needs any more is
// stopped, as systemd's stop-when-unneeded queue does (conformance 970,
// 973). A unit is needed while a unit that Requires, Requisite, Wants or
// BindsTo it is not inactive or failed, or has a job. As in systemd, a
// unit is looked at when its own state changes or its job ends, and the
// units it needs when it becomes inactive or failed; the job of a unit
// that needs it ending without a change of state is not a reason (973
// f.service stays). The queue is looked at once the event is handled,
// until the stops it caused leave nothing in it.

// pinnedBy are the reverse dependencies that keep a unit needed.
var pinnedBy = [...]loader.Dep{loader.RequiredBy, loader.RequisiteOf, loader.WantedBy, loader.BoundBy}

// needs are the dependencies whose units r keeps needed.
var needs = [...]loader.Dep{loader.Requires, loader.Requisite, loader.Wants, loader.BindsTo}

// checkUnneeded queues r if it stops when unneeded.
func (c *Core) checkUnneeded(r *unitRT) {
	if r.u.Unit.StopWhenUnneeded {
		c.queueUnneeded(r.id)
	}
}

// checkUnneededDeps queues the units r needs that stop when unneeded: r
// became inactive or failed (systemd's check_unneeded_dependencies).
func (c *Core) checkUnneededDeps(r *unitRT) {
	for _, d := range needs {
		for _, id := range r.u.Deps.Of(d) {
			if o := c.units[id]; o != nil && o.u.Unit.StopWhenUnneeded {
				c.queueUnneeded(o.id)
			}
		}
	}
}

func (c *Core) queueUnneeded(id string) {
	if c.unneededQ == nil {
		c.unneededQ = map[string]struct{}{}
	}
	c.unneededQ[id] = struct{}{}
}

// stopUnneeded stops the queued units that are not needed any more; it
// reports whether it stopped any.
func (c *Core) stopUnneeded() bool {
	if len(c.unneededQ) == 0 {
		return false
	}
	ids := slices.Sorted(maps.Keys(c.unneededQ))
	clear(c.unneededQ)
	stopped := false
	for _, id := range ids {
		if r := c.units[id]; r != nil && c.unneeded(r) {
			c.logf(r, 6, "Unit not needed anymore. Stopping.")
			c.enqueue(r.id, graph.Stop, graph.Fail)
			stopped = true
		}
	}
	return stopped
}

// unneeded is systemd's unit_is_unneeded. Its "will restart" is a unit in
// auto-restart here, which is activating.
func (c *Core) unneeded(r *unitRT) bool {
	if !r.u.Unit.StopWhenUnneeded || r.active() != "active" || r.job != nil {
		return false
	}
	for _, d := range pinnedBy {
		for _, id := range r.u.Deps.Of(d) {
			if o := c.units[id]; o != nil && (o.job != nil || !isInactiveOrFailed(o.active())) {
				return false
			}
		}
	}
	return true
}
