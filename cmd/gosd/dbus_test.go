package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/gosd/gosd/engine"
	"github.com/rs/zerolog"
)

// TestBusWatcher runs a private dbus-daemon and checks what the watcher
// reports of a name: not owned, owned once a client takes it, not owned
// when it lets it go, no bus once the daemon is gone; and no bus at all
// where no daemon listens.
func TestBusWatcher(t *testing.T) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("needs dbus-daemon (Debian package dbus)")
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
	w.Watch(name, func(e engine.BusName) { events <- e })
	next(engine.BusName{Name: name})

	client, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := client.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v %v", r, err)
	}
	next(engine.BusName{Name: name, Owned: true})
	if _, err := client.ReleaseName(name); err != nil {
		t.Fatal(err)
	}
	next(engine.BusName{Name: name})
	client.Close()

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
