package main

import (
	"cmp"
	"context"
	"os"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/gosd/gosd/engine"
	"github.com/rs/zerolog"
)

// busWatcher is engine.BusWatcher on the system bus. It talks D-Bus
// through godbus: the wire format and authentication are not worth
// writing again for one signal and one call.
type busWatcher struct {
	addr  string // the bus's address; "" means $DBUS_SYSTEM_BUS_ADDRESS or the standard socket
	log   *zerolog.Logger
	mu    sync.Mutex // held while connecting and while posting
	conn  *dbus.Conn
	names map[string]func(engine.BusName)
}

// busConnectTimeout bounds a connection to a bus socket whose daemon is
// being socket-activated: systemd's default start timeout, so that the
// service's own TimeoutStartSec= normally decides.
const busConnectTimeout = 90 * time.Second

func (w *busWatcher) Watch(name string, post func(engine.BusName)) { go w.watch(name, post) }

func (w *busWatcher) watch(name string, post func(engine.BusName)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	noBus := func(err error) {
		w.log.Info().Err(err).Str("name", name).Msg("no system bus: Type=dbus services are treated like Type=simple")
		post(engine.BusName{Name: name, NoBus: true})
	}
	conn, err := w.connect()
	if err != nil {
		noBus(err)
		return
	}
	if w.names[name] == nil {
		if err := conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"),
			dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"),
			dbus.WithMatchArg(0, name)); err != nil {
			noBus(err)
			return
		}
		w.names[name] = post
	}
	var owned bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err != nil {
		noBus(err)
		return
	}
	post(engine.BusName{Name: name, Owned: owned})
}

// connect returns the connection to the system bus, made on first use.
// w.mu is held.
func (w *busWatcher) connect() (*dbus.Conn, error) {
	if w.conn != nil {
		return w.conn, nil
	}
	addr := cmp.Or(w.addr, os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"))
	if addr == "" {
		addr = "unix:path=/run/dbus/system_bus_socket"
	}
	// The connection lives as long as its context: cancelled only when
	// connecting takes too long.
	ctx, cancel := context.WithCancel(context.Background())
	late := time.AfterFunc(busConnectTimeout, cancel)
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil || !late.Stop() {
		cancel()
		return nil, cmp.Or(err, context.DeadlineExceeded)
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	w.conn, w.names = conn, map[string]func(engine.BusName){}
	go w.signals(conn, ch)
	return conn, nil
}

// signals posts every owner change of a watched name. godbus closes ch
// when the connection ends (the daemon stopped, or the socket broke):
// then every watched name has no bus any more, until a later Watch
// connects again.
func (w *busWatcher) signals(conn *dbus.Conn, ch chan *dbus.Signal) {
	for s := range ch {
		if s == nil || s.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(s.Body) != 3 {
			continue
		}
		name, _ := s.Body[0].(string)
		owner, _ := s.Body[2].(string)
		w.mu.Lock()
		if post := w.names[name]; post != nil {
			post(engine.BusName{Name: name, Owned: owner != ""})
		}
		w.mu.Unlock()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn != conn {
		return
	}
	for name, post := range w.names {
		post(engine.BusName{Name: name, NoBus: true})
	}
	w.conn, w.names = nil, nil
}
