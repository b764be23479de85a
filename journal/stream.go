package journal

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// StreamOptions describe a unit's output stream.
type StreamOptions struct {
	Unit  string // the unit's ID
	Ident string // SyslogIdentifier=, else the process name
	// Priority is the level of lines without a "<N>" prefix (SyslogLevel=,
	// default Info).
	Priority int
	// MaxLevel drops lines less important than it (LogLevelMax=); -1 keeps
	// every line.
	MaxLevel int
	// LevelPrefix parses a leading "<N>" as the line's priority
	// (SyslogLevelPrefix=).
	LevelPrefix bool
}

// Stream is OpenStream with the default priority, Info.
func (j *Journal) Stream(unitID, ident string, maxLevel int, levelPrefix bool) (*os.File, error) {
	return j.OpenStream(StreamOptions{Unit: unitID, Ident: ident, Priority: Info, MaxLevel: maxLevel, LevelPrefix: levelPrefix})
}

// OpenStream returns the write end of a new output stream (a blocking
// AF_UNIX stream socket, close-on-exec, as systemd connects stdout and
// stderr to journald) to be given to a service as stdout and/or stderr.
// The caller closes its copy after spawning; the journal closes its end
// when every writer has closed theirs, logging a last partial line. Each
// line's PID is the writer's, from SCM_CREDENTIALS, as journald records
// _PID.
func (j *Journal) OpenStream(o StreamOptions) (*os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: stream for %s: %w", o.Unit, os.NewSyscallError("socketpair", err))
	}
	r, w := fds[0], fds[1]
	fail := func(what string, err error) (*os.File, error) {
		unix.Close(r)
		unix.Close(w)
		return nil, fmt.Errorf("journal: stream for %s: %w", o.Unit, os.NewSyscallError(what, err))
	}
	if err := unix.SetsockoptInt(r, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		return fail("setsockopt SO_PASSCRED", err)
	}
	if err := unix.SetNonblock(r, true); err != nil {
		return fail("fcntl", err)
	}
	// Nothing flows the other way.
	unix.Shutdown(r, unix.SHUT_WR)
	unix.Shutdown(w, unix.SHUT_RD)
	s := &stream{unit: o.Unit, ident: o.Ident, priority: level8(o.Priority), maxLevel: level8(o.MaxLevel), levelPrefix: o.LevelPrefix}
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		unix.Close(r)
		unix.Close(w)
		return nil, ErrClosed
	}
	j.inbox = append(j.inbox, inflight{s, r})
	j.kickPoller() // under mu: Close cannot close kick meanwhile
	j.mu.Unlock()
	return os.NewFile(uintptr(w), "journal-stream:"+o.Unit), nil
}

// StreamEnv is the JOURNAL_STREAM= assignment for a service whose stdout
// or stderr is the stream f, which systemd sets so a service can tell its
// output goes to the journal.
func StreamEnv(f *os.File) (string, error) {
	var st unix.Stat_t
	rc, err := f.SyscallConn()
	if err != nil {
		return "", err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) }); err != nil {
		return "", err
	}
	if serr != nil {
		return "", os.NewSyscallError("fstat", serr)
	}
	return fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino), nil
}

// level8 keeps a syslog level (or -1, "every level") in a byte.
func level8(v int) int8 { return int8(min(max(v, -1), Debug)) }

// stream is the journal's side of one output stream.
type stream struct {
	unit, ident string
	partial     []byte // an unfinished line; nil when there is none
	pid         int32  // the last writer's PID
	priority    int8
	maxLevel    int8 // -1: every level
	levelPrefix bool
}

// Reading: the poller reads at most readsPerWakeup chunks of a stream per
// epoll wakeup, so that one chatty service cannot starve the others.
const (
	readBuffer     = 16 * 1024
	readsPerWakeup = 8
)

// poll is the one goroutine reading every stream. Its thread has a
// descriptor table of its own, where the streams' read ends live: each
// fork of the manager copies its table and each exec closes the copies,
// so with 1000 services running, 1000 read ends there cost every spawn
// some 2000 file operations in the kernel. New threads of the runtime are
// not cloned from a locked thread, so the table stays this thread's.
func (j *Journal) poll(locked bool) {
	defer close(j.done)
	if locked {
		if unix.Unshare(unix.CLONE_FILES) == nil {
			closeInherited(j.epfd, j.kick, j.pidfd)
			j.tid.Store(int32(unix.Gettid()))
		}
	} // else the streams stay in the shared table, which works the same
	events := make([]unix.EpollEvent, 64)
	buf := make([]byte, readBuffer)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	for {
		n, err := unix.EpollWait(j.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			j.drain(buf, oob)
			return
		}
		for _, ev := range events[:n] {
			switch int(ev.Fd) {
			case j.kick:
				// Close sets closed before it kicks, and the flag is read
				// after the counter: the kick that Close adds is never
				// consumed without closed being seen.
				var v [8]byte
				unix.Read(j.kick, v[:])
				j.mu.Lock()
				closed := j.closed
				j.mu.Unlock()
				if closed {
					j.drain(buf, oob)
					return
				}
				j.receive(buf, oob)
			default:
				j.read(ev.Fd, buf, oob, readsPerWakeup)
			}
		}
	}
}

