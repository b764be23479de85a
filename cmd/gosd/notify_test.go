package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// notifyReceiver collects the raw datagrams systemd-notify sends, with
// the sender's pid. It closes the descriptors of BARRIER=1 messages
// (completing the barrier) unless hold is set.
type notifyReceiver struct {
	path string
	msgs chan rawDatagram
}

type rawDatagram struct {
	data string
	pid  int32
	uid  uint32
	gid  uint32
}

func newNotifyReceiver(t *testing.T, hold bool) *notifyReceiver {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	r := &notifyReceiver{path: path, msgs: make(chan rawDatagram, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var held []int
		defer func() {
			for _, fd := range held {
				unix.Close(fd)
			}
		}()
		buf := make([]byte, 8192)
		oob := make([]byte, 1024)
		for {
			n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
			if err != nil {
				return
			}
			d := rawDatagram{data: string(buf[:n])}
			if n == 0 && oobn == 0 {
				return // the test's wake-up at the end
			}
			cmsgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
			for i := range cmsgs {
				if c, err := unix.ParseUnixCredentials(&cmsgs[i]); err == nil {
					d.pid, d.uid, d.gid = c.Pid, c.Uid, c.Gid
				}
				if fds, err := unix.ParseUnixRights(&cmsgs[i]); err == nil {
					if hold {
						held = append(held, fds...)
					} else {
						for _, fd := range fds {
							unix.Close(fd)
						}
					}
				}
			}
			r.msgs <- d
		}
	}()
	t.Cleanup(func() {
		unix.Shutdown(fd, unix.SHUT_RDWR)
		<-done
		unix.Close(fd)
	})
	return r
}

// next returns the next datagram (false when none came).
func (r *notifyReceiver) next() (rawDatagram, bool) {
	select {
	case d := <-r.msgs:
		return d, true
	case <-time.After(100 * time.Millisecond):
		return rawDatagram{}, false
	}
}

// TestSystemdNotify compares the verb with what systemd 252's
// systemd-notify sent: each want is the datagram a recording listener got
// (nsboot, NOTIFY_SOCKET pointing at it), lines with empty content shown
// as they arrived.
func TestSystemdNotify(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantRC     int
		wantSent   []string // datagrams, in order
		wantStderr string
		wantStdout string // a prefix
	}{
		{name: "ready", args: []string{"--no-block", "--ready"}, wantSent: []string{"READY=1"}},
		{name: "order of generated lines", args: []string{"--no-block", "--ready", "--pid=1", "--status=st", "A=1", "B=2"},
			wantSent: []string{"READY=1\nSTATUS=st\nMAINPID=1\nA=1\nB=2"}},
		{name: "bare --pid is the parent", args: []string{"--no-block", "--pid", "--status=hi", "A=b"}, wantSent: []string{"STATUS=hi\nMAINPID=4242\nA=b"}},
		{name: "--pid= is the parent", args: []string{"--no-block", "--pid=", "X=1"}, wantSent: []string{"MAINPID=4242\nX=1"}},
		{name: "--pid takes no separate argument", args: []string{"--no-block", "--pid", "77", "X"}, wantSent: []string{"MAINPID=4242\n77\nX"}},
		{name: "empty status", args: []string{"--no-block", "--status="}, wantSent: []string{"STATUS="}},
		{name: "ready twice", args: []string{"--no-block", "--ready", "--ready"}, wantSent: []string{"READY=1"}},
		{name: "options after arguments", args: []string{"--no-block", "X=1", "--ready"}, wantSent: []string{"READY=1\nX=1"}},
		{name: "double dash", args: []string{"--no-block", "--", "--ready"}, wantSent: []string{"--ready"}},
		{name: "abbreviated options", args: []string{"--no-b", "--rea", "--st=x"}, wantSent: []string{"READY=1\nSTATUS=x"}},
		{name: "status as separate argument", args: []string{"--no-block", "--status", "x", "Y"}, wantSent: []string{"STATUS=x\nY"}},
		{name: "assignment replaces", args: []string{"--no-block", "A=1", "B", "A=2"}, wantSent: []string{"A=2\nB"}},
		{name: "duplicate", args: []string{"--no-block", "A=1", "A=1"}, wantSent: []string{"A=1"}},
		{name: "word replaces assignment with that prefix", args: []string{"--no-block", "AB=1", "A"}, wantSent: []string{"A"}},
		{name: "assignment does not replace word", args: []string{"--no-block", "A", "A=1"}, wantSent: []string{"A\nA=1"}},
		{name: "other key kept", args: []string{"--no-block", "AB=1", "A=2"}, wantSent: []string{"AB=1\nA=2"}},
		{name: "argument overrides --status", args: []string{"--no-block", "--status=x", "STATUS=y"}, wantSent: []string{"STATUS=y"}},
		{name: "argument overrides --pid but not the sender", args: []string{"--no-block", "--pid=1", "MAINPID=2"}, wantSent: []string{"MAINPID=2"}},
		{name: "empty argument replaces the first line", args: []string{"--no-block", "--ready", "A", ""}, wantSent: []string{"\nA"}},
		{name: "empty arguments", args: []string{"--no-block", "X", "", "Y", "", "C"}, wantSent: []string{"\nY\nC"}},
		{name: "empty then repeated word", args: []string{"--no-block", "X", "Y", "", "X", "Z"}, wantSent: []string{"\nY\nX\nZ"}},
		{name: "newline inside an argument", args: []string{"--no-block", "A=1\nB=2", "", "C"}, wantSent: []string{"\nC"}},
		{name: "no arguments", args: nil, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStdout: "systemd-notify [OPTIONS...] [VARIABLE=VALUE...]\n"},
		{name: "only --no-block", args: []string{"--no-block"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStdout: "systemd-notify [OPTIONS...]"},
		{name: "help", args: []string{"-h"}, wantStdout: "systemd-notify [OPTIONS...]"},
		{name: "booted sends nothing", args: []string{"--no-block", "--booted", "--ready"}, wantRC: 1},
		{name: "pid 0", args: []string{"--no-block", "--pid=0", "X=1"}, wantRC: 1, wantSent: []string{"ERRNO=34"}, wantStderr: "Failed to parse PID 0.\n"},
		{name: "negative pid", args: []string{"--no-block", "--pid=-5", "X=1"}, wantRC: 1, wantSent: []string{"ERRNO=34"}, wantStderr: "Failed to parse PID -5.\n"},
		{name: "pid not a number", args: []string{"--no-block", "--pid=abc", "X=1"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStderr: "Failed to parse PID abc.\n"},
		{name: "unknown option", args: []string{"--bogus"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStderr: "systemd-notify: unrecognized option '--bogus'\n"},
		{name: "unknown short option", args: []string{"--no-block", "-x"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStderr: "systemd-notify: invalid option -- 'x'\n"},
		{name: "status needs an argument", args: []string{"--no-block", "--status"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStderr: "systemd-notify: option '--status' requires an argument\n"},
		{name: "ready takes no argument", args: []string{"--no-block", "--ready=1"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStderr: "systemd-notify: option '--ready' doesn't allow an argument\n"},
		{name: "empty user", args: []string{"--no-block", "--uid=", "X=1"}, wantRC: 1, wantSent: []string{"ERRNO=22"}, wantStderr: "Can't resolve user : Invalid argument\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newNotifyReceiver(t, false)
			var stdout, stderr bytes.Buffer
			env := notifyEnv{socket: r.path, ppid: 4242, uid: uint32(os.Getuid()), gid: uint32(os.Getgid()), root: t.TempDir(), barrier: 5 * time.Second}
			rc := notifyMain(tc.args, &stdout, &stderr, env)
			if rc != tc.wantRC {
				t.Errorf("exit status %d, want %d (stderr %q)", rc, tc.wantRC, stderr.String())
			}
			if stderr.String() != tc.wantStderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.wantStderr)
			}
			if !strings.HasPrefix(stdout.String(), tc.wantStdout) || tc.wantStdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout %q, want prefix %q", stdout.String(), tc.wantStdout)
			}
			for _, want := range tc.wantSent {
				d, ok := r.next()
				if !ok {
					t.Fatalf("nothing sent, want %q", want)
				}
				if got := d.data; got != want {
					t.Errorf("sent %q, want %q", got, want)
				}
			}
			if d, ok := r.next(); ok {
				t.Errorf("also sent %q", d.data)
			}
		})
	}
}

// TestSystemdNotifyCredentials: systemd 252's systemd-notify sent as its
// parent by default, as the --pid= process when given, with its own pid
// for BARRIER=1 and ERRNO=, and with --uid='s user and that user's group
// (a numeric uid without passwd entry kept the caller's group).
func TestSystemdNotifyCredentials(t *testing.T) {
	if !notifyHasCaps(unix.CAP_SYS_ADMIN, unix.CAP_SETUID, unix.CAP_SETGID) {
		t.Skip("sending with other credentials needs CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID")
	}
	r := newNotifyReceiver(t, false)
	ppid := os.Getppid()
	env := notifyEnv{socket: r.path, ppid: ppid, uid: 0, gid: 0, root: t.TempDir(), barrier: 5 * time.Second}
	var out bytes.Buffer
	if rc := notifyMain([]string{"--ready"}, &out, &out, env); rc != 0 {
		t.Fatalf("exit %d: %s", rc, out.String())
	}
	d, _ := r.next()
	if d.data != "READY=1" || d.pid != int32(ppid) {
		t.Errorf("got %q from %d, want READY=1 from the parent %d", d.data, d.pid, ppid)
	}
	d, _ = r.next()
	if d.data != "BARRIER=1" || d.pid != int32(os.Getpid()) {
		t.Errorf("got %q from %d, want BARRIER=1 from ourselves", d.data, d.pid)
	}
	if rc := notifyMain([]string{"--no-block", "--pid=1", "X=1"}, &out, &out, env); rc != 0 {
		t.Fatalf("exit %d: %s", rc, out.String())
	}
	if d, _ = r.next(); d.pid != 1 {
		t.Errorf("--pid=1 sent from %d", d.pid)
	}
	if rc := notifyMain([]string{"--no-block", "--uid=12345", "X=1"}, &out, &out, env); rc != 0 {
		t.Fatalf("exit %d: %s", rc, out.String())
	}
	if d, _ = r.next(); d.uid != 12345 || d.gid != 0 {
		t.Errorf("--uid=12345 sent as %d/%d, want 12345/0", d.uid, d.gid)
	}
	if rc := notifyMain([]string{"--no-block", "--uid=root", "X=1"}, &out, &out, env); rc != 0 {
		t.Fatalf("exit %d: %s", rc, out.String())
	}
	if d, _ = r.next(); d.uid != 0 {
		t.Errorf("--uid=root sent as %d", d.uid)
	}
}

// notifyHasCaps reports whether the test process has the capabilities
// in effect.
func notifyHasCaps(caps ...int) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			for _, c := range caps {
				if err != nil || mask&(1<<c) == 0 {
					return false
				}
			}
			return true
		}
	}
	return false
}

