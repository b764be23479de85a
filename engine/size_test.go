package engine

import (
	"fmt"
	"reflect"
	"testing"
	"unsafe"
)

// TestUnitRTSize keeps a unit's runtime state within its size class: a
// field that most units do not use goes into unitRare.
func TestUnitRTSize(t *testing.T) {
	if n := unsafe.Sizeof(unitRT{}); n > 320 {
		t.Errorf("unitRT is %d bytes, more than 320: its allocation moves to a larger size class", n)
	}
}

// TestShrunk: a map that held 1000 entries is made anew, with what it
// holds, once it is down to an eighth of that, and not before; a small
// map is never copied.
func TestShrunk(t *testing.T) {
	id := func(m map[int]int) uintptr { return reflect.ValueOf(m).Pointer() }
	m, peak := map[int]int{}, 0
	for i := range 1000 {
		m[i] = i * 2
	}
	for i := 0; i < 1000; i++ {
		before := id(m)
		delete(m, i)
		m = shrunk(m, 1, &peak)
		left := 1000 - i - 1
		if copied := id(m) != before; copied != (left == 125) {
			t.Fatalf("%d left: copied %v", left, copied)
		}
		if left == 125 {
			if peak != 125 || len(m) != 125 || m[999] != 1998 || m[875] != 1750 {
				t.Fatalf("copy: peak %d, %d entries, m[999]=%d m[875]=%d", peak, len(m), m[999], m[875])
			}
			break
		}
	}
	small, p := map[int]int{1: 1, 2: 2}, 0
	delete(small, 1)
	if s := shrunk(small, 1, &p); id(s) != id(small) {
		t.Error("a small map was copied")
	}
}

// TestCollectQueueShrinks: a collection pass over a queue that held a
// boot's units leaves it a map made anew (the old one would be walked,
// empty, at the end of every later event); a pass over a few keeps it.
func TestCollectQueueShrinks(t *testing.T) {
	c := New(&fakeHost{})
	id := func() uintptr { return reflect.ValueOf(c.collectQ).Pointer() }
	for i := range 1000 {
		c.queueCollect(&unitRT{id: fmt.Sprintf("u%d.service", i)})
	}
	big := id()
	c.collect() // none is loaded: none is unloaded
	if len(c.collectQ) != 0 || id() == big {
		t.Errorf("after a pass over 1000: %d queued, same map %v", len(c.collectQ), id() == big)
	}
	for i := range 3 {
		c.queueCollect(&unitRT{id: fmt.Sprintf("u%d.service", i)})
	}
	small := id()
	c.collect()
	if len(c.collectQ) != 0 || id() != small {
		t.Errorf("after a pass over 3: %d queued, same map %v", len(c.collectQ), id() == small)
	}
}
