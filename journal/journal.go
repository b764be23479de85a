// Package journal captures the output of units: it hands out the stream
// sockets a service's stdout and stderr are connected to, splits what
// arrives into log lines as systemd-journald does for its stdout streams,
// writes each line to the console and keeps the last lines of every unit
// for `systemctl status`, within a bound on the whole journal.
//
// One goroutine serves every stream (epoll), so an idle stream costs a
// small struct and two kernel sockets, not a goroutine. Its thread keeps
// the streams' read ends in a descriptor table of its own (see poll), so
// forks of the manager do not copy them. A second goroutine
// writes the console; when the console is slow, lines are dropped and
// counted instead of blocking the streams or the caller of Log.
package journal

import (
	"container/heap"
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
	keep     int
	maxBytes int // bound on size
	console  *console
	epfd     int
	self     int // our PID, for manager messages
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
	// byAge holds every ring, the one with the oldest record on top (keys
	// may lag behind: see evictOldest).
	byAge ringHeap
	seq   uint64 // sequence number of the last record added
	// size is the bytes of every ring's records plus ringCost and the
	// unit's ID for each ring.
	size int

	done       chan struct{} // closed when the poller has exited
	closerDone chan struct{} // closed when the closer has exited
}

// inflight is a new stream whose read end the poller has yet to take.
type inflight struct {
	s  *stream
	fd int // in the shared table
}