func TestSystemdNotifyNoSocket(t *testing.T) {
	var stdout, stderr bytes.Buffer
	rc := notifyMain([]string{"--ready"}, &stdout, &stderr, notifyEnv{ppid: 1, root: t.TempDir()})
	// systemd 252 without $NOTIFY_SOCKET: this message, status 1.
	if rc != 1 || stderr.String() != "No status data could be sent: $NOTIFY_SOCKET was not set\n" {
		t.Fatalf("exit %d, stderr %q", rc, stderr.String())
	}
}

func TestSystemdNotifySendFails(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := notifyEnv{socket: filepath.Join(t.TempDir(), "nobody-listens"), ppid: os.Getpid(), root: t.TempDir()}
	rc := notifyMain([]string{"--no-block", "--ready"}, &stdout, &stderr, env)
	if rc != 1 || stderr.String() != "Failed to notify init system: No such file or directory\n" {
		t.Fatalf("exit %d, stderr %q", rc, stderr.String())
	}
	env.socket = "relative"
	stderr.Reset()
	rc = notifyMain([]string{"--no-block", "--ready"}, &stdout, &stderr, env)
	if rc != 1 || stderr.String() != "Failed to notify init system: Invalid argument\n" {
		t.Fatalf("exit %d, stderr %q", rc, stderr.String())
	}
}

