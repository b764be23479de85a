package sockets

import (
	"net"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestWatcher(t *testing.T) {
	root := shortTemp(t)
	u := load(t, root, "w.socket", "ListenStream=/run/a.sock", "ListenDatagram=/run/b.sock")
	ls, err := Open(u, root)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(u, ls, root)
	fired := make(chan string, 10)
	w, err := NewWatcher(func(id string) { fired <- id })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	expect := func(what string, want bool) {
		t.Helper()
		select {
		case id := <-fired:
			if !want {
				t.Fatalf("%s: fired for %s", what, id)
			}
			if id != "w.socket" {
				t.Fatalf("%s: fired for %q", what, id)
			}
		case <-time.After(100 * time.Millisecond):
			// A watch that should fire does so at once; 100ms without one
			// is only slow when the test fails.
			if want {
				t.Fatalf("%s: did not fire", what)
			}
		}
	}
	goroutines := runtime.NumGoroutine()
	if err := w.Watch("w.socket", ls); err != nil {
		t.Fatal(err)
	}
	if g := runtime.NumGoroutine(); g != goroutines {
		t.Errorf("Watch started goroutines: %d -> %d", goroutines, g)
	}
	expect("nothing pending", false)
	c, err := net.Dial("unixgram", filepath.Join(root, "run/b.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	expect("datagram on the second port", true)
	// Disarmed: the datagram is still waiting, but no second call.
	expect("after firing", false)
	// Armed again: level-triggered, fires for what is waiting.
	w.Watch("w.socket", ls)
	expect("re-armed with data waiting", true)
	w.Watch("w.socket", ls)
	w.Unwatch("w.socket")
	expect("unwatched", false)
	w.Close()
	if err := w.Watch("w.socket", ls); err == nil {
		t.Error("Watch after Close succeeded")
	}
}
