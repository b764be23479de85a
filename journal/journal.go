// Package journal captures the output of units: it hands out the stream
// sockets a service's stdout and stderr are connected to, splits what
// arrives into log lines as systemd-journald does for its stdout streams,
// writes each line to the console and keeps the last lines of every unit
// for `systemctl status`.
//
// One goroutine serves every stream (epoll), so an idle stream costs a
// small struct and two kernel sockets, not a goroutine. Its thread keeps
// the streams' read ends in a descriptor table of its own (see poll), so
// forks of the manager do not copy them. A second goroutine
// writes the console; when the console is slow, lines are dropped and
// counted instead of blocking the streams or the caller of Log.
package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Syslog priorities (the level part), as in sd-daemon(3) prefixes.
const (
	Emerg   = 0
	Alert   = 1
	Crit    = 2
	Err     = 3
	Warning = 4
	Notice  = 5
	Info    = 6
	Debug   = 7
)

// LineMax is where systemd-journald (LineMax= default, 48 KiB) splits a
// line that has no newline yet; systemd 252 logged a 49205-byte line as
// entries of 49152 and 53 bytes.
const LineMax = 48 * 1024

// Entry is one log line of a unit.
type Entry struct {
	Time     time.Time
	Unit     string
	Ident    string
	PID      int // 0 when unknown
	Priority int
	Message  string
}

// ErrClosed is returned by Stream after Close.
var ErrClosed = errors.New("journal: closed")

// Journal is the log capture of a manager. Its methods may be called from
// any goroutine.
type Journal struct {
	keep    int
	console *console
	epfd    int
	self    int // our PID, for manager messages
	// pidfd is the process's pidfd; the poller pulls each new stream's
	// read end from the shared table with pidfd_getfd (-1: no pidfd, the
	// poller then shares the table).
	pidfd int
	// kick is an eventfd that wakes the poller, for new streams in the
	// inbox or, once closed is set, to drain and stop.
	kick int
	// tid is the poller's thread once it has a descriptor table of its
	// own; 0 while it shares the process's.
	tid atomic.Int32

	mu      sync.Mutex
	closed  bool
	inbox   []inflight        // new streams, read end in the shared table
	pulled  []int             // originals of read ends pulled, for the closer
	closer  chan struct{}     // wakes the closer (capacity 1)
	streams map[int32]*stream // by descriptor in the poller's table
	units   map[string]*ring

	done       chan struct{} // closed when the poller has exited
	closerDone chan struct{} // closed when the closer has exited
}

// inflight is a new stream whose read end the poller has yet to take.
type inflight struct {
	s  *stream
	fd int // in the shared table
}

// New starts a journal writing lines to console (nil: no console) and
// keeping the last keep lines of every unit.
func New(console io.Writer, keep int) (*Journal, error) {
	fail := func(what string, err error, fds ...int) (*Journal, error) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("journal: %w", os.NewSyscallError(what, err))
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fail("epoll_create1", err)
	}
	kick, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fail("eventfd", err, epfd)
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, kick, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(kick)}); err != nil {
		return fail("epoll_ctl", err, epfd, kick)
	}
	pidfd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		pidfd = -1 // before Linux 5.3: the streams stay in the shared table
	} else if fd, err := unix.PidfdGetfd(pidfd, kick, 0); err != nil {
		// pidfd_getfd came in 5.6, and a seccomp filter may refuse it
		// without CAP_SYS_PTRACE: the streams stay in the shared table
		unix.Close(pidfd)
		pidfd = -1
	} else {
		unix.Close(fd)
	}
	// The poller's thread copies the descriptor table: the runtime's own
	// poller descriptors must exist before, with the numbers it uses on
	// every thread (a pipe registers with the runtime poller).
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	j := &Journal{
		keep:       max(keep, 0),
		epfd:       epfd,
		kick:       kick,
		pidfd:      pidfd,
		self:       os.Getpid(),
		closer:     make(chan struct{}, 1),
		streams:    make(map[int32]*stream),
		units:      make(map[string]*ring),
		done:       make(chan struct{}),
		closerDone: make(chan struct{}),
	}
	if console != nil {
		j.console = newConsole(console, consoleBudget)
	}
	go j.startPoll()
	go j.closePulled()
	return j, nil
}

// Log records a message of the manager about a unit ("Started x.service
// - Desc.") and writes it to the console.
// gosd names itself "gosd[PID]" in these lines where systemd says "systemd[1]".
func (j *Journal) Log(unitID string, priority int, msg string) {
	j.add(Entry{Time: time.Now(), Unit: unitID, Ident: "gosd", PID: j.self, Priority: priority, Message: msg})
}

// Tail returns the last n kept lines of the unit, oldest first (fewer
// when fewer are kept).
func (j *Journal) Tail(unitID string, n int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.units[unitID]
	if r == nil {
		return nil
	}
	es := r.last(n)
	for i := range es {
		es[i].Unit = unitID
	}
	return es
}

