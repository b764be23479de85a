package notify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Sizes of the notification socket, as systemd 252 sets up its own.
const (
	// receiveBuffer is SO_RCVBUF(FORCE) of the socket (the kernel doubles
	// it: systemd's /run/systemd/notify reads back 16 MiB).
	receiveBuffer = 8 << 20
	// maxFDs is how many descriptors one datagram may carry (systemd's
	// NOTIFY_FD_MAX); the kernel itself allows 253 per message.
	maxFDs = 768
)

// Message is one datagram received on the notification socket.
type Message struct {
	// PID, UID and GID are the sender's credentials (SCM_CREDENTIALS).
	PID      int32
	UID, GID uint32
	// Fields are the datagram's assignments in order (see Parse).
	Fields []Field
	// FDs are the descriptors sent with the datagram (SCM_RIGHTS),
	// close-on-exec. The receiver owns them: systemd keeps them only with
	// FDSTORE=1 and closes them otherwise ("Got extra auxiliary fds with
	// notification message, closing them"); see CloseFDs.
	FDs []*os.File
	// Err is non-nil when the datagram was rejected whole (ErrTooLarge,
	// ErrEmbeddedNUL, ErrNoCredentials, ErrTruncated: then Fields and FDs
	// are empty, the descriptors already closed) or when some of its lines
	// were not assignments (a *BadLinesError; Fields hold the others).
	Err error
}

// CloseFDs closes the message's descriptors and forgets them.
func (m *Message) CloseFDs() {
	for _, f := range m.FDs {
		f.Close()
	}
	m.FDs = nil
}

// Listener is the manager's notification socket.
//
// Recv must be called from one goroutine at a time; Close may be called
// from any goroutine and makes a blocked Recv return.
type Listener struct {
	f      *os.File
	path   string
	closed atomic.Bool
	buf    []byte
	oob    []byte
}

// Listen creates the notification socket at path: AF_UNIX, SOCK_DGRAM,
// with SO_PASSCRED and an 8 MiB receive buffer, mode 0777, as systemd 252's
// /run/systemd/notify. A path starting with '@' is an abstract socket.
// A file already at path (a stale socket of an earlier run) is removed,
// and missing parent directories are created (mode 0755).
func Listen(path string) (*Listener, error) {
	sa, err := sockaddr(path)
	if err != nil {
		return nil, fmt.Errorf("notify: listen %s: %w", path, err)
	}
	if !strings.HasPrefix(path, "@") {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("notify: listen %s: %w", path, err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("notify: listen %s: removing the old socket: %w", path, err)
		}
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("notify: listen %s: %w", path, os.NewSyscallError("socket", err))
	}
	fail := func(what string, err error) (*Listener, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("notify: listen %s: %w", path, os.NewSyscallError(what, err))
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		return fail("setsockopt SO_PASSCRED", err)
	}
	// Without CAP_NET_ADMIN the forced size fails; the kernel's maximum
	// (net.core.rmem_max) is what an unprivileged manager gets.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, receiveBuffer) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, receiveBuffer)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if !strings.HasPrefix(path, "@") {
		if err := os.Chmod(path, 0o777); err != nil {
			unix.Close(fd)
			os.Remove(path)
			return nil, fmt.Errorf("notify: listen %s: %w", path, err)
		}
	}
	return &Listener{
		f:    os.NewFile(uintptr(fd), path),
		path: path,
		buf:  make([]byte, MaxDatagram+1),
		oob:  make([]byte, unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4*maxFDs)),
	}, nil
}

// Path returns the socket's path as given to Listen (what NOTIFY_SOCKET
// should say).
func (l *Listener) Path() string { return l.path }

// Close closes the socket and removes its file. A blocked Recv returns
// an error wrapping os.ErrClosed.
func (l *Listener) Close() error {
	l.closed.Store(true)
	err := l.f.Close()
	if !strings.HasPrefix(l.path, "@") {
		os.Remove(l.path)
	}
	return err
}

// Recv blocks until a datagram arrives and returns it. A malformed
// datagram is not an error of Recv: it comes back with Message.Err set.
// Recv fails only when the socket does (after Close: os.ErrClosed).
func (l *Listener) Recv() (Message, error) {
	rc, err := l.f.SyscallConn()
	if err != nil {
		return Message{}, fmt.Errorf("notify: recv: %w", err)
	}
	var n, oobn, flags int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		// MSG_TRUNC makes n the datagram's real length, so an oversized
		// one is recognised (and dropped whole) rather than cut.
		n, oobn, flags, _, rerr = unix.Recvmsg(int(fd), l.buf, l.oob, unix.MSG_TRUNC|unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	})
	if err == nil && rerr != nil {
		err = os.NewSyscallError("recvmsg", rerr)
	}
	if err != nil && l.closed.Load() {
		err = os.ErrClosed
	}
	if err != nil {
		return Message{}, fmt.Errorf("notify: recv: %w", err)
	}
	return l.message(n, oobn, flags), nil
}

// message builds the Message for a datagram of n bytes (in l.buf) whose
// control data is l.oob[:oobn].
func (l *Listener) message(n, oobn, flags int) Message {
	var m Message
	var fds []int
	haveCred := false
	cmsgs, err := unix.ParseSocketControlMessage(l.oob[:oobn])
	if err != nil {
		m.Err = fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	for i := range cmsgs {
		c := &cmsgs[i]
		if c.Header.Level != unix.SOL_SOCKET {
			continue
		}
		switch c.Header.Type {
		case unix.SCM_RIGHTS:
			if r, err := unix.ParseUnixRights(c); err == nil {
				fds = append(fds, r...)
			}
		case unix.SCM_CREDENTIALS:
			if cred, err := unix.ParseUnixCredentials(c); err == nil {
				m.PID, m.UID, m.GID = cred.Pid, cred.Uid, cred.Gid
				haveCred = true
			}
		}
	}
	switch {
	case m.Err != nil:
	case flags&unix.MSG_CTRUNC != 0:
		m.Err = ErrTruncated
	case !haveCred || m.PID <= 0:
		m.Err = ErrNoCredentials
	case n > MaxDatagram:
		m.Err = ErrTooLarge
	}
	if m.Err == nil {
		m.Fields, m.Err = Parse(l.buf[:n])
	}
	if m.Fields == nil && m.Err != nil {
		// Rejected whole, or nothing but bad lines: nothing to act on.
		for _, fd := range fds {
			unix.Close(fd)
		}
		return m
	}
	for _, fd := range fds {
		m.FDs = append(m.FDs, os.NewFile(uintptr(fd), fmt.Sprintf("notify-fd:%d", fd)))
	}
	return m
}

// sockaddr is the address of a notification socket path: an absolute
// file system path, or '@' and an abstract name.
func sockaddr(path string) (*unix.SockaddrUnix, error) {
	switch {
	case strings.HasPrefix(path, "@") && len(path) > 1:
		// x/sys/unix writes a leading '@' as the abstract namespace's NUL.
	case strings.HasPrefix(path, "/"):
	default:
		return nil, fmt.Errorf("%w: not an absolute path or '@' abstract name", syscall.EINVAL)
	}
	if len(path) >= len(unix.RawSockaddrUnix{}.Path) {
		return nil, syscall.ENAMETOOLONG
	}
	return &unix.SockaddrUnix{Name: path}, nil
}
