package journal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// checkBound checks what the journal counts against its bound: the bytes
// of the records kept plus ringCost and the ID of each ring, at most
// maxBytes; and that every ring kept has a line and its place in byAge.
func checkBound(t *testing.T, j *Journal, when string) {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	size := 0
	for id, r := range j.units {
		size += len(r.buf) - int(r.off) + ringCost + len(id)
		if r.n == 0 {
			t.Fatalf("%s: %s has an empty ring", when, id)
		}
		if int(r.idx) >= len(j.byAge) || j.byAge[r.idx] != r {
			t.Fatalf("%s: %s is not at its place in byAge", when, id)
		}
		if r.key > r.oldest {
			t.Fatalf("%s: %s is ordered by %d, after its oldest line %d", when, id, r.key, r.oldest)
		}
	}
	if len(j.byAge) != len(j.units) {
		t.Fatalf("%s: %d rings in byAge, %d units", when, len(j.byAge), len(j.units))
	}
	if size != j.size {
		t.Fatalf("%s: the journal counts %d bytes, its rings hold %d", when, j.size, size)
	}
	if size > j.maxBytes {
		t.Fatalf("%s: %d bytes kept, bound %d", when, size, j.maxBytes)
	}
}

// TestBound: many units, most short-lived like the instances of an
// Accept=yes socket, interleaved with chatty long-lived ones; the journal
// stays within its bound after every line, keeps at most keep lines a
// unit, and what it keeps is the newest lines of the whole journal: every
// line it would keep under keep alone, from the oldest it still has on,
// and none before. Units whose lines all went are gone from its map.
func TestBound(t *testing.T) {
	const keep, maxBytes = 5, 16 << 10
	j := newBoundJournal(t, nil, keep, maxBytes)
	rnd := rand.New(rand.NewPCG(1, 2))
	type line struct {
		unit, msg string
		nth       int // of its unit's lines
	}
	var all []line
	byUnit := map[string]int{} // lines logged
	log := func(unit string) {
		msg := fmt.Sprintf("line %d %s", len(all), strings.Repeat("x", rnd.IntN(200)))
		j.Log(unit, Info, msg)
		all = append(all, line{unit, msg, byUnit[unit]})
		byUnit[unit]++
	}
	// check compares what the journal keeps with what keep alone would
	// keep, from the oldest line it still has on.
	check := func(when string) {
		t.Helper()
		j.mu.Lock()
		var ids []string
		for id := range j.units {
			ids = append(ids, id)
		}
		j.mu.Unlock()
		got := map[int]bool{}
		oldest := len(all)
		for _, u := range ids {
			es := j.Tail(u, keep+1)
			if len(es) > keep {
				t.Fatalf("%s: %s: %d lines kept, keep %d", when, u, len(es), keep)
			}
			for _, e := range es {
				i, _ := strconv.Atoi(strings.Fields(e.Message)[1])
				if all[i].unit != u || all[i].msg != e.Message {
					t.Fatalf("%s: %s: kept line %q is not one it logged", when, u, e.Message)
				}
				got[i] = true
				oldest = min(oldest, i)
			}
		}
		for i := oldest; i < len(all); i++ {
			want := all[i].nth >= byUnit[all[i].unit]-keep
			if want != got[i] {
				t.Fatalf("%s: line %d of %s: kept %v, want %v (the oldest kept is line %d)", when, i, all[i].unit, got[i], want, oldest)
			}
		}
		if len(all) > 1000 && oldest > len(all)-50 {
			t.Fatalf("%s: only lines from %d of %d kept", when, oldest, len(all))
		}
	}
	units := 0
	for step := range 3000 {
		if rnd.IntN(2) == 0 {
			u := "echo@" + strconv.Itoa(units) + "-127.0.0.1:80-127.0.0.1:" + strconv.Itoa(10000+units) + ".service"
			units++
			for range 1 + rnd.IntN(3) {
				log(u)
			}
		} else {
			log("chatty" + strconv.Itoa(rnd.IntN(3)) + ".service")
		}
		when := "after step " + strconv.Itoa(step)
		checkBound(t, j, when)
		check(when)
	}
	j.mu.Lock()
	n := len(j.units)
	j.mu.Unlock()
	if n > maxBytes/ringCost {
		t.Fatalf("%d rings kept (%d units logged)", n, len(byUnit))
	}
}

