package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary runs main when asked to, so that the tests can start
// notifyd as a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("GOSD_NOTIFYD_TEST_MAIN") == "1" {
		main()
		os.Exit(0) // as the binary's main returning
	}
	os.Exit(m.Run())
}

func start(t *testing.T, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append([]string{"GOSD_NOTIFYD_TEST_MAIN=1"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// listen binds a datagram socket at name (a leading '@': abstract) that
// receives the sender's credentials.
func listen(t *testing.T, name string) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval((10 * time.Second).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestReadyFromMainProcess: notifyd sends READY=1 from its own pid, to a
// socket in the file system or an abstract one, then runs until SIGTERM
// ends it.
func TestReadyFromMainProcess(t *testing.T) {
	for _, name := range []string{filepath.Join(t.TempDir(), "notify"), "@gosd-notifyd-test-" + strings.Repeat("x", 8)} {
		t.Run(name, func(t *testing.T) {
			fd := listen(t, name)
			cmd, stderr := start(t, "NOTIFY_SOCKET="+name)
			buf := make([]byte, 256)
			oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
			n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, 0)
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no datagram: %v (stderr %q)", err, stderr)
			}
			if got := string(buf[:n]); got != "READY=1" {
				t.Errorf("datagram %q, want READY=1", got)
			}
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil || len(msgs) != 1 {
				t.Fatalf("control messages %v, %v", msgs, err)
			}
			cred, err := unix.ParseUnixCredentials(&msgs[0])
			if err != nil {
				t.Fatal(err)
			}
			if int(cred.Pid) != cmd.Process.Pid {
				t.Errorf("sent by pid %d, want the main process %d", cred.Pid, cmd.Process.Pid)
			}
			// Still running after READY=1 (not a zombie): it is the
			// service's daemon.
			time.Sleep(50 * time.Millisecond)
			stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "stat"))
			if _, after, ok := bytes.Cut(stat, []byte(") ")); err != nil || !ok || after[0] == 'Z' {
				t.Fatalf("notifyd ended after READY=1: %q %v", stat, err)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			err = cmd.Wait()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				t.Errorf("after SIGTERM: %v (%v), want killed by SIGTERM", err, cmd.ProcessState)
			}
		})
	}
}

// TestNoSocket: without NOTIFY_SOCKET, or with a socket nobody listens
// on, notifyd says why and exits 1.
func TestNoSocket(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"", "NOTIFY_SOCKET is not set"},
		{"NOTIFY_SOCKET=" + filepath.Join(t.TempDir(), "absent"), "sending READY=1 to "},
	} {
		var env []string
		if tc.env != "" {
			env = append(env, tc.env)
		}
		cmd, stderr := start(t, env...)
		err := cmd.Wait()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("env %q: %v, stderr %q; want exit 1 and %q", tc.env, err, stderr, tc.want)
		}
	}
}