// TestSystemdNotifyBarrierTimeout: systemd 252 waited 5 s for a listener
// that kept the barrier's descriptor, printed this and sent ERRNO=110.
func TestSystemdNotifyBarrierTimeout(t *testing.T) {
	r := newNotifyReceiver(t, true)
	var stdout, stderr bytes.Buffer
	env := notifyEnv{socket: r.path, ppid: os.Getpid(), root: t.TempDir(), barrier: time.Millisecond}
	rc := notifyMain([]string{"--ready"}, &stdout, &stderr, env)
	if rc != 1 || stderr.String() != "Failed to invoke barrier: Connection timed out\n" {
		t.Fatalf("exit %d, stderr %q", rc, stderr.String())
	}
	for _, want := range []string{"READY=1", "BARRIER=1", "ERRNO=110"} {
		if d, _ := r.next(); d.data != want {
			t.Errorf("sent %q, want %q", d.data, want)
		}
	}
}

func TestSystemdNotifyBooted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		create string
		want   int
	}{
		{"nothing", "", 1},
		{"systemd", "run/systemd/system/", 0},
		{"gosd", "run/gosd/private", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.create != "" {
				p := filepath.Join(root, tc.create)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(tc.create, "/") {
					os.MkdirAll(p, 0o755)
				} else if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if rc := notifyMain([]string{"--booted"}, &out, &out, notifyEnv{root: root}); rc != tc.want || out.Len() > 0 {
				t.Errorf("exit %d (output %q), want %d", rc, out.String(), tc.want)
			}
		})
	}
}
