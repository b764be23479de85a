package loader

// ExecContext holds settings shared by several unit types. (Being written.)
type ExecContext struct{}

func newExecContext() *ExecContext { return &ExecContext{} }

var execDirectives = []directive{}

func (u *Unit) execExtras(s *Set) {}
