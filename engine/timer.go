package engine

import (
	"time"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
)

// Timer units: monotonic On*Sec= values counted on the core's clock,
// OnCalendar= through CalendarSpec.Next on the wall clock (Core.Wall).

func (c *Core) timerStart(r *unitRT) {
	x := r.rareRW()
	x.timerActivated = c.now
	x.timerDone = map[int]bool{}
	c.setSub(r, "waiting")
	c.timerSchedule(r)
}

// timerSchedule arms the timer's next elapse, or marks it elapsed when no
// value will elapse again.
func (c *Core) timerSchedule(r *unitRT) {
	t, x := r.u.Timer, r.rareRO()
	var target *unitRT
	if ids := r.u.Deps.Of(loader.Triggers); len(ids) > 0 {
		target = c.unit(ids[0])
	}
	best, found := time.Duration(0), false
	consider := func(at time.Duration) {
		if !found || at < best {
			best, found = at, true
		}
	}
	for i, v := range t.Values {
		if x.timerDone[i] {
			continue
		}
		d := time.Duration(v.USec) * time.Microsecond
		switch v.Base {
		case "OnActiveSec":
			consider(x.timerActivated + d)
		case "OnBootSec", "OnStartupSec":
			consider(d)
		case "OnUnitActiveSec":
			// counted from the unit's last activation (or the timer's
			// last trigger), so that a oneshot that never reaches
			// "active" still repeats
			if target != nil && max(target.inactiveExit, x.lastTrigger) > 0 {
				consider(max(target.inactiveExit, x.lastTrigger) + d)
			}
		case "OnUnitInactiveSec":
			if target != nil && target.inactiveEnter > 0 {
				consider(target.inactiveEnter + d)
			}
		case "OnCalendar":
			if v.Calendar == nil || c.Wall == nil {
				continue
			}
			now := c.Wall(c.now)
			next, ok := v.Calendar.Next(now)
			if ok {
				consider(c.now + next.Sub(now))
			}
		}
	}
	if !found {
		c.disarm(r)
		if t.RemainAfterElapse {
			c.setSub(r, "elapsed")
		} else {
			c.setSub(r, "dead")
		}
		return
	}
	if best < c.now {
		best = c.now
	}
	c.armAt(r, best)
}

func (c *Core) timerElapsed(r *unitRT) {
	if r.sub != "waiting" {
		return
	}
	x := r.rareRW()
	for i, v := range r.u.Timer.Values {
		switch v.Base {
		case "OnActiveSec":
			if x.timerActivated+time.Duration(v.USec)*time.Microsecond <= c.now {
				x.timerDone[i] = true
			}
		case "OnBootSec", "OnStartupSec":
			if time.Duration(v.USec)*time.Microsecond <= c.now {
				x.timerDone[i] = true
			}
		}
	}
	x.lastTrigger = c.now
	for _, id := range r.u.Deps.Of(loader.Triggers) {
		c.setSub(r, "running")
		c.enqueue(id, graph.Start, graph.Replace)
		return
	}
	c.timerSchedule(r)
}

// timerServiceChanged re-arms a timer whose unit finished.
func (c *Core) timerServiceChanged(svc *unitRT, now string) {
	if !isInactiveOrFailed(now) {
		return
	}
	for _, id := range svc.u.Deps.Of(loader.TriggeredBy) {
		r := c.units[id]
		if r == nil || r.u.Type != "timer" || r.sub != "running" {
			continue
		}
		r.sub = "waiting"
		c.timerSchedule(r)
	}
}
