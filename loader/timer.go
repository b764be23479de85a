package loader

// Timer holds the [Timer] settings. (Being written: see the engineer's brief.)
type Timer struct{}

func newTimer() *Timer { return &Timer{} }

var timerDirectives = []directive{}

func (u *Unit) timerExtras(s *Set) {}
