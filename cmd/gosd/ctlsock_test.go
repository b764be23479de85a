package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUnixSocket: a request written and half-closed by the client is
// read to its end by the server, whose answer reaches the client; Close
// makes a waiting Accept return os.ErrClosed; a missing socket refuses.
func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl")
	ln, err := listenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		req, err := io.ReadAll(c)
		if err == nil {
			_, err = c.Write(append([]byte("got "), req...))
		}
		served <- err
	}()
	c, err := dialUnix(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(c)
	c.Close()
	if err != nil || string(resp) != "got hello" {
		t.Errorf("answer %q, %v", resp, err)
	}
	if err := <-served; err != nil {
		t.Errorf("server: %v", err)
	}

	accepted := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		accepted <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Accept wait in the poller
	ln.Close()
	select {
	case err := <-accepted:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Accept after Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still waiting after Close")
	}
	if _, err := dialUnix(filepath.Join(t.TempDir(), "none"), time.Second); err == nil {
		t.Error("dial of a missing socket succeeded")
	}
}
