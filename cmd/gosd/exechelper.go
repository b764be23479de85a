package main

import "github.com/gosd/gosd/spawn"

// execHelper runs the exec helper: the engine starts commands that need
// settings applied between fork and exec as this binary under the name
// spawn.HelperName, which applies them and executes the command.
func execHelper(args []string) int {
	return spawn.HelperMain(args)
}
