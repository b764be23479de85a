package loader

// CGroupContext holds settings shared by several unit types. (Being written.)
type CGroupContext struct{}

func newCGroupContext() *CGroupContext { return &CGroupContext{} }

var cgroupDirectives = []directive{}
