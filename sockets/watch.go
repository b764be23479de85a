package sockets

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Watcher tells when the listeners of socket units become readable (a
// connection or a datagram is waiting), which is when systemd starts a
// socket's service, or accepts for Accept=yes. One goroutine serves every
// socket unit.
//
// A watch fires once: the unit's listeners are then no longer watched
// until Watch is called again, as systemd stops watching a socket unit's
// descriptors while its service runs.
type Watcher struct {
	epfd  int
	wake  int
	ready func(unitID string)

	mu     sync.Mutex
	closed bool
	byFD   map[int32]string
	byUnit map[string][]int32

	done chan struct{}
}

// NewWatcher starts a watcher that calls ready(unitID) from its own
// goroutine when one of the unit's listeners is readable. ready must not
// block for long; the engine's loop typically forwards the ID to its
// event channel. A call may come just after Unwatch returned; the
// receiver should check the unit still wants it.
func NewWatcher(ready func(unitID string)) (*Watcher, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("sockets: watcher: %w", os.NewSyscallError("epoll_create1", err))
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err == nil {
		err = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)})
	}
	if err != nil {
		unix.Close(epfd)
		if wake > 0 {
			unix.Close(wake)
		}
		return nil, fmt.Errorf("sockets: watcher: %w", os.NewSyscallError("eventfd", err))
	}
	w := &Watcher{epfd: epfd, wake: wake, ready: ready, byFD: map[int32]string{}, byUnit: map[string][]int32{}, done: make(chan struct{})}
	go w.run()
	return w, nil
}

// Watch arms the watch of unitID's listeners (replacing an armed one).
// The listeners must stay open until Unwatch or the watch fired.
func (w *Watcher) Watch(unitID string, ls []Listener) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("sockets: watch %s: %w", unitID, os.ErrClosed)
	}
	w.disarm(unitID)
	for _, l := range ls {
		rc, err := l.File.SyscallConn()
		if err != nil {
			w.disarm(unitID)
			return fmt.Errorf("sockets: watch %s: %w", unitID, err)
		}
		var fd int32
		rc.Control(func(f uintptr) { fd = int32(f) })
		if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, int(fd), &unix.EpollEvent{Events: unix.EPOLLIN, Fd: fd}); err != nil {
			w.disarm(unitID)
			return fmt.Errorf("sockets: watch %s: %s: %w", unitID, l.Port, os.NewSyscallError("epoll_ctl", err))
		}
		w.byFD[fd] = unitID
		w.byUnit[unitID] = append(w.byUnit[unitID], fd)
	}
	return nil
}

// Unwatch disarms the watch of unitID, if armed. Call it before closing
// the unit's listeners.
func (w *Watcher) Unwatch(unitID string) {
	w.mu.Lock()
	w.disarm(unitID)
	w.mu.Unlock()
}

// disarm removes unitID's descriptors; w.mu is held.
func (w *Watcher) disarm(unitID string) {
	for _, fd := range w.byUnit[unitID] {
		unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
		delete(w.byFD, fd)
	}
	delete(w.byUnit, unitID)
}

// Close stops the watcher; no ready call happens after it returns.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	var one [8]byte
	one[0] = 1
	unix.Write(w.wake, one[:])
	<-w.done
	unix.Close(w.epfd)
	unix.Close(w.wake)
	return nil
}

func (w *Watcher) run() {
	defer close(w.done)
	events := make([]unix.EpollEvent, 32)
	for {
		n, err := unix.EpollWait(w.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		var fire []string
		w.mu.Lock()
		for _, ev := range events[:n] {
			if int(ev.Fd) == w.wake {
				w.mu.Unlock()
				return
			}
			if unit, ok := w.byFD[ev.Fd]; ok {
				w.disarm(unit)
				fire = append(fire, unit)
			}
		}
		w.mu.Unlock()
		for _, unit := range fire {
			w.ready(unit)
		}
	}
}
