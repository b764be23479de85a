package main

import (
	"errors"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The control socket is a stream unix socket used through *os.File,
// whose reads, writes and accepts wait in the runtime's poller: package
// net would add 350 KB (6 %) to the binary, all of it mapped into the
// manager's resident set.

// unixListener accepts connections on a listening unix socket.
type unixListener struct {
	f      *os.File
	closed atomic.Bool
}

// listenUnix binds and listens on a stream unix socket at path.
func listenUnix(path string) (*unixListener, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "bind", Path: path, Err: err}
	}
	if err := unix.Listen(fd, 128); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "listen", Path: path, Err: err}
	}
	return &unixListener{f: os.NewFile(uintptr(fd), path)}, nil
}

// Accept waits for a connection; after Close it returns os.ErrClosed.
func (l *unixListener) Accept() (*unixConn, error) {
	rc, err := l.f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var aerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
			if aerr != unix.EINTR {
				return aerr != unix.EAGAIN
			}
		}
	})
	if l.closed.Load() {
		if err == nil && aerr == nil {
			unix.Close(nfd)
		}
		return nil, os.ErrClosed
	}
	if err != nil {
		return nil, err
	}
	if aerr != nil {
		return nil, os.NewSyscallError("accept4", aerr)
	}
	return &unixConn{os.NewFile(uintptr(nfd), "control connection")}, nil
}

// Close stops the listener; a waiting Accept returns os.ErrClosed.
func (l *unixListener) Close() error {
	l.closed.Store(true)
	return l.f.Close()
}

// unixConn is one connection of a stream unix socket.
type unixConn struct{ *os.File }

// CloseWrite shuts the sending half down: the peer reads the end of
// the stream.
func (c *unixConn) CloseWrite() error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
		return err
	}
	return os.NewSyscallError("shutdown", serr)
}

// dialUnix connects to the stream unix socket at path. A listener whose
// backlog is full refuses at once (EAGAIN); the connect is then retried
// until timeout.
func dialUnix(path string, timeout time.Duration) (*unixConn, error) {
	deadline := time.Now().Add(timeout)
	for {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			return nil, os.NewSyscallError("socket", err)
		}
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err == nil {
			return &unixConn{os.NewFile(uintptr(fd), path)}, nil
		}
		unix.Close(fd)
		if !errors.Is(err, unix.EAGAIN) || time.Now().After(deadline) {
			return nil, &os.PathError{Op: "connect", Path: path, Err: err}
		}
		time.Sleep(10 * time.Millisecond)
	}
}
