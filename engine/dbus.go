package engine

import "sort"

// Type=dbus: the service is started once its BusName= has an owner on the
// system bus, as systemd does; it stops when the name goes away while it
// runs. With no system bus to ask (no socket, or no daemon behind it) it
// is treated like Type=simple, as it would otherwise wait for nothing.
// The core asks the loop to watch a name (WatchBusName) and learns its
// owner state from BusName events.

// BusName reports whether a D-Bus name has an owner, in answer to
// WatchBusName and at every change after. NoBus says there is no system
// bus to ask.
type BusName struct {
	Name         string
	Owned, NoBus bool
}

// WatchBusName asks for BusName events about a name: now and at every
// change of its owner.
type WatchBusName struct{ Name string }

func (BusName) event()       {}
func (WatchBusName) action() {}

// busState is what the core knows of a watched name.
type busState uint8

const (
	busAsked busState = iota // WatchBusName sent, no answer yet
	busOwned
	busUnowned
	busNone // no bus
)

// dbusStarted is afterSpawn for Type=dbus: go on when the name is owned
// or there is no bus, else wait in "start" for a BusName event.
func (c *Core) dbusStarted(r *unitRT) {
	name := r.u.Service.BusName
	st, known := c.busNames[name]
	if !known || st == busNone {
		// asked again when there was no bus: it may have come up since
		if c.busNames == nil {
			c.busNames = map[string]busState{}
		}
		c.busNames[name] = busAsked
		c.emit(WatchBusName{Name: name})
		return
	}
	if st == busOwned {
		c.svcStartPost(r)
	}
	// else its answer or its owner is still to come (busName)
}

// busGood reports whether a service may run as far as its bus name goes:
// only a Type=dbus service whose name is known to have lost its owner may
// not.
func (c *Core) busGood(r *unitRT) bool {
	s := r.u.Service
	return s.Type != "dbus" || c.busNames[s.BusName] != busUnowned
}

func (c *Core) busName(e BusName) {
	st := busUnowned
	switch {
	case e.NoBus:
		st = busNone
	case e.Owned:
		st = busOwned
	}
	if c.busNames == nil {
		c.busNames = map[string]busState{}
	}
	c.busNames[e.Name] = st
	var ids []string
	for id, r := range c.units {
		if id == r.id && r.u.Service != nil && r.u.Service.Type == "dbus" && r.u.Service.BusName == e.Name {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := c.units[id]
		switch {
		case r.sub == "start" && r.main > 0 && st != busUnowned:
			c.svcStartPost(r)
		case r.sub == "running" && st == busUnowned:
			c.logf(r, 6, "D-Bus name %s no longer owned.", e.Name)
			c.svcRunning(r, "success")
		}
	}
}
