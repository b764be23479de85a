package loader

// Service holds the [Service] settings. (Being written: see the engineer's brief.)
type Service struct{}

func newService() *Service { return &Service{} }

var serviceDirectives = []directive{}

func (u *Unit) serviceExtras(s *Set) {}
