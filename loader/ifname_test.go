package loader

import "testing"

// TestIfNames: the loopback interface, which every network namespace has,
// is found by name and by index; an unknown name and index are errors.
func TestIfNames(t *testing.T) {
	idx, err := ifIndex("lo")
	if err != nil || idx <= 0 {
		t.Fatalf("ifIndex(lo) = %d, %v", idx, err)
	}
	if name, err := ifName(idx); err != nil || name != "lo" {
		t.Errorf("ifName(%d) = %q, %v; want lo", idx, name, err)
	}
	if _, err := ifIndex("gosdnosuch0"); err == nil {
		t.Error("ifIndex of a missing interface: no error")
	}
	if _, err := ifIndex("a-name-far-too-long-for-IFNAMSIZ"); err == nil {
		t.Error("ifIndex of an over-long name: no error")
	}
	if name, err := ifName(1 << 30); err == nil {
		t.Errorf("ifName of a missing index = %q, no error", name)
	}
}
