package sockets

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/loader"
)

// mqAttr is the kernel's struct mq_attr.
type mqAttr struct {
	Flags, MaxMsg, MsgSize, CurMsgs int64
	_                               [4]int64
}

// openMQ opens (creating it if needed) the POSIX message queue of
// ListenMessageQueue=, read-only, with SocketMode= and the
// MessageQueueMaxMessages=/MessageQueueMessageSize= attributes. An
// existing queue with another mode fails with EEXIST, as an existing FIFO
// does.
func (o *opener) openMQ(p loader.SocketPort) (*os.File, error) {
	mode := o.s.SocketMode & 0o7777
	var attr *mqAttr
	if o.s.MessageQueueMaxMessages > 0 && o.s.MessageQueueMessageSize > 0 {
		attr = &mqAttr{MaxMsg: o.s.MessageQueueMaxMessages, MsgSize: o.s.MessageQueueMessageSize}
	}
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_CREAT
	fd, err := mqOpen(p.Path, flags|unix.O_EXCL, mode, attr)
	created := err == nil
	if err == unix.EEXIST {
		fd, err = mqOpen(p.Path, flags, mode, attr)
	}
	if err != nil {
		return nil, o.fail(p, "mq_open", err)
	}
	if created {
		o.mqs = append(o.mqs, p.Path)
		// mq_open applied the umask.
		if err := unix.Fchmod(fd, mode); err != nil {
			unix.Close(fd)
			return nil, o.fail(p, "fchmod", err)
		}
	} else {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil || st.Mode&0o7777 != mode {
			unix.Close(fd)
			return nil, o.fail(p, "", fmt.Errorf("existing queue has mode %#o: %w", st.Mode&0o7777, unix.EEXIST))
		}
	}
	return os.NewFile(uintptr(fd), p.String()), nil
}

// mqName is the name the mq_open system call takes: the path without its
// leading '/', which the C library strips.
func mqName(path string) (*byte, error) {
	return unix.BytePtrFromString(strings.TrimPrefix(path, "/"))
}

func mqOpen(path string, flags int, mode uint32, attr *mqAttr) (int, error) {
	name, err := mqName(path)
	if err != nil {
		return -1, err
	}
	fd, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)), uintptr(flags), uintptr(mode), uintptr(unsafe.Pointer(attr)), 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// mqUnlink removes a message queue (an error wrapping os.ErrNotExist when
// there is none).
func mqUnlink(path string) error {
	name, err := mqName(path)
	if err != nil {
		return err
	}
	if _, _, errno := unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(name)), 0, 0); errno != 0 {
		return os.NewSyscallError("mq_unlink", errno)
	}
	return nil
}
