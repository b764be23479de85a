package engine

import (
	"maps"
	"slices"

	"github.com/gosd/gosd/loader"
)

// Garbage collection, as systemd 252 does it (conformance 974): a unit
// that is inactive (CollectMode=inactive, the default) or also failed
// (CollectMode=inactive-or-failed), has no job and no process, and that
// no kept unit references, is unloaded. Its run-time state goes with it:
// the next look at it (systemctl show, a job) loads it afresh, with
// Result=success, ExecMainStatus=0 and NRestarts=0, as systemd's does.
// A unit is kept while a unit that references it (has any dependency on
// it from its own files or type: loader.Unit.References) is kept; a
// cycle of units that only reference each other keeps none of them.
//
// systemd collects from a low-priority event source, after the event
// that made a unit collectable; gosd at the end of the event itself. The
// queue holds the units whose state changed to inactive or failed, whose
// job ended, or that were loaded anew; a unit found collectable queues
// the units it references, which may have lost their last keeper.

// queueCollect queues r to be looked at for collection.
func (c *Core) queueCollect(r *unitRT) {
	if c.collectQ == nil {
		c.collectQ = map[string]struct{}{}
	}
	c.collectQ[r.id] = struct{}{}
}

// mayCollect is systemd's unit_may_gc: nothing of r's own keeps it.
func (c *Core) mayCollect(r *unitRT) bool {
	if r.job != nil || r.u.Perpetual() || r.main > 0 || r.control > 0 || r.mainToken != 0 || r.controlToken != 0 {
		return false // a spawn on its way too: its answer must find the unit
	}
	switch r.active() {
	case "inactive":
	case "failed":
		if r.u.Unit.CollectMode() != "inactive-or-failed" {
			return false
		}
	default:
		return false
	}
	if _, waiting := c.waitingEmpty[r.id]; waiting {
		return false
	}
	// An OnFailure=/OnSuccess= unit it started is still on its way.
	for _, d := range [...]loader.Dep{loader.OnFailure, loader.OnSuccess} {
		for _, id := range r.u.Deps.Of(d) {
			if o := c.units[id]; o != nil && o.job != nil {
				return false
			}
		}
	}
	// Processes a stop left behind (KillMode=process or none) keep the
	// unit, as a cgroup that is not empty keeps systemd's. Other modes
	// leave none once the unit is inactive: no read of the cgroup then.
	if k := r.u.Kill; k != nil && (k.KillMode == "process" || k.KillMode == "none") && len(c.host.UnitPIDs(r.id)) > 0 {
		if c.leftovers == nil {
			c.leftovers = map[string]struct{}{}
		}
		c.leftovers[r.id] = struct{}{}
		return false
	}
	return true
}

// recheckLeftovers queues the units kept only by processes left behind:
// an exit of a process no unit owns may have been the last of one.
func (c *Core) recheckLeftovers() {
	for id := range c.leftovers {
		if r := c.units[id]; r != nil {
			c.queueCollect(r)
		}
	}
	clear(c.leftovers) // mayCollect records those still kept
}

// queueTriggering queues the units whose OnFailure=/OnSuccess= unit r is:
// its job ending may let them go.
func (c *Core) queueTriggering(r *unitRT) {
	for _, d := range [...]loader.Dep{loader.OnFailureOf, loader.OnSuccessOf} {
		for _, id := range r.u.Deps.Of(d) {
			if o := c.units[id]; o != nil {
				c.queueCollect(o)
			}
		}
	}
}

// collector is one pass over the queue: what it found of each unit.
type collector struct {
	c    *Core
	kept map[*unitRT]bool // settled: kept (true) or collectable (false)
	seen map[*unitRT]bool // looked at by the search under way
}

