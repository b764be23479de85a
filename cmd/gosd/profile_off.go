//go:build !gosd_profile

package main

// profiling is false in the default build: the GOSD_*PROFILE variables
// need a build with -tags gosd_profile (profile.go); the manager says so
// once at start instead of writing no profile silently.
const profiling = false

func startCPUProfile(string) func() { return func() {} }

func writeHeapProfile(string) {}