// New starts a journal writing lines to console (nil: no console) and
// keeping the last keep lines of every unit, as long as all it keeps
// takes at most maxBytes: beyond, the oldest lines of the whole journal
// go first, whatever their unit. The lines of a unit stay when the unit
// is unloaded; its ring (and ringCost) goes when its last line does.
// Both are journald's ways by its documentation (journald.conf(5)
// SystemMaxUse=, journalctl(1) -u), not recorded against systemd 252.
func New(console io.Writer, keep, maxBytes int) (*Journal, error) {
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
		maxBytes:   max(maxBytes, 0),
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

// Forget drops the kept lines of a unit. The manager does not call it
// when a unit is unloaded: journald keeps the lines of units that are gone.
func (j *Journal) Forget(unitID string) {
	j.mu.Lock()
	if r := j.units[unitID]; r != nil {
		j.size -= len(r.buf) - int(r.off)
		j.dropRing(r)
	}
	j.mu.Unlock()
}

// Size is the bytes the journal counts against its bound.
func (j *Journal) Size() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.size
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

// ringCost is what a ring costs besides its records: the ring, its map
// entry and heap slot, about. Counting it bounds the number of rings.
const ringCost = 128

// add keeps e and sends it to the console.
func (j *Journal) add(e Entry) {
	j.mu.Lock()
	if j.keep > 0 {
		r := j.units[e.Unit]
		before := 0
		if r == nil {
			r = &ring{unit: e.Unit}
			j.units[e.Unit] = r
			j.size += ringCost + len(e.Unit)
		} else {
			before = len(r.buf) - int(r.off)
		}
		j.seq++
		r.add(&e, j.seq, j.keep)
		j.size += len(r.buf) - int(r.off) - before
		if before == 0 { // a new ring (a ring kept has a record)
			r.key = r.oldest
			heap.Push(&j.byAge, r)
		}
		for j.size > j.maxBytes && len(j.byAge) > 0 {
			j.evictOldest()
		}
	}
	j.mu.Unlock()
	if j.console != nil {
		j.console.write(e)
	}
}

// evictOldest drops the oldest record of the journal, deleting its ring
// when that was the ring's last; or, when the top ring's key is stale,
// only corrects the key. Keys only lag (a ring's oldest record goes
// without a heap update when keep drops it), so a top whose key is its
// oldest record's number holds the oldest record of all.
func (j *Journal) evictOldest() {
	r := j.byAge[0]
	if r.key != r.oldest {
		r.key = r.oldest
		heap.Fix(&j.byAge, 0)
		return
	}
	j.size -= r.dropOldest()
	if r.n == 0 {
		j.dropRing(r)
		return
	}
	r.key = r.oldest
	heap.Fix(&j.byAge, 0)
}

// dropRing deletes r from the journal; the caller has counted off its
// records.
func (j *Journal) dropRing(r *ring) {
	heap.Remove(&j.byAge, int(r.idx))
	delete(j.units, r.unit)
	j.size -= ringCost + len(r.unit)
}

// ring keeps the last lines of a unit, encoded one after another in buf
// (see appendRecord): a unit's "Starting" and "Started" lines take one
// 128-byte array, where Entry values and their strings took some 300 bytes.
type ring struct {
	unit string // the ring's key in Journal.units
	buf  []byte // the records from off on, oldest first
	off  int32  // where the oldest record kept starts
	n    int32  // records kept
	idx  int32  // position in Journal.byAge
	// oldest and newest are the sequence numbers of the records kept
	// first and last; key is oldest as byAge last ordered the ring.
	oldest, newest, key uint64
}

// A record is the difference of its sequence number and the previous
// record's of the ring (uvarint; the oldest record's is ring.oldest), the
// wall-clock time (Unix nanoseconds, 8 bytes little endian), the PID and
// the priority (uvarints), then the identifier and the message, each its
// length (uvarint) and its bytes.
func appendRecord(b []byte, e *Entry, seqDelta uint64) []byte {
	b = binary.AppendUvarint(b, seqDelta)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	b = binary.AppendUvarint(b, uint64(max(e.PID, 0)))
	b = binary.AppendUvarint(b, uint64(max(e.Priority, 0)))
	b = binary.AppendUvarint(b, uint64(len(e.Ident)))
	b = append(b, e.Ident...)
	b = binary.AppendUvarint(b, uint64(len(e.Message)))
	return append(b, e.Message...)
}

// recordFields finds the fields of the record at the start of b: the
// sequence difference, where the time is, PID, priority, the identifier's
// and the message's offsets, and the record's length (0 when b holds no
// whole record). Nothing is copied.
func recordFields(b []byte) (seqDelta uint64, clock int, pid, prio uint64, ident, msg [2]int, length int) {
	seqDelta, clock = binary.Uvarint(b)
	if clock <= 0 || len(b)-clock < 8 {
		return
	}
	at := clock + 8
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
	return seqDelta, clock, v[0], v[1], ident, msg, msg[1]
}

// readRecord decodes the record at the start of b into e (Unit left as
// it is) and returns its length; 0 when b holds no whole record.
func readRecord(b []byte, e *Entry) int {
	_, at, pid, prio, ident, msg, n := recordFields(b)
	if n == 0 {
		return 0
	}
	e.Time = time.Unix(0, int64(binary.LittleEndian.Uint64(b[at:])))
	e.PID, e.Priority = int(pid), int(prio)
	e.Ident = string(b[ident[0]:ident[1]])
	e.Message = string(b[msg[0]:msg[1]])
	return n
}

// recordLen is the length of the record at the start of b.
func recordLen(b []byte) int {
	_, _, _, _, _, _, n := recordFields(b)
	return n
}

// add appends e as the record numbered seq (greater than any before) and
// drops the oldest record when more than keep are kept.
func (r *ring) add(e *Entry, seq uint64, keep int) {
	if r.n == 0 {
		r.oldest = seq
		r.newest = seq
	}
	r.buf = appendRecord(r.buf, e, seq-r.newest)
	r.newest = seq
	if r.n++; int(r.n) > keep {
		r.dropOldest()
	}
}

// dropOldest drops the oldest record and returns its length.
func (r *ring) dropOldest() int {
	n := recordLen(r.buf[r.off:])
	r.off += int32(n)
	if r.n--; r.n > 0 {
		d, _ := binary.Uvarint(r.buf[r.off:])
		r.oldest += d
	}
	if int(r.off) >= len(r.buf)/2 {
		// move the records kept to the front once half the array is
		// dropped ones: each byte is moved at most once on average
		r.buf = r.buf[:copy(r.buf, r.buf[r.off:])]
		r.off = 0
		if c := cap(r.buf); c > 1024 && c > 4*len(r.buf) {
			// most lines went (evicted, or a long one dropped): an array
			// twice what is kept, so the ring can shrink again only once
			// that many bytes are dropped
			r.buf = append(make([]byte, 0, 2*len(r.buf)), r.buf...)
		}
	}
	return n
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

// ringHeap orders rings by key for container/heap; each ring's idx is
// its position.
type ringHeap []*ring

func (h ringHeap) Len() int           { return len(h) }
func (h ringHeap) Less(a, b int) bool { return h[a].key < h[b].key }
func (h ringHeap) Swap(a, b int) {
	h[a], h[b] = h[b], h[a]
	h[a].idx = int32(a)
	h[b].idx = int32(b)
}
func (h *ringHeap) Push(x any) {
	r := x.(*ring)
	r.idx = int32(len(*h))
	*h = append(*h, r)
}
func (h *ringHeap) Pop() any {
	s := *h
	r := s[len(s)-1]
	s[len(s)-1] = nil
	r.idx = -1
	*h = s[:len(s)-1]
	return r
}