// TestBoundEvictsUpToTheBound: a unit that logs more than the bound
// holds pushes out every other unit's lines, oldest first, and no more
// than it must: what is kept is within one line of the bound.
func TestBoundEvictsUpToTheBound(t *testing.T) {
	const maxBytes = 8 << 10
	j := newBoundJournal(t, nil, 1000, maxBytes)
	for i := range 100 {
		j.Log("u"+strconv.Itoa(i)+".service", Info, "started")
	}
	checkBound(t, j, "after 100 units")
	if got := j.Tail("u99.service", 5); len(got) != 1 || got[0].Message != "started" {
		t.Fatalf("the newest unit's lines: %v", got)
	}
	if j.Tail("u0.service", 5) != nil {
		t.Fatal("the oldest unit's line was kept over the bound")
	}
	msg := strings.Repeat("m", 100)
	var rec []byte
	rec = appendRecord(rec, &Entry{Ident: "gosd", Message: msg}, 1)
	for i := range 200 {
		j.Log("big.service", Info, msg)
		checkBound(t, j, "after line "+strconv.Itoa(i)+" of big.service")
		if size := j.Size(); size < maxBytes-2*len(rec)-ringCost-len("u99.service") {
			t.Fatalf("after line %d of big.service: %d bytes kept, bound %d", i, size, maxBytes)
		}
	}
	j.mu.Lock()
	n := len(j.units)
	j.mu.Unlock()
	if n != 1 {
		t.Errorf("%d rings kept, want big.service's alone", n)
	}
	if got := j.Tail("big.service", 1000); len(got) < maxBytes/(len(rec)+10)-1 {
		t.Errorf("big.service keeps %d lines", len(got))
	}
	j.Forget("big.service")
	checkBound(t, j, "after Forget")
	if size := j.Size(); size != 0 {
		t.Errorf("%d bytes counted with nothing kept", size)
	}
}

// TestBoundLineCost: keeping a line costs no allocation once the rings
// have grown, whether the line pushes out the unit's own oldest (keep) or
// another unit's (the bound).
func TestBoundLineCost(t *testing.T) {
	for _, c := range []struct {
		name           string
		keep, maxBytes int
	}{
		{"keep", 5, 1 << 20},
		{"bound", 1000, 4 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := newBoundJournal(t, nil, c.keep, c.maxBytes)
			units := []string{"a.service", "b.service", "c.service"}
			i := 0
			logLine := func() {
				j.Log(units[i%len(units)], Info, "a line of some length, as services write them")
				i++
			}
			for range 10000 {
				logLine()
			}
			if n := testing.AllocsPerRun(10000, logLine); n != 0 {
				t.Errorf("%v allocations a line", n)
			}
			checkBound(t, j, "at the end")
		})
	}
}

// TestBoundShrinks: a ring whose lines were pushed out gives back its
// array, down to a few times what it still keeps.
func TestBoundShrinks(t *testing.T) {
	const maxBytes = 256 << 10
	j := newBoundJournal(t, nil, 1000, maxBytes)
	msg := strings.Repeat("m", 1000)
	for range 200 {
		j.Log("a.service", Info, msg)
	}
	j.mu.Lock()
	a := j.units["a.service"]
	grown := cap(a.buf)
	j.mu.Unlock()
	for {
		j.Log("b.service", Info, msg)
		j.mu.Lock()
		n, live, c := a.n, len(a.buf)-int(a.off), cap(a.buf)
		j.mu.Unlock()
		if n == 1 {
			if c > 8*live+1024 {
				t.Fatalf("a.service keeps a line of %d bytes in an array of %d (%d before)", live, c, grown)
			}
			break
		}
	}
}

// BenchmarkLog is the cost of a line of 1000 units taking turns, kept
// within 1 MiB (most lines push out another unit's oldest) and unbounded
// (each unit's own oldest goes once it has keep lines).
func BenchmarkLog(b *testing.B) {
	for _, c := range []struct {
		name     string
		maxBytes int
	}{{"1MiB", 1 << 20}, {"unbounded", math.MaxInt}} {
		b.Run(c.name, func(b *testing.B) {
			j := newBoundJournal(b, nil, 200, c.maxBytes)
			units := make([]string, 1000)
			for i := range units {
				units[i] = "u" + strconv.Itoa(i) + ".service"
			}
			i := 0
			for b.Loop() {
				j.Log(units[i%len(units)], Info, "Started u1.service - gosd benchmark unit, layer 3.")
				i++
			}
		})
	}
}