// kickPoller wakes the poller (see kick).
func (j *Journal) kickPoller() {
	var one [8]byte
	one[0] = 1
	unix.Write(j.kick, one[:])
}

// startPoll runs poll on a locked thread other than the process's first:
// that thread's table is the one pidfd_getfd reads. Started on the first
// thread, it holds it while poll starts on another (which it cannot then
// be scheduled on), and lets it go once poll has its own.
func (j *Journal) startPoll() {
	if j.pidfd < 0 {
		j.poll(false)
		return
	}
	runtime.LockOSThread() // never unlocked by poll: the thread and its table end with it
	if unix.Gettid() != os.Getpid() {
		j.poll(true)
		return
	}
	locked := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		close(locked)
		j.poll(true)
	}()
	<-locked
	runtime.UnlockOSThread()
}

// closePulled closes the originals of the read ends the poller has
// pulled into its own table; the poller cannot, its close(2) acts on its
// table. OpenStream, on a thread of the shared table, could close only
// those pulled before it was called: the rest would stay in the shared
// table, copied by every fork, until the next stream (after the burst at
// boot, maybe hours). This goroutine is not locked, so its thread shares
// the table: only the poller's unshared, and the runtime clones no thread
// from a locked one.
func (j *Journal) closePulled() {
	defer close(j.closerDone)
	for range j.closer {
		j.closeAllPulled()
	}
	j.closeAllPulled()
}

func (j *Journal) closeAllPulled() {
	j.mu.Lock()
	for _, fd := range j.pulled {
		unix.Close(fd)
	}
	j.pulled = j.pulled[:0]
	j.mu.Unlock()
}

// closeInherited closes, in the poller's fresh copy of the table, what it
// does not use: copies would keep files (listening sockets, pipes) open
// after the manager closed them. It keeps 0-2 (a panic writes to 2), its
// own descriptors, and every epoll and eventfd descriptor, which may be
// the runtime's poller's, used by any thread that runs the scheduler.
func closeInherited(keep ...int) {
	d, err := os.Open("/proc/thread-self/fd")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	self := int(d.Fd())
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd <= 2 || fd == self || slices.Contains(keep, fd) {
			continue
		}
		link, _ := os.Readlink("/proc/thread-self/fd/" + name)
		if link == "anon_inode:[eventpoll]" || link == "anon_inode:[eventfd]" || link == "" {
			continue
		}
		unix.Close(fd)
	}
	d.Close()
}

// receive takes the new streams' read ends into this thread's table
// (pidfd_getfd) and hands the originals to the closer. A stream leaves
// the inbox only once it is in the table (or its original is handed on),
// so it is always counted somewhere.
func (j *Journal) receive(buf, oob []byte) {
	private := j.tid.Load() != 0 // set once, before the first receive
	pulled := false
	for {
		j.mu.Lock()
		if len(j.inbox) == 0 {
			j.mu.Unlock()
			break
		}
		f := j.inbox[0]
		j.mu.Unlock()
		fd := f.fd
		var err error
		if private {
			fd, err = unix.PidfdGetfd(j.pidfd, f.fd, 0)
			pulled = true
		}
		j.mu.Lock()
		j.inbox[0] = inflight{}
		j.inbox = j.inbox[1:]
		if private {
			j.pulled = append(j.pulled, f.fd)
		}
		if err == nil {
			j.streams[int32(fd)] = f.s
		}
		j.mu.Unlock()
		if err != nil {
			j.add(Entry{Time: time.Now(), Unit: f.s.unit, Ident: "gosd", PID: j.self, Priority: Warning,
				Message: "output not captured: " + os.NewSyscallError("pidfd_getfd", err).Error()})
			continue
		}
		if err := unix.EpollCtl(j.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
			j.finish(int32(fd), buf, oob) // not pollable: what is there now
		}
	}
	if pulled {
		select {
		case j.closer <- struct{}{}:
		default:
		}
	}
}

// drain, at Close, takes the streams still in flight and finishes every
// stream.
func (j *Journal) drain(buf, oob []byte) {
	j.receive(buf, oob)
	j.mu.Lock()
	fds := make([]int32, 0, len(j.streams))
	for fd := range j.streams {
		fds = append(fds, fd)
	}
	j.mu.Unlock()
	for _, fd := range fds {
		j.finish(fd, buf, oob)
	}
}

