package loader

import "testing"

// TestDirectiveLookup checks the name-sorted index against the tables: a
// directive is found under each section it is in and under no other, no
// two directives claim one section and name (the index would then pick
// one silently), and unknown names are not found.
func TestDirectiveLookup(t *testing.T) {
	owner := map[[2]string]*directive{}
	for _, tbl := range directiveTables() {
		for i := range tbl {
			d := &tbl[i]
			for sec, bit := range sectionBits {
				got := lookupDirective(bit, d.name)
				if d.in&bit == 0 {
					if got == d {
						t.Errorf("%s= found in [%s], which it is not in", d.name, sec)
					}
					continue
				}
				k := [2]string{sec, d.name}
				if prev := owner[k]; prev != nil {
					t.Errorf("[%s] %s= is in two directive tables", sec, d.name)
				}
				owner[k] = d
				if got != d {
					t.Errorf("[%s] %s= not found", sec, d.name)
				}
			}
		}
	}
	if len(owner) < 1000 {
		t.Errorf("%d (section, directive) pairs; the tables have more than 1000", len(owner))
	}
	for _, name := range []string{"", "ExecStar", "ExecStartX", "zzz", "Description "} {
		for sec, bit := range sectionBits {
			if d := lookupDirective(bit, name); d != nil {
				t.Errorf("lookupDirective([%s], %q) = %s=, want none", sec, name, d.name)
			}
		}
	}
}
