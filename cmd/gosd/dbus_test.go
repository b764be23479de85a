package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosd/gosd/engine"
	"github.com/rs/zerolog"
)

// TestBusWatcher runs a private dbus-daemon and checks what the watcher
// reports of a name: not owned, owned once a client takes it, not owned
// when it lets it go, no bus once the daemon is gone; and no bus at all
// where no daemon listens. A NameOwnerChanged that another client sends
// to the watcher's connection is not the daemon's and changes nothing.
func TestBusWatcher(t *testing.T) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("needs dbus-daemon (Debian package dbus-daemon)")
	}
	dir := t.TempDir()
	addr := "unix:path=" + filepath.Join(dir, "bus")
	// the session configuration lets a client own any name
	d := exec.Command(daemon, "--session", "--nofork", "--nopidfile", "--address="+addr, "--print-address=1")
	out, err := d.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer d.Process.Kill()
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("dbus-daemon did not start: %v", err)
	}

	log := zerolog.Nop()
	w := &busWatcher{addr: addr, log: &log}
	events := make(chan engine.BusName, 8)
	next := func(want engine.BusName) {
		t.Helper()
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event; want %+v", want)
		}
	}
	const name = "org.example.GosdTest"

	// a client of gosd's own D-Bus code, told of the connections to come
	client, err := dialBus(addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nextMsg := func(want func(*busMsg) bool) *busMsg {
		t.Helper()
		client.c.SetDeadline(time.Now().Add(10 * time.Second))
		for {
			m, err := client.read()
			if err != nil {
				t.Fatal(err)
			}
			if want(m) {
				return m
			}
		}
	}
	serial, err := client.call("AddMatch", "s", busString(nil, "type='signal',member='NameOwnerChanged'"))
	if err != nil {
		t.Fatal(err)
	}
	nextMsg(func(m *busMsg) bool { return m.replySerial == serial })

	w.Watch(name, func(e engine.BusName) { events <- e })
	next(engine.BusName{Name: name})

	// the client says, to the watcher's unique name, that the name was
	// let go: were it believed, this would be the next event
	var watcher string
	nextMsg(func(m *busMsg) bool {
		s, err := m.strings(3)
		if m.member == "NameOwnerChanged" && err == nil && strings.HasPrefix(s[0], ":") && s[1] == "" {
			watcher = s[0]
		}
		return watcher != ""
	})
	spoof := busString(busString(busString(nil, name), ":1.99"), "")
	if _, err := client.send(busSignal, watcher, "NameOwnerChanged", "sss", spoof); err != nil {
		t.Fatal(err)
	}

	// the client takes the name and lets it go
	body := busPad(busString(nil, name), 4)
	if _, err := client.call("RequestName", "su", binary.LittleEndian.AppendUint32(body, 4)); err != nil {
		t.Fatal(err)
	}
	next(engine.BusName{Name: name, Owned: true})
	if _, err := client.call("ReleaseName", "s", busString(nil, name)); err != nil {
		t.Fatal(err)
	}
	next(engine.BusName{Name: name})
	client.c.Close()

	d.Process.Kill()
	d.Wait()
	next(engine.BusName{Name: name, NoBus: true})

	// nothing listens any more: no bus, at once
	w.Watch(name, func(e engine.BusName) { events <- e })
	next(engine.BusName{Name: name, NoBus: true})
}

// TestBusWatcherNoSocket: a bus address whose socket does not exist is no
// bus.
func TestBusWatcherNoSocket(t *testing.T) {
	log := zerolog.Nop()
	w := &busWatcher{addr: "unix:path=" + filepath.Join(t.TempDir(), "none"), log: &log}
	got := make(chan engine.BusName, 1)
	w.Watch("org.example.X", func(e engine.BusName) { got <- e })
	select {
	case e := <-got:
		if !e.NoBus || e.Name != "org.example.X" {
			t.Fatalf("got %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
}

// TestBusReadMalformed: what the bus sends is input; a message the reader
// cannot make sense of is an error, never a panic, and a message cut
// short anywhere, or with a stray byte after its last header field, is
// an error.
func TestBusReadMalformed(t *testing.T) {
	message := func(member, sig string, body []byte) []byte {
		bc := &busConn{c: &captureConn{}}
		bc.call(member, sig, body)
		return bc.c.(*captureConn).b
	}
	read := func(b []byte) (*busMsg, error) { return (&busConn{r: bufio.NewReader(bytes.NewReader(b))}).read() }
	good := message("NameHasOwner", "s", busString(nil, "org.example.X"))
	if m, err := read(good); err != nil || m.member != "NameHasOwner" || m.iface != "org.freedesktop.DBus" || m.sig != "s" {
		t.Fatalf("a well-formed message: %+v, %v", m, err)
	}
	for i := range len(good) {
		for _, v := range []byte{0, 0xff, 'B', 'g', 'v'} {
			bad := bytes.Clone(good)
			bad[i] = v
			read(bad)
		}
		if m, err := read(good[:i]); err == nil {
			t.Errorf("the first %d bytes of %d read as %+v", i, len(good), m)
		}
	}
	// the header fields' array one byte longer: a padding byte after the
	// last field (without a body: the last field ends unaligned)
	for _, b := range [][]byte{good, message("Hello", "", nil)} {
		stray := bytes.Clone(b)
		binary.LittleEndian.PutUint32(stray[12:], binary.LittleEndian.Uint32(b[12:])+1)
		if m, err := read(stray); err == nil {
			t.Errorf("a header with a stray byte read as %+v", m)
		}
	}
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint32(huge[4:], 1<<30)
	if _, err := read(huge); err == nil {
		t.Error("a message longer than D-Bus allows was read")
	}
}

// captureConn is a busStream that keeps what is written to it.
type captureConn struct {
	busStream
	b []byte
}

func (c *captureConn) Write(p []byte) (int, error) { c.b = append(c.b, p...); return len(p), nil }
