package engine

import (
	"strings"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
)

// Socket units: the loop opens the listeners in the manager (Listen) and
// watches them (Watch); the core decides what a connection starts.
// gosd runs no ExecStartPre=/ExecStartPost= of sockets yet (reported by
// verify as unsupported).

func (c *Core) socketStart(r *unitRT) {
	c.emit(Listen{Unit: r.u, Open: true})
	c.setSub(r, "listening")
	c.emit(Watch{Unit: r.id, On: true})
}

func (c *Core) socketStop(r *unitRT) {
	c.emit(Watch{Unit: r.id, On: false})
	c.emit(Listen{Unit: r.u, Open: false})
	c.setSub(r, "dead")
}

func (c *Core) socketFailed(r *unitRT, result string) {
	c.emit(Watch{Unit: r.id, On: false})
	c.emit(Listen{Unit: r.u, Open: false})
	c.setResult(r, result)
	c.setSub(r, "failed")
}

// socketReady starts the service of an Accept=no socket.
func (c *Core) socketReady(id string) {
	r := c.units[id]
	if r == nil || r.sub != "listening" {
		return
	}
	for _, sid := range r.u.Deps.Of(loader.Triggers) {
		s := c.unit(sid)
		if s == nil {
			continue
		}
		c.setSub(r, "running")
		c.emit(Watch{Unit: r.id, On: false})
		if isInactiveOrFailed(s.active()) && (s.job == nil) {
			c.enqueue(sid, graph.Start, graph.Replace)
		}
		return
	}
}

// Connection reports an accepted connection of an Accept=yes socket; the
// loop holds the connection as Conn and names the service instance.
type Connection struct {
	Unit     string
	Instance string
	Conn     uint64
}

func (Connection) event() {}

// CloseConn tells the loop that the core no longer needs a connection.
type CloseConn struct{ Conn uint64 }

func (CloseConn) action() {}

func (c *Core) connection(e Connection) {
	r := c.units[e.Unit]
	if r == nil || r.active() != "active" {
		c.emit(CloseConn{Conn: e.Conn})
		return
	}
	prefix := strings.TrimSuffix(r.id, ".socket")
	svc := prefix + "@" + e.Instance + ".service"
	s := c.unit(svc)
	if s == nil || s.u.LoadState != "loaded" {
		c.logf(r, 3, "Failed to load connection service unit %s", svc)
		c.emit(CloseConn{Conn: e.Conn})
		return
	}
	s.rareRW().conn = e.Conn
	x := r.rareRW()
	x.nConnections++
	x.nAccepted++
	if c.enqueue(svc, graph.Start, graph.Replace) == nil {
		c.emit(CloseConn{Conn: e.Conn})
		s.rare.conn = 0
	}
}

// socketServiceChanged closes the connection of an Accept=yes instance
// that is gone, and keeps the sub-state of the Accept=no sockets that
// trigger svc in step with it, as systemd does whoever started the
// service: "running" while it runs, "listening" (watched again) once it
// is dead, failed, being killed after its stop or waiting to restart;
// nothing while a job of the service is queued. Recorded under systemd
// 252: a socket whose service was started by hand shows running.
func (c *Core) socketServiceChanged(svc *unitRT, now string) {
	if isInactiveOrFailed(now) {
		if conn := svc.rareRO().conn; conn != 0 {
			c.emit(CloseConn{Conn: conn})
			svc.rare.conn = 0
			if i := strings.LastIndexByte(svc.id, '@'); i > 0 {
				if r := c.units[svc.id[:i]+".socket"]; r != nil && r.rareRO().nConnections > 0 {
					r.rareRW().nConnections--
				}
			}
		}
	}
	if svc.job != nil {
		return
	}
	var to string
	switch svc.sub {
	case "dead", "failed", "final-sigterm", "final-sigkill", "auto-restart":
		to = "listening"
	case "running":
		to = "running"
	default:
		return
	}
	for _, id := range svc.u.Deps.Of(loader.TriggeredBy) {
		r := c.units[id]
		if r == nil || r.u.Type != "socket" || r.u.Socket == nil || r.u.Socket.Accept ||
			(r.sub != "running" && r.sub != "listening") || r.sub == to {
			continue
		}
		c.setSub(r, to)
		c.emit(Watch{Unit: r.id, On: to == "listening"})
	}
}
