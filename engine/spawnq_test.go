package engine

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/sync/semaphore"

	"github.com/gosd/gosd/loader"
)

// countingSpawner records how many spawns run at once; each waits on gate.
type countingSpawner struct {
	running, most atomic.Int32
	gate          chan struct{}
}

func (s *countingSpawner) Spawn(a Spawn, f SpawnFiles) (int, int, error) {
	n := s.running.Add(1)
	for {
		m := s.most.Load()
		if n <= m || s.most.CompareAndSwap(m, n) {
			break
		}
	}
	<-s.gate
	s.running.Add(-1)
	return int(a.Token) + 1000, 0, nil
}

type nullOutput struct{}

func (nullOutput) Stream(*loader.Unit) (*os.File, error) { return nil, nil }
func (nullOutput) Log(string, int, string)               {}

type nullTracker struct{}

func (nullTracker) Prepare(string) (*os.File, error)           { return nil, nil }
func (nullTracker) Adopt(string, int, string)                  {}
func (nullTracker) Pids(string) []int                          { return nil }
func (nullTracker) Signal(string, syscall.Signal, []int, bool) {}
func (nullTracker) Release(string)                             {}

// TestSpawnQueue: every spawn runs, queued in the order asked, never more than
// Parallel at once, and the spawns waiting for a turn are queued rather
// than each parked on a goroutine of its own.
func TestSpawnQueue(t *testing.T) {
	const parallel, n = 3, 40
	sp := &countingSpawner{gate: make(chan struct{})}
	l := &Loop{spawner: sp, out: nullOutput{}, tracker: nullTracker{},
		sem: semaphore.NewWeighted(parallel), events: make(chan Event, n)}
	u := &loader.Unit{ID: "q.service"}
	for i := range n {
		l.doSpawn(Spawn{Token: uint64(i), Unit: u})
	}
	l.spawnMu.Lock()
	queued := len(l.spawnQ)
	for i, j := range l.spawnQ {
		// first in, first out
		if j.a.Token != uint64(parallel+i) {
			t.Errorf("queue[%d] is spawn %d", i, j.a.Token)
		}
	}
	l.spawnMu.Unlock()
	if queued != n-parallel {
		t.Errorf("%d spawns queued, want %d", queued, n-parallel)
	}
	close(sp.gate)
	seen := map[uint64]bool{}
	for range n {
		ev := (<-l.events).(Spawned)
		if ev.PID != int(ev.Token)+1000 || seen[ev.Token] {
			t.Errorf("spawned %+v", ev)
		}
		seen[ev.Token] = true
	}
	if m := sp.most.Load(); m > parallel {
		t.Errorf("%d spawns at once, limit %d", m, parallel)
	}
	// Every worker lets go of the semaphore (after posting its last
	// Spawned, so this may take a moment).
	if err := l.sem.Acquire(context.Background(), parallel); err != nil {
		t.Error(err)
	}
}

// batchTracker counts the tracker batches the loop opens and closes.
type batchTracker struct {
	nullTracker
	opened, open int
}

func (b *batchTracker) Batch() func() {
	b.opened++
	b.open++
	return func() { b.open-- }
}

// probeHost notes, each time the core asks which unit a notifying process
// belongs to, the process and how many events were still queued.
type probeHost struct {
	Host   // nil: any other call is a failure
	events chan Event
	pids   []int
	queued []int
}

func (h *probeHost) UnitOfPID(pid int) string {
	h.pids = append(h.pids, pid)
	h.queued = append(h.queued, len(h.events))
	return ""
}

// TestHandleBurst: the events queued behind the one the loop wakes for
// are handled with it, in order and under one tracker batch, at most
// maxBurst at once, and all of them are off the queue before the first is
// handled.
func TestHandleBurst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		queued int // behind the event the loop wakes for
		left   int // still queued after the burst
	}{
		{"queue drained", 9, 0},
		{"maxBurst at once", maxBurst + 5, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &batchTracker{}
			h := &probeHost{events: make(chan Event, tc.queued)}
			l := &Loop{tracker: tr, out: nullOutput{}, core: New(h), events: h.events}
			for i := 1; i <= tc.queued; i++ {
				l.events <- Notified{PID: 5000 + i}
			}
			l.handleBurst(Notified{PID: 5000})
			n := tc.queued + 1 - tc.left
			if len(h.pids) != n {
				t.Fatalf("%d events handled, want %d", len(h.pids), n)
			}
			for i, pid := range h.pids {
				if pid != 5000+i || h.queued[i] != tc.left {
					t.Fatalf("event %d handled was from pid %d with %d queued; want pid %d with %d", i, pid, h.queued[i], 5000+i, tc.left)
				}
			}
			if len(l.events) != tc.left {
				t.Errorf("%d events left queued, want %d", len(l.events), tc.left)
			}
			if tr.opened != 1 || tr.open != 0 {
				t.Errorf("%d batches opened, %d still open; want 1 and 0", tr.opened, tr.open)
			}
		})
	}
}

// adoptTracker records what the loop adopts.
type adoptTracker struct {
	nullTracker
	adopted []string
}

func (a *adoptTracker) Adopt(id string, pid int, inv string) {
	a.adopted = append(a.adopted, fmt.Sprintf("%s %d %s", id, pid, inv))
}

// TestAdoptInvocation: a process started without a cgroup is adopted
// with its unit's invocation ID, which finds its daemons later.
func TestAdoptInvocation(t *testing.T) {
	tr := &adoptTracker{}
	sp := &countingSpawner{gate: make(chan struct{})}
	close(sp.gate)
	l := &Loop{spawner: sp, out: nullOutput{}, tracker: tr, events: make(chan Event, 1)}
	l.runSpawn(Spawn{Token: 7, Unit: &loader.Unit{ID: "d.service"}, Invocation: "inv7"}, SpawnFiles{})
	<-l.events
	if want := []string{"d.service 1007 inv7"}; !slices.Equal(tr.adopted, want) {
		t.Errorf("adopted %q, want %q", tr.adopted, want)
	}
}
