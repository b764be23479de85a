package main

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/engine"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/sockets"
	"github.com/gosd/gosd/spawn"
	"github.com/gosd/gosd/track"
)

// The adapters connect the engine's small interfaces to gosd's packages.

type spawner struct{ m *manager }

func (s spawner) Spawn(a engine.Spawn, f engine.SpawnFiles) (int, int, error) {
	req := &spawn.Request{
		Unit:      a.Unit,
		Kind:      a.Kind,
		Cmd:       a.Cmd,
		Env:       a.Env,
		ListenFDs: f.Listen,
		Stdio:     spawn.Stdio{Capture: f.Output, Console: os.Stdout, Socket: f.Conn},
		Cgroup:    f.Cgroup,
		Root:      "/",
		Manager:   s.m.spawnMgr,
	}
	if len(f.Names) > 0 {
		req.Stdio.Named = map[string]*os.File{}
		for i, n := range f.Names {
			if i < len(f.Listen) {
				req.Stdio.Named[n] = f.Listen[i]
			}
		}
	}
	pid, err := spawn.Start(req)
	if err != nil {
		var ee *spawn.ExecError
		if errors.As(err, &ee) {
			return 0, ee.Status, err
		}
		return 0, 203, err
	}
	return pid, 0, nil
}

type trackerAdapter struct{ t *track.Tracker }

func (a trackerAdapter) Prepare(id string) (*os.File, error)  { return a.t.Prepare(id) }
func (a trackerAdapter) Adopt(id string, pid int, inv string) { a.t.Adopt(id, pid, inv) }
func (a trackerAdapter) Pids(id string) []int                 { return a.t.Pids(id) }
func (a trackerAdapter) Release(id string)                    { a.t.Release(id) }
func (a trackerAdapter) Batch() (end func())                  { return a.t.Batch() }

// Signal sends sig to pids (which may lie outside the unit), and with
// group to the rest of the unit. Another signal would reach pids twice, so
// they are left out of the group's; a second SIGKILL does no harm, and
// without exceptions the tracker kills a cgroup with one write to
// cgroup.kill.
func (a trackerAdapter) Signal(id string, sig syscall.Signal, pids []int, group bool) {
	for _, p := range pids {
		unix.Kill(p, sig)
	}
	switch {
	case !group:
	case sig == syscall.SIGKILL:
		a.t.Signal(id, sig)
	default:
		a.t.Signal(id, sig, pids...)
	}
}

type outputAdapter struct{ m *manager }

func (o outputAdapter) Stream(u *loader.Unit) (*os.File, error) {
	ident := ""
	prefix := true
	max := 7
	if e := u.Exec; e != nil {
		ident = e.SyslogIdentifier
		prefix = e.SyslogLevelPrefix
		if e.LogLevelMax >= 0 {
			max = e.LogLevelMax
		}
	}
	if ident == "" && u.Service != nil && len(u.Service.ExecStart) > 0 {
		ident = filepath.Base(u.Service.ExecStart[0].Path)
	}
	if ident == "" {
		ident = u.ID
	}
	return o.m.journal.Stream(u.ID, ident, max, prefix)
}

func (o outputAdapter) Log(id string, prio int, msg string) {
	// The journal keeps the line for status and writes it to the console
	// as "gosd[1]: ..."; the manager's structured log has it at debug level.
	o.m.journal.Log(id, prio, msg)
	o.m.log.Debug().Str("unit", id).Int("priority", prio).Msg(msg)
}

// socketAdapter opens socket units' listeners and watches them with one
// sockets.Watcher (one goroutine for every socket unit).
type socketAdapter struct {
	root    string
	watcher *sockets.Watcher
	mu      sync.Mutex
	open    map[string][]sockets.Listener
	units   map[string]*loader.Unit
	ready   map[string]func()
	conn    map[string]func(*os.File, string)
	n       map[string]uint64
}

func newSocketAdapter(root string) (*socketAdapter, error) {
	s := &socketAdapter{root: root, open: map[string][]sockets.Listener{}, units: map[string]*loader.Unit{},
		ready: map[string]func(){}, conn: map[string]func(*os.File, string){}, n: map[string]uint64{}}
	w, err := sockets.NewWatcher(s.fired)
	if err != nil {
		return nil, err
	}
	s.watcher = w
	return s, nil
}

func (s *socketAdapter) Open(u *loader.Unit) ([]*os.File, []string, error) {
	ls, err := sockets.Open(u, s.root)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.open[u.ID] = ls
	s.units[u.ID] = u
	s.mu.Unlock()
	files := make([]*os.File, len(ls))
	names := make([]string, len(ls))
	for i, l := range ls {
		files[i], names[i] = l.File, l.Name
	}
	return files, names, nil
}

func (s *socketAdapter) Close(u *loader.Unit) {
	s.Unwatch(u.ID)
	s.mu.Lock()
	ls := s.open[u.ID]
	delete(s.open, u.ID)
	delete(s.units, u.ID)
	s.mu.Unlock()
	sockets.Close(u, ls, s.root)
}

func (s *socketAdapter) Watch(u *loader.Unit, ready func(), conn func(*os.File, string)) {
	s.mu.Lock()
	s.ready[u.ID], s.conn[u.ID] = ready, conn
	ls := s.open[u.ID]
	s.mu.Unlock()
	s.watcher.Watch(u.ID, ls)
}

func (s *socketAdapter) Unwatch(id string) {
	s.watcher.Unwatch(id)
	s.mu.Lock()
	delete(s.ready, id)
	delete(s.conn, id)
	s.mu.Unlock()
}

// fired runs on the watcher's goroutine when a unit's listener is
// readable: Accept=no hands over to the engine; Accept=yes takes every
// waiting connection and watches again.
func (s *socketAdapter) fired(id string) {
	s.mu.Lock()
	u, ls, ready, conn := s.units[id], s.open[id], s.ready[id], s.conn[id]
	s.mu.Unlock()
	if u == nil || ready == nil {
		return
	}
	if u.Socket == nil || !u.Socket.Accept {
		ready()
		return
	}
	for _, l := range ls {
		for {
			f, err := sockets.Accept(l)
			if err != nil {
				break
			}
			s.mu.Lock()
			n := s.n[id]
			s.n[id]++
			s.mu.Unlock()
			inst, err := sockets.InstanceName(u, n, f)
			if err != nil {
				f.Close()
				continue
			}
			conn(f, inst)
		}
	}
	s.watcher.Watch(id, ls)
}
