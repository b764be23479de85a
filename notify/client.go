package notify

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrNoSocket is returned by the client functions when there is no
// socket to send to ($NOTIFY_SOCKET unset or empty).
var ErrNoSocket = errors.New("$NOTIFY_SOCKET was not set")

// Credentials are the sender credentials a datagram can claim
// (SCM_CREDENTIALS). Claiming another process's PID or another user needs
// privileges (CAP_SYS_ADMIN, CAP_SETUID/CAP_SETGID).
type Credentials struct {
	PID      int32
	UID, GID uint32
}

// Send sends state (newline-separated KEY=VALUE lines) and fds to the
// notification socket at socketPath ("/path" or "@abstract"), as
// sd_pid_notify_with_fds(3) does. The descriptors stay open in the caller.
func Send(socketPath, state string, fds ...*os.File) error {
	return SendAs(socketPath, state, nil, fds...)
}

// SendAs is Send with the sender credentials cred (nil: the caller's
// own). As sd_pid_notify(3) does, when the datagram cannot be sent with
// cred (no such process, no privilege), it is sent again with the
// caller's own credentials.
func SendAs(socketPath, state string, cred *Credentials, fds ...*os.File) error {
	if socketPath == "" {
		return ErrNoSocket
	}
	sa, err := sockaddr(socketPath)
	if err != nil {
		return fmt.Errorf("notify: send to %s: %w", socketPath, err)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("notify: send to %s: %w", socketPath, os.NewSyscallError("socket", err))
	}
	defer unix.Close(fd)
	var rights []byte
	if len(fds) > 0 {
		ints := make([]int, len(fds))
		for i, f := range fds {
			// Not f.Fd(), which would switch the file to blocking mode.
			rc, err := f.SyscallConn()
			if err != nil {
				return fmt.Errorf("notify: send to %s: %w", socketPath, err)
			}
			rc.Control(func(fd uintptr) { ints[i] = int(fd) })
		}
		rights = unix.UnixRights(ints...)
	}
	if cred != nil {
		oob := append(unix.UnixCredentials(&unix.Ucred{Pid: cred.PID, Uid: cred.UID, Gid: cred.GID}), rights...)
		if unix.Sendmsg(fd, []byte(state), oob, sa, unix.MSG_NOSIGNAL) == nil {
			return nil
		}
	}
	if err := unix.Sendmsg(fd, []byte(state), rights, sa, unix.MSG_NOSIGNAL); err != nil {
		return fmt.Errorf("notify: send to %s: %w", socketPath, os.NewSyscallError("sendmsg", err))
	}
	return nil
}

// Barrier sends BARRIER=1 with the write end of a fresh pipe and waits
// until the manager has processed every earlier message of the caller,
// which it shows by closing that descriptor (sd_notify_barrier(3)). It
// fails with an error wrapping syscall.ETIMEDOUT after timeout.
func Barrier(socketPath string, timeout time.Duration) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("notify: barrier: %w", os.NewSyscallError("pipe2", err))
	}
	r := os.NewFile(uintptr(p[0]), "barrier-r")
	w := os.NewFile(uintptr(p[1]), "barrier-w")
	defer r.Close()
	err := Send(socketPath, "BARRIER=1", w)
	w.Close()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		ms := int(time.Until(deadline).Milliseconds())
		if ms < 0 {
			ms = 0
		}
		pfd := []unix.PollFd{{Fd: int32(p[0])}}
		n, err := unix.Poll(pfd, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("notify: barrier: %w", os.NewSyscallError("poll", err))
		}
		if n > 0 && pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return nil
		}
		if ms == 0 {
			return fmt.Errorf("notify: barrier: %w", syscall.ETIMEDOUT)
		}
	}
}
