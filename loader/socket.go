package loader

// Socket holds the [Socket] settings. (Being written: see the engineer's brief.)
type Socket struct{}

func newSocket() *Socket { return &Socket{} }

var socketDirectives = []directive{}

func (u *Unit) socketExtras(s *Set) {}
