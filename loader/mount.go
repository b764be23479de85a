package loader

// Mount holds the [Mount] settings. (Being written.)
type Mount struct{}

// Automount holds the [Automount] settings. (Being written.)
type Automount struct{}

// Swap holds the [Swap] settings. (Being written.)
type Swap struct{}

func newMount() *Mount         { return &Mount{} }
func newAutomount() *Automount { return &Automount{} }
func newSwap() *Swap           { return &Swap{} }

var mountDirectives = []directive{}
