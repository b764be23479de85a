package engine

import (
	"sort"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
)

// StopWhenUnneeded=: an active unit that no unit needs any more is
// stopped, as systemd's stop-when-unneeded queue does (conformance 970).
// A unit is needed while a unit that Requires, Requisite, Wants or BindsTo
// it is not inactive or failed, has a job, or will restart; it is checked
// when its own state or job changes, and when a unit that needs it
// changes. The queue is looked at once the event is handled.

// pinnedBy are the reverse dependencies that keep a unit needed.
var pinnedBy = [...]loader.Dep{loader.RequiredBy, loader.RequisiteOf, loader.WantedBy, loader.BoundBy}

// needs are the dependencies whose units r keeps needed.
var needs = [...]loader.Dep{loader.Requires, loader.Requisite, loader.Wants, loader.BindsTo}

// checkUnneeded queues r, and the units r needs, that stop when unneeded.
func (c *Core) checkUnneeded(r *unitRT) {
	if r.u.Unit.StopWhenUnneeded {
		c.queueUnneeded(r.id)
	}
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

// stopUnneeded stops the queued units that are not needed any more.
func (c *Core) stopUnneeded() {
	if len(c.unneededQ) == 0 {
		return
	}
	ids := make([]string, 0, len(c.unneededQ))
	for id := range c.unneededQ {
		ids = append(ids, id)
	}
	clear(c.unneededQ)
	sort.Strings(ids)
	for _, id := range ids {
		if r := c.units[id]; r != nil && c.unneeded(r) {
			c.logf(r, 6, "Unit not needed anymore. Stopping.")
			c.enqueue(r.id, graph.Stop, graph.Fail)
		}
	}
}

// unneeded is systemd's unit_is_unneeded.
func (c *Core) unneeded(r *unitRT) bool {
	if !r.u.Unit.StopWhenUnneeded || r.active() != "active" || r.job != nil {
		return false
	}
	for _, d := range pinnedBy {
		for _, id := range r.u.Deps.Of(d) {
			o := c.units[id]
			if o == nil {
				continue
			}
			if o.job != nil || !isInactiveOrFailed(o.active()) || o.willRestart {
				return false
			}
		}
	}
	return true
}
