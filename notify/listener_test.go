package notify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openFDs counts the descriptors of the test process.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// hasCap reports whether the test process has capability c in effect.
func hasCap(t *testing.T, c int) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<c) != 0
		}
	}
	return false
}

// listen opens a listener in a fresh directory and closes it at the end
// of the test.
func listen(t *testing.T) *Listener {
	t.Helper()
	l, err := Listen(filepath.Join(t.TempDir(), "notify"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// recv receives one message, failing the test after a while instead of
// hanging.
func recv(t *testing.T, l *Listener) Message {
	t.Helper()
	type res struct {
		m   Message
		err error
	}
	ch := make(chan res, 1)
	go func() {
		m, err := l.Recv()
		ch <- res{m, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.m
	case <-time.After(10 * time.Second):
		t.Fatal("no datagram received")
	}
	return Message{}
}

func TestListenSocketFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "notify")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// A stale file of an earlier run is replaced.
	if err := os.WriteFile(path, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// systemd 252: /run/systemd/notify is "777 root socket".
	if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o777 {
		t.Errorf("socket file mode %v, want socket 0777", st.Mode())
	}
	if l.Path() != path {
		t.Errorf("Path() = %q", l.Path())
	}
	rc, _ := l.f.SyscallConn()
	rc.Control(func(fd uintptr) {
		// systemd 252's notify socket reads back SO_PASSCRED=1 and, as
		// root, SO_RCVBUF=16777216 (8 MiB doubled by the kernel).
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED); err != nil || v != 1 {
			t.Errorf("SO_PASSCRED = %d, %v", v, err)
		}
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE); err != nil || v != unix.SOCK_DGRAM {
			t.Errorf("SO_TYPE = %d, %v", v, err)
		}
		// Without CAP_NET_ADMIN the kernel's rmem_max caps it.
		want := 2 * receiveBuffer
		if b, err := os.ReadFile("/proc/sys/net/core/rmem_max"); err == nil && !hasCap(t, unix.CAP_NET_ADMIN) {
			if m, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				want = 2 * min(m, receiveBuffer)
			}
		}
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); err != nil || v != want {
			t.Errorf("SO_RCVBUF = %d, %v; want %d", v, err, want)
		}
	})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left after Close: %v", err)
	}
}

func TestListenRejectsRelativePath(t *testing.T) {
	if _, err := Listen("relative/notify"); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Listen(relative) = %v, want EINVAL", err)
	}
	// systemd-notify with NOTIFY_SOCKET=relative: "Invalid argument".
	if err := Send("relative", "READY=1"); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Send(relative) = %v, want EINVAL", err)
	}
	if err := Send("", "READY=1"); !errors.Is(err, ErrNoSocket) {
		t.Fatalf("Send(\"\") = %v, want ErrNoSocket", err)
	}
}

func TestSendRecv(t *testing.T) {
	l := listen(t)
	for _, tc := range []struct {
		name, state string
		want        []Field
	}{
		{"ready and status", "READY=1\nSTATUS=Processing requests", fields("READY", "1", "STATUS", "Processing requests")},
		{"reload", "RELOADING=1\nMONOTONIC_USEC=42", fields("RELOADING", "1", "MONOTONIC_USEC", "42")},
		{"watchdog", "WATCHDOG=1", fields("WATCHDOG", "1")},
		{"errno", "ERRNO=5", fields("ERRNO", "5")},
		{"maximum size", "X=" + strings.Repeat("y", MaxDatagram-2), fields("X", strings.Repeat("y", MaxDatagram-2))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Send(l.Path(), tc.state); err != nil {
				t.Fatal(err)
			}
			m := recv(t, l)
			if m.Err != nil || !reflect.DeepEqual(m.Fields, tc.want) {
				t.Fatalf("got %q, %v; want %q", m.Fields, m.Err, tc.want)
			}
			if m.PID != int32(os.Getpid()) || m.UID != uint32(os.Getuid()) || m.GID != uint32(os.Getgid()) {
				t.Errorf("credentials %d/%d/%d, want ours", m.PID, m.UID, m.GID)
			}
		})
	}
}

func TestAbstractSocket(t *testing.T) {
	name := fmt.Sprintf("@gosd-notify-test-%d", os.Getpid())
	l, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := Send(name, "READY=1"); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, l); !Has(m.Fields, "READY", "1") {
		t.Fatalf("got %q", m.Fields)
	}
}

