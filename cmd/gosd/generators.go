package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/gosd/gosd/generator"
)

// runGenerators is `gosd run-generators [--root=DIR]`: systemd's unit
// generators run as systemd 252 runs them before loading units
// (package generator). The manager runs it as a child at boot and at
// daemon-reload, so that the generators' exits are waited for here and
// the manager's reaper stays the only one waiting for its own children.
func runGenerators(args []string, stdout, stderr io.Writer) int {
	root := "/"
	for _, a := range args {
		r, ok := strings.CutPrefix(a, "--root=")
		if !ok || r == "" {
			fmt.Fprintf(stderr, "gosd run-generators: unknown argument %q\n", a)
			return 1
		}
		root = r
	}
	// The manager waits for the end of this process by the end of the
	// pipe on fd 3; the generators must not hold it.
	syscall.CloseOnExec(3)
	out, ok := stderr.(*os.File)
	if !ok {
		out = os.Stderr
	}
	generator.Run(root, generator.HostEnv(root), generator.Timeout, out)
	return 0
}

// generate runs the generators in a child (runGenerators) and returns
// once it is done: when its end of a pipe closes, without waiting for
// the child's exit, which the loop's reaper collects.
func (m *manager) generate() {
	if len(generator.Find(m.root)) == 0 {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		m.log.Warn().Err(err).Msg("cannot run the unit generators")
		return
	}
	defer r.Close()
	_, err = syscall.ForkExec("/proc/self/exe", []string{"gosd", "run-generators"}, &syscall.ProcAttr{
		Dir:   "/",
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2, w.Fd()},
	})
	w.Close()
	if err != nil {
		m.log.Warn().Err(err).Msg("cannot run the unit generators")
		return
	}
	var b [1]byte
	r.Read(b[:]) // EOF once the child and its fd 3 are gone
}
