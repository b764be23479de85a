package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// The kernel's process events connector (linux/cn_proc.h): every fork,
// exec and exit on the machine, each stamped with ktime_get_ns(), which
// is CLOCK_MONOTONIC. The restart figure uses it so that the time to the
// new main process includes nothing of the program the service runs.
const (
	cnIdxProc         = 1
	cnValProc         = 1
	procCnMcastListen = 1
	procCnMcastIgnore = 2

	procEventExec = 0x00000002
	procEventExit = 0x80000000

	nlmsgHdrLen = 16
	cnMsgLen    = 20 // struct cb_id (8), seq, ack, len (u16), flags (u16)
	procHdrLen  = 16 // what, cpu, timestamp_ns
)

// procEvent is one exec or exit. Pids are as the host sees them.
type procEvent struct {
	What uint32
	T    int64 // CLOCK_MONOTONIC ns
	Tgid int   // the task's process
}

// parseProcEvents decodes the exec and exit events of one datagram from
// the connector; the others (forks among them) are skipped.
func parseProcEvents(b []byte) ([]procEvent, error) {
	var evs []procEvent
	le := binary.LittleEndian // the connector speaks host byte order; gosd runs on little-endian machines
	for len(b) >= nlmsgHdrLen {
		n := int(le.Uint32(b[0:4]))
		if n < nlmsgHdrLen || n > len(b) {
			return evs, fmt.Errorf("proc connector: bad netlink length %d of %d", n, len(b))
		}
		msg := b[nlmsgHdrLen:n]
		b = b[(n+3)&^3:]
		if len(msg) < cnMsgLen+procHdrLen {
			continue
		}
		if le.Uint32(msg[0:4]) != cnIdxProc || le.Uint32(msg[4:8]) != cnValProc {
			continue
		}
		ev := msg[cnMsgLen:]
		e := procEvent{What: le.Uint32(ev[0:4]), T: int64(le.Uint64(ev[8:16]))}
		if e.What != procEventExec && e.What != procEventExit {
			continue
		}
		// Both events' data begin with the task's pid and tgid.
		if d := ev[procHdrLen:]; len(d) >= 8 {
			e.Tgid = int(le.Uint32(d[4:8]))
		}
		evs = append(evs, e)
	}
	return evs, nil
}

// procWatch records, while it runs, the last exec time of every process
// and the last exit time of every thread group.
type procWatch struct {
	f    *os.File
	mu   sync.Mutex
	exec map[int]int64 // tgid -> last exec
	exit map[int]int64 // tgid -> last thread's exit
	err  error
	done chan struct{}
}

// watchProcs subscribes to the process events connector. It needs
// CAP_NET_ADMIN.
func watchProcs() (*procWatch, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("proc connector: %w", err)
	}
	// A busy machine makes many events; do not lose ours.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc, Pid: 0}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("proc connector: bind: %w", err)
	}
	if err := unix.Sendto(fd, listenMsg(procCnMcastListen), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("proc connector: listen: %w", err)
	}
	w := &procWatch{f: os.NewFile(uintptr(fd), "proc-connector"), exec: map[int]int64{}, exit: map[int]int64{}, done: make(chan struct{})}
	go w.read()
	return w, nil
}

func listenMsg(op uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	le.PutUint32(b[0:], uint32(len(b)))
	le.PutUint16(b[4:], unix.NLMSG_DONE)
	le.PutUint32(b[12:], uint32(os.Getpid()))
	c := b[nlmsgHdrLen:]
	le.PutUint32(c[0:], cnIdxProc)
	le.PutUint32(c[4:], cnValProc)
	le.PutUint16(c[16:], 4)
	le.PutUint32(c[cnMsgLen:], op)
	return b
}

func (w *procWatch) read() {
	defer close(w.done)
	rc, err := w.f.SyscallConn()
	if err != nil {
		w.setErr(err)
		return
	}
	buf := make([]byte, 1<<16)
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		}); err != nil {
			return // closed
		}
		if rerr != nil {
			if rerr == unix.ENOBUFS {
				w.setErr(errors.New("proc connector: events lost (ENOBUFS)"))
			}
			continue
		}
		evs, err := parseProcEvents(buf[:n])
		if err != nil {
			w.setErr(err)
		}
		w.mu.Lock()
		for _, e := range evs {
			switch e.What {
			case procEventExec:
				w.exec[e.Tgid] = e.T
			case procEventExit:
				w.exit[e.Tgid] = max(w.exit[e.Tgid], e.T)
			}
		}
		w.mu.Unlock()
	}
}

func (w *procWatch) setErr(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// times returns the last exec of process pid and the last exit of a
// thread of process gone, as recorded so far (0 if none), and the first
// error the watch met.
func (w *procWatch) times(pid, gone int) (exec, exit int64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.exec[pid], w.exit[gone], w.err
}

// Close unsubscribes.
func (w *procWatch) Close() {
	if rc, err := w.f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			unix.Sendto(int(fd), listenMsg(procCnMcastIgnore), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		})
	}
	w.f.Close()
	<-w.done
}