// TestFDStore sends descriptors as FDSTORE=1 does and checks they arrive
// usable and close-on-exec.
func TestFDStore(t *testing.T) {
	l := listen(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := Send(l.Path(), "FDSTORE=1\nFDNAME=pipe", r, w); err != nil {
		t.Fatal(err)
	}
	m := recv(t, l)
	defer m.CloseFDs()
	if m.Err != nil || len(m.FDs) != 2 || !Has(m.Fields, "FDSTORE", "1") {
		t.Fatalf("got fields %q, %d fds, err %v", m.Fields, len(m.FDs), m.Err)
	}
	for _, f := range m.FDs {
		flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("received fd %d not close-on-exec (%#x, %v)", f.Fd(), flags, err)
		}
	}
	if _, err := m.FDs[1].Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := r.Read(b); err != nil || b[0] != 'x' {
		t.Fatalf("read through the received write end: %q, %v", b, err)
	}
}

// TestRejectedDatagramClosesFDs: a datagram systemd would ignore whole
// must not leak the descriptors sent with it, and must not stop the
// listener from receiving the next one.
func TestRejectedDatagramClosesFDs(t *testing.T) {
	l := listen(t)
	for _, tc := range []struct {
		name, state string
		want        error
	}{
		{"embedded NUL", "READY=1\x00junk", ErrEmbeddedNUL},
		{"too large", "READY=1\nX=" + strings.Repeat("x", 5000), ErrTooLarge},
		{"only junk", "no assignment here", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := openFDs(t)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := Send(l.Path(), tc.state, w); err != nil {
				t.Fatal(err)
			}
			w.Close()
			m := recv(t, l)
			if m.Fields != nil || m.FDs != nil || m.Err == nil || tc.want != nil && !errors.Is(m.Err, tc.want) {
				t.Fatalf("got fields %q, %d fds, err %v; want rejection %v", m.Fields, len(m.FDs), m.Err, tc.want)
			}
			// The only write end left was the received one: it must be
			// closed, so the read end sees EOF.
			r.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := r.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the received descriptor was not closed: %d, %v", n, err)
			}
			r.Close()
			if after := openFDs(t); after != before {
				t.Errorf("%d descriptors open, %d before", after, before)
			}
		})
	}
	// The listener still works.
	if err := Send(l.Path(), "READY=1"); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, l); !Has(m.Fields, "READY", "1") {
		t.Fatalf("after the bad datagrams: %q %v", m.Fields, m.Err)
	}
}

func TestBadLinesKeepGoodFields(t *testing.T) {
	l := listen(t)
	if err := Send(l.Path(), "MAINPID=42\njunk\nREADY=1"); err != nil {
		t.Fatal(err)
	}
	m := recv(t, l)
	var be *BadLinesError
	if !errors.As(m.Err, &be) || !reflect.DeepEqual(m.Fields, fields("MAINPID", "42", "READY", "1")) {
		t.Fatalf("got %q, %v", m.Fields, m.Err)
	}
}

func TestCloseUnblocksRecv(t *testing.T) {
	l, err := Listen(filepath.Join(t.TempDir(), "n"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := l.Recv()
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let Recv block; the test holds either way
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Recv after Close = %v, want os.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Recv still blocked after Close")
	}
}

// TestSendAs: the credentials systemd-notify claims. systemd 252's
// systemd-notify sent "READY=1" with its parent's PID, and with its own
// PID when the claimed one did not exist (--pid=4242).
func TestSendAs(t *testing.T) {
	if !hasCap(t, unix.CAP_SYS_ADMIN) || !hasCap(t, unix.CAP_SETUID) || !hasCap(t, unix.CAP_SETGID) {
		t.Skip("claiming another process's credentials needs CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID")
	}
	l := listen(t)
	ppid := int32(os.Getppid())
	if err := SendAs(l.Path(), "READY=1", &Credentials{PID: ppid, UID: 1, GID: 2}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, l); m.PID != ppid || m.UID != 1 || m.GID != 2 {
		t.Errorf("credentials %d/%d/%d, want %d/1/2", m.PID, m.UID, m.GID, ppid)
	}
	// No such process: sent with our own credentials instead.
	if err := SendAs(l.Path(), "READY=1", &Credentials{PID: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, l); m.PID != int32(os.Getpid()) {
		t.Errorf("credentials pid %d, want ours (%d)", m.PID, os.Getpid())
	}
}

func TestBarrier(t *testing.T) {
	l := listen(t)
	// A manager that processes messages closes the barrier's descriptor.
	go func() {
		for {
			m, err := l.Recv()
			if err != nil {
				return
			}
			if !Has(m.Fields, "BARRIER", "1") || len(m.FDs) != 1 {
				t.Errorf("barrier message %q with %d fds", m.Fields, len(m.FDs))
			}
			m.CloseFDs()
		}
	}()
	if err := Barrier(l.Path(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestBarrierTimeout(t *testing.T) {
	l := listen(t)
	// Nobody reads: the descriptor stays in the socket's queue.
	if err := Barrier(l.Path(), time.Millisecond); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("Barrier = %v, want ETIMEDOUT", err)
	}
	m := recv(t, l)
	m.CloseFDs()
}
