package loader

// PathUnit holds the [Path] settings. (Being written: see the engineer's brief.)
type PathUnit struct{}

func newPathUnit() *PathUnit { return &PathUnit{} }

var pathDirectives = []directive{}

func (u *Unit) pathExtras(s *Set) {}
