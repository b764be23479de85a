package engine

import (
	"testing"
	"unsafe"
)

// TestUnitRTSize keeps a unit's runtime state within its size class: a
// field that most units do not use goes into unitRare.
func TestUnitRTSize(t *testing.T) {
	if n := unsafe.Sizeof(unitRT{}); n > 416 {
		t.Errorf("unitRT is %d bytes, more than 416: its allocation moves to a larger size class", n)
	}
}