// referenced reports whether a kept unit references r, whose own state
// lets it go (mayCollect). A search that finds none settles every unit
// it looked at as collectable: each one's referencers were looked at too,
// and none is kept (a cycle of units that only reference each other
// keeps none of them); later searches of the pass stop at them. A search
// thus goes through a cycle once, not along each of its paths.
func (k *collector) referenced(r *unitRT) bool {
	keep, settled := k.kept[r]
	if !settled {
		keep = k.search(r)
		if !keep {
			for u := range k.seen {
				k.kept[u] = false
			}
		}
		clear(k.seen)
	}
	return keep
}

// search looks depth first for a kept unit that references r, and
// settles as kept each unit on the way to one.
func (k *collector) search(r *unitRT) bool {
	k.seen[r] = true
	for _, id := range r.u.Deps.All() {
		o := k.c.units[id]
		if o == nil || o == r || k.seen[o] || !o.u.References(r.u) {
			continue
		}
		keep, settled := k.kept[o]
		if !settled {
			if keep = !k.c.mayCollect(o); keep {
				k.kept[o] = true
			} else {
				keep = k.search(o)
			}
		}
		if keep {
			k.kept[r] = true
			return true
		}
	}
	return false
}

// collect unloads the queued units that nothing keeps. A job reply of a
// unit unloaded here carries the fresh unit's Result: systemctl asks for
// it after the job ends, and finds systemd's unit collected by then
// ("Job for b.service failed." with no reason, 974).
func (c *Core) collect() {
	if len(c.collectQ) == 0 {
		return
	}
	var k *collector
	var gone map[string]bool
	for len(c.collectQ) > 0 {
		ids := slices.Sorted(maps.Keys(c.collectQ))
		clear(c.collectQ)
		// a boot's request queues every unit it loads: a map left that
		// large would be walked empty at the end of every later event
		c.collectQ = shrunk(c.collectQ, len(ids), &c.collectPeak)
		for _, id := range ids {
			r := c.units[id]
			if r == nil || r.id != id || !c.mayCollect(r) {
				continue // most often: active, or with a job
			}
			if k == nil {
				k = &collector{c: c, kept: map[*unitRT]bool{}, seen: map[*unitRT]bool{}}
			}
			if k.referenced(r) {
				continue
			}
			// What r references may have lost its last keeper.
			for _, oid := range r.u.Deps.All() {
				if o := c.units[oid]; o != nil && o != r && r.u.References(o.u) {
					c.queueCollect(o)
				}
			}
			c.unload(r)
			if gone == nil {
				gone = map[string]bool{}
			}
			gone[r.id] = true
		}
		// the units unloaded change nothing already settled: a unit
		// collectable stays so, and one kept was kept by a unit that stays
	}
	if gone == nil {
		return
	}
	for i, a := range c.out {
		if rp, ok := a.(Reply); ok && gone[rp.Unit] {
			rp.Result = "success"
			c.out[i] = rp
		}
	}
}

// Collect unloads the queued units that nothing keeps, outside an event:
// those a look loaded (Lookup), which systemd collects once the request
// that loaded them is answered. It returns the actions pending.
func (c *Core) Collect() []Action {
	c.collect()
	out := c.out
	c.out = nil
	return out
}

// unload forgets r's run-time state under each of its names.
func (c *Core) unload(r *unitRT) {
	c.disarm(r) // a stale timer of it must not fire
	if r.rare != nil {
		r.rare.watchdogGen = 0
	}
	for _, n := range r.u.Names {
		if c.units[n] == r {
			delete(c.units, n)
		}
	}
	if c.units[r.id] == r {
		delete(c.units, r.id)
	}
	delete(c.unneededQ, r.id)
	// The loaded definition goes too, as systemd's unit does: the next
	// load reads the unit's files (fragment, drop-ins, .wants links) as
	// they are then, without daemon-reload (conformance 975); and the
	// instances of an Accept=yes socket, one per connection, do not grow
	// the manager.
	if !c.exiting {
		c.host.Forget(r.id)
	}
}
