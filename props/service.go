package props

import "github.com/gosd/gosd/loader"

// serviceProps is the service interface. (Being written.)
var serviceProps = []prop{}

// canReload reports whether the unit can be reloaded (CanReload).
func canReload(u *loader.Unit) bool { return false }

// canClean lists what `systemctl clean` can remove for the unit (CanClean).
func canClean(u *loader.Unit) []string { return nil }
