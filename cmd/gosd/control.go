package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// controlSocket is where a running gosd takes systemctl's requests. The
// client sends its argv; the manager runs the same systemctl code with the
// live state and sends back what it printed and the exit code.
const controlSocket = "/run/gosd/private"

// The control protocol, not JSON (encoding/json's decoder is ~0.1 MB of
// PID 1's binary, resident whole): the request is controlMagic and then each
// argument followed by a NUL (arguments cannot hold one), ended by the
// client shutting its side; the answer is "EXIT STDOUTLEN STDERRLEN\n"
// and then the two outputs.
const controlMagic = "gosd-control-1\x00"

// maxRequest bounds a control request; anything larger is refused.
const maxRequest = 1 << 20

func encodeRequest(argv []string) []byte {
	b := []byte(controlMagic)
	for _, a := range argv {
		b = append(append(b, a...), 0)
	}
	return b
}

func decodeRequest(b []byte) ([]string, error) {
	rest, ok := bytes.CutPrefix(b, []byte(controlMagic))
	if !ok {
		return nil, errors.New("not a gosd control request (a client of another gosd version?)")
	}
	if len(rest) > 0 && rest[len(rest)-1] != 0 {
		return nil, errors.New("request truncated: the last argument has no NUL")
	}
	argv := []string{}
	for len(rest) > 0 {
		a, r, _ := bytes.Cut(rest, []byte{0})
		argv = append(argv, string(a))
		rest = r
	}
	return argv, nil
}

func encodeResponse(exit int, stdout, stderr []byte) []byte {
	b := fmt.Appendf(nil, "%d %d %d\n", exit, len(stdout), len(stderr))
	return append(append(b, stdout...), stderr...)
}

func decodeResponse(b []byte) (exit int, stdout, stderr []byte, err error) {
	head, body, ok := bytes.Cut(b, []byte{'\n'})
	f := strings.Fields(string(head))
	if !ok || len(f) != 3 {
		return 0, nil, nil, fmt.Errorf("malformed answer header %q", head)
	}
	var n [3]int
	for i, s := range f {
		if n[i], err = strconv.Atoi(s); err != nil || (i > 0 && n[i] < 0) {
			return 0, nil, nil, fmt.Errorf("malformed answer header %q", head)
		}
	}
	if n[1] > len(body) || n[2] != len(body)-n[1] {
		return 0, nil, nil, fmt.Errorf("answer of %d bytes where its header %q announced otherwise", len(body), head)
	}
	return n[0], body[:n[1]], body[n[1]:], nil
}

// liveCall sends argv to the running manager. ok is false when no manager
// answers on the control socket.
func liveCall(argv []string, stdout, stderr io.Writer) (code int, ok bool) {
	return liveCallAt(controlSocket, argv, stdout, stderr)
}

func liveCallAt(path string, argv []string, stdout, stderr io.Writer) (code int, ok bool) {
	conn, err := dialUnix(path, time.Second)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	if _, err := conn.Write(encodeRequest(argv)); err != nil {
		fmt.Fprintf(stderr, "Failed to talk to gosd: %v\n", err)
		return 1, true
	}
	conn.CloseWrite()
	b, err := io.ReadAll(conn)
	var out, errb []byte
	if err == nil {
		code, out, errb, err = decodeResponse(b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "Failed to read gosd's answer: %v\n", err)
		return 1, true
	}
	stdout.Write(out)
	stderr.Write(errb)
	return code, true
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
			b, err := io.ReadAll(io.LimitReader(conn, maxRequest+1))
			var argv []string
			if err == nil && len(b) > maxRequest {
				err = fmt.Errorf("request over %d bytes", maxRequest)
			}
			if err == nil {
				argv, err = decodeRequest(b)
			}
			if err != nil {
				conn.Write(encodeResponse(1, nil, fmt.Appendf(nil, "Bad request: %v\n", err)))
				// Read what is left of the request: closing on unread bytes
				// would reset the connection and lose the answer.
				// (A loop, not io.Copy: that links os.File's splice,
				// sendfile and copy_file_range paths, ~49 KB of binary.)
				conn.CloseWrite()
				for buf := make([]byte, 4096); ; {
					if _, err := conn.Read(buf); err != nil {
						return
					}
				}
			}
			var out, errb bytes.Buffer
			code := systemctlLive(argv, &out, &errb, m)
			conn.Write(encodeResponse(code, out.Bytes(), errb.Bytes()))
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
