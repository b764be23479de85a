package loader

// KillContext holds settings shared by several unit types. (Being written.)
type KillContext struct{}

func newKillContext() *KillContext { return &KillContext{} }

var killDirectives = []directive{}
