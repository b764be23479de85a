// Package journal captures the output of units: it hands out the stream
// sockets a service's stdout and stderr are connected to, splits what
// arrives into log lines as systemd-journald does for its stdout streams,
// writes each line to the console and keeps the last lines of every unit
// for `systemctl status`.
//
// One goroutine serves every stream (epoll), so an idle stream costs a
// small struct and two kernel sockets, not a goroutine. A second goroutine
// writes the console; when the console is slow, lines are dropped and
// counted instead of blocking the streams or the caller of Log.
package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
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
	wake    int // eventfd: Close wakes the poller with it
	self    int // our PID, for manager messages

	mu      sync.Mutex
	closed  bool
	streams map[int32]*stream
	units   map[string]*ring

	done chan struct{} // closed when the poller has exited
}

// New starts a journal writing lines to console (nil: no console) and
// keeping the last keep lines of every unit.
func New(console io.Writer, keep int) (*Journal, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", os.NewSyscallError("epoll_create1", err))
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("journal: %w", os.NewSyscallError("eventfd", err))
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("journal: %w", os.NewSyscallError("epoll_ctl", err))
	}
	j := &Journal{
		keep:    max(keep, 0),
		epfd:    epfd,
		wake:    wake,
		self:    os.Getpid(),
		streams: make(map[int32]*stream),
		units:   make(map[string]*ring),
		done:    make(chan struct{}),
	}
	if console != nil {
		j.console = newConsole(console, consoleBudget)
	}
	go j.poll()
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
	return r.last(n)
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
	var one [8]byte
	one[0] = 1
	unix.Write(j.wake, one[:])
	<-j.done
	j.mu.Lock()
	fds := make([]int32, 0, len(j.streams))
	for fd := range j.streams {
		fds = append(fds, fd)
	}
	j.mu.Unlock()
	buf := make([]byte, readBuffer)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	for _, fd := range fds {
		j.read(fd, buf, oob, 64) // at most 1 MiB more per stream
		j.mu.Lock()
		s := j.streams[fd]
		delete(j.streams, fd)
		j.mu.Unlock()
		if s != nil {
			unix.Close(int(fd))
			s.flush(j)
		}
	}
	unix.Close(j.epfd)
	unix.Close(j.wake)
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

// ring keeps the last entries of a unit; it grows up to the limit, then
// overwrites the oldest.
type ring struct {
	buf  []Entry
	next int // where the next entry goes once buf is full
}

func (r *ring) add(e Entry, keep int) {
	if len(r.buf) < keep {
		r.buf = append(r.buf, e)
		return
	}
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
}

func (r *ring) last(n int) []Entry {
	n = min(max(n, 0), len(r.buf))
	out := make([]Entry, 0, n)
	start := r.next + len(r.buf) - n // oldest of the n, unwrapped
	for i := range n {
		out = append(out, r.buf[(start+i)%len(r.buf)])
	}
	return out
}