// finish reads what stream fd still holds (at most 1 MiB), logs its
// partial line and closes it.
func (j *Journal) finish(fd int32, buf, oob []byte) {
	j.read(fd, buf, oob, 64)
	j.mu.Lock()
	s := j.streams[fd]
	j.mu.Unlock()
	if s != nil {
		j.closeStream(fd, s)
	}
}

// closeStream ends stream fd: it logs its partial line, closes fd and
// leaves the map, in that order, so that whoever sees the stream gone
// also sees all its lines and its descriptor closed.
func (j *Journal) closeStream(fd int32, s *stream) {
	s.flush(j)
	unix.EpollCtl(j.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
	unix.Close(int(fd))
	j.mu.Lock()
	delete(j.streams, fd)
	j.mu.Unlock()
}

// read reads what stream fd has, up to limit chunks,
// and logs its complete lines; at the end of the stream it logs the
// partial line and closes the stream. Only the poller calls it: fd is a
// descriptor of its table.
func (j *Journal) read(fd int32, buf, oob []byte, limit int) {
	j.mu.Lock()
	s := j.streams[fd]
	j.mu.Unlock()
	if s == nil {
		return
	}
	for range limit {
		n, oobn, _, _, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return
		}
		if err != nil || n == 0 {
			j.closeStream(fd, s)
			return
		}
		if oobn > 0 {
			if cm, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
				for i := range cm {
					if c, err := unix.ParseUnixCredentials(&cm[i]); err == nil {
						s.pid = c.Pid
					}
				}
			}
		}
		s.consume(j, buf[:n], time.Now())
	}
}

// consume logs the complete lines of data, which follows s.partial.
func (s *stream) consume(j *Journal, data []byte, now time.Time) {
	if s.partial != nil {
		// Complete the pending line first, up to LineMax.
		need := LineMax - len(s.partial)
		if i := lineEnd(data, need); i >= 0 {
			s.partial = append(s.partial, data[:i]...)
			data = data[i+1:]
		} else {
			take := min(len(data), need)
			s.partial = append(s.partial, data[:take]...)
			data = data[take:]
			if len(s.partial) < LineMax {
				return
			}
		}
		s.line(j, s.partial, now)
		s.partial = nil
	}
	for len(data) > 0 {
		i := lineEnd(data, LineMax)
		if i < 0 {
			if len(data) >= LineMax {
				s.line(j, data[:LineMax], now)
				data = data[LineMax:]
				continue
			}
			s.partial = append(make([]byte, 0, len(data)), data...)
			return
		}
		s.line(j, data[:i], now)
		data = data[i+1:]
	}
}

// lineEnd is the index of the first '\n' or NUL in data[:limit], or -1.
func lineEnd(data []byte, limit int) int {
	for i, c := range data[:min(len(data), limit)] {
		if c == '\n' || c == 0 {
			return i
		}
	}
	return -1
}

// flush logs an unfinished line at the end of the stream.
func (s *stream) flush(j *Journal) {
	if s.partial != nil {
		s.line(j, s.partial, time.Now())
		s.partial = nil
	}
}

// line logs one line as systemd-journald 252 did with a service's
// stdout (recorded with nsboot, journalctl -o json): empty lines are
// dropped; trailing whitespace is stripped unless the line is nothing
// but whitespace ("abc  " logged "abc", "   " logged "   "); then a
// "<N>" prefix (one to three digits, 0-7: "<03>" is 3, "<13>" and "<8>"
// stay text) sets the priority, and a line left empty by it is dropped.
func (s *stream) line(j *Journal, b []byte, now time.Time) {
	if len(b) == 0 {
		return
	}
	end := len(b)
	for end > 0 && isSpace(b[end-1]) {
		end--
	}
	if end > 0 {
		b = b[:end]
	}
	prio := int(s.priority)
	if s.levelPrefix {
		if p, rest, ok := levelPrefix(b); ok {
			prio, b = p, rest
			if len(b) == 0 {
				return
			}
		}
	}
	if s.maxLevel >= 0 && prio > int(s.maxLevel) {
		return
	}
	j.add(Entry{Time: now, Unit: s.unit, Ident: s.ident, PID: int(s.pid), Priority: prio, Message: string(b)})
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// levelPrefix parses "<N>" at the start of b.
func levelPrefix(b []byte) (int, []byte, bool) {
	if len(b) < 3 || b[0] != '<' {
		return 0, b, false
	}
	v := 0
	for i := 1; i < len(b) && i <= 4; i++ {
		c := b[i]
		switch {
		case c == '>' && i > 1:
			if v > Debug {
				return 0, b, false
			}
			return v, b[i+1:], true
		case c >= '0' && c <= '9' && i <= 3:
			v = v*10 + int(c-'0')
		default:
			return 0, b, false
		}
	}
	return 0, b, false
}