// Forget drops the kept lines of a unit (for a unit that is unloaded).
func (j *Journal) Forget(unitID string) {
	j.mu.Lock()
	delete(j.units, unitID)
	j.mu.Unlock()
}

// ConsoleDropped is the number of lines not written to the console
// because it did not keep up.
func (j *Journal) ConsoleDropped() uint64 {
	if j.console == nil {
		return 0
	}
	return j.console.droppedTotal()
}

// Close reads what the streams still hold, logs their partial lines,
// closes them, and returns once the console has written every line
// queued before. Writers still holding a stream get EPIPE afterwards.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	j.mu.Unlock()
	j.kickPoller()
	<-j.done // the poller took the inbox and read every stream
	close(j.closer)
	<-j.closerDone
	for _, fd := range []int{j.epfd, j.kick, j.pidfd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	if j.console != nil {
		j.console.close()
	}
	return nil
}

// add keeps e and sends it to the console.
func (j *Journal) add(e Entry) {
	j.mu.Lock()
	if j.keep > 0 {
		r := j.units[e.Unit]
		if r == nil {
			r = &ring{}
			j.units[e.Unit] = r
		}
		r.add(e, j.keep)
	}
	j.mu.Unlock()
	if j.console != nil {
		j.console.write(e)
	}
}

// ring keeps the last lines of a unit, encoded one after another in buf
// (see appendRecord): a unit's "Starting" and "Started" lines take one
// 128-byte array, where Entry values and their strings took some 300 bytes.
type ring struct {
	buf []byte // the records from off on, oldest first
	off int32  // where the oldest record kept starts
	n   int32  // records kept
}

// A record is the wall-clock time (Unix nanoseconds, 8 bytes little
// endian), the PID and the priority (uvarints), then the identifier and
// the message, each its length (uvarint) and its bytes.
func appendRecord(b []byte, e *Entry) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	b = binary.AppendUvarint(b, uint64(max(e.PID, 0)))
	b = binary.AppendUvarint(b, uint64(max(e.Priority, 0)))
	b = binary.AppendUvarint(b, uint64(len(e.Ident)))
	b = append(b, e.Ident...)
	b = binary.AppendUvarint(b, uint64(len(e.Message)))
	return append(b, e.Message...)
}

// recordFields finds the fields of the record at the start of b: PID,
// priority, the identifier's and the message's offsets, and the record's
// length (0 when b holds no whole record). Nothing is copied.
func recordFields(b []byte) (pid, prio uint64, ident, msg [2]int, length int) {
	if len(b) < 8 {
		return
	}
	at := 8
	var v [4]uint64
	for i := range v {
		x, n := binary.Uvarint(b[at:])
		if n <= 0 || (i >= 2 && uint64(len(b)-at-n) < x) {
			return
		}
		at += n
		v[i] = x
		if i == 2 { // the identifier's length, then its bytes
			ident = [2]int{at, at + int(x)}
			at += int(x)
		}
	}
	msg = [2]int{at, at + int(v[3])}
	return v[0], v[1], ident, msg, msg[1]
}

// readRecord decodes the record at the start of b into e (Unit left as
// it is) and returns its length; 0 when b holds no whole record.
func readRecord(b []byte, e *Entry) int {
	pid, prio, ident, msg, n := recordFields(b)
	if n == 0 {
		return 0
	}
	e.Time = time.Unix(0, int64(binary.LittleEndian.Uint64(b)))
	e.PID, e.Priority = int(pid), int(prio)
	e.Ident = string(b[ident[0]:ident[1]])
	e.Message = string(b[msg[0]:msg[1]])
	return n
}

// recordLen is the length of the record at the start of b.
func recordLen(b []byte) int {
	_, _, _, _, n := recordFields(b)
	return n
}

func (r *ring) add(e Entry, keep int) {
	r.buf = appendRecord(r.buf, &e)
	if r.n++; int(r.n) <= keep {
		return
	}
	r.off += int32(recordLen(r.buf[r.off:]))
	r.n--
	if int(r.off) >= len(r.buf)/2 {
		// move the records kept to the front once half the array is
		// dropped ones: each byte is moved at most once on average
		r.buf = r.buf[:copy(r.buf, r.buf[r.off:])]
		r.off = 0
	}
}

func (r *ring) last(n int) []Entry {
	n = min(max(n, 0), int(r.n))
	out := make([]Entry, 0, n)
	b := r.buf[r.off:]
	for i := 0; i < int(r.n); i++ {
		if i < int(r.n)-n {
			b = b[recordLen(b):] // older than the n asked for
			continue
		}
		var e Entry
		b = b[readRecord(b, &e):]
		out = append(out, e)
	}
	return out
}
