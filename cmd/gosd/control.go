package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// controlSocket is where a running gosd takes systemctl's requests. The
// client sends its argv; the manager runs the same systemctl code with the
// live state and sends back what it printed and the exit code.
const controlSocket = "/run/gosd/private"

type controlRequest struct {
	Argv []string `json:"argv"`
}

type controlResponse struct {
	Stdout []byte `json:"stdout"`
	Stderr []byte `json:"stderr"`
	Exit   int    `json:"exit"`
}

// maxRequest bounds a control request; anything larger is refused.
const maxRequest = 1 << 20

// liveCall sends argv to the running manager. ok is false when no manager
// answers on the control socket.
func liveCall(argv []string, stdout, stderr io.Writer) (code int, ok bool) {
	conn, err := dialUnix(controlSocket, time.Second)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	if err := json.NewEncoder(conn).Encode(controlRequest{Argv: argv}); err != nil {
		fmt.Fprintf(stderr, "Failed to talk to gosd: %v\n", err)
		return 1, true
	}
	conn.CloseWrite()
	var resp controlResponse
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		fmt.Fprintf(stderr, "Failed to read gosd's answer: %v\n", err)
		return 1, true
	}
	stdout.Write(resp.Stdout)
	stderr.Write(resp.Stderr)
	return resp.Exit, true
}

// serveControl accepts systemctl requests until the listener is closed.
// Each request runs on its own goroutine; a bad request gets an error
// answer and costs nothing else.
func serveControl(ln *unixListener, m *manager) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			m.log.Warn().Err(err).Msg("control socket: accept failed")
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go func() {
			defer conn.Close()
			var req controlRequest
			dec := json.NewDecoder(io.LimitReader(conn, maxRequest))
			var resp controlResponse
			if err := dec.Decode(&req); err != nil {
				resp = controlResponse{Stderr: []byte(fmt.Sprintf("Bad request: %v\n", err)), Exit: 1}
			} else {
				var out, errb bytes.Buffer
				resp.Exit = systemctlLive(req.Argv, &out, &errb, m)
				resp.Stdout, resp.Stderr = out.Bytes(), errb.Bytes()
			}
			json.NewEncoder(conn).Encode(resp)
		}()
	}
}

// listenControl creates the control socket, replacing a stale one.
func listenControl() (*unixListener, error) {
	if err := os.MkdirAll(filepath.Dir(controlSocket), 0o755); err != nil {
		return nil, err
	}
	os.Remove(controlSocket)
	ln, err := listenUnix(controlSocket)
	if err != nil {
		return nil, err
	}
	os.Chmod(controlSocket, 0o600)
	return ln, nil
}
