// Command gosd is a service manager that runs systemd unit files. The one
// binary is multi-call: invoked as systemctl, journalctl or systemd-analyze
// (by the base name of argv[0]), or as `gosd systemctl ARGS`, it acts as
// that tool.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gosd/gosd/spawn"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run dispatches on the tool name and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	tool := filepath.Base(args[0])
	rest := args[1:]
	if tool == spawn.HelperName {
		return execHelper(args)
	}
	if os.Getpid() == 1 || tool == "init" || tool == "systemd" {
		// As PID 1 (or named as an init), gosd is the manager; its
		// arguments are systemd's (--unit=...).
		return runManager(rest, stdout, stderr)
	}
	if tool == "gosd" || strings.HasPrefix(tool, "gosd.") {
		if len(rest) == 0 {
			fmt.Fprintln(stderr, "usage: gosd {manager|systemctl|systemd-analyze|systemd-notify|journalctl|verify|run-generators} ARGS...")
			return 1
		}
		tool, rest = rest[0], rest[1:]
		if tool == "verify" {
			tool, rest = "systemd-analyze", append([]string{"verify"}, rest...)
		}
	}
	switch tool {
	case "systemctl":
		return systemctl(rest, stdout, stderr)
	case "systemd-analyze":
		return analyze(rest, stdout, stderr)
	case "journalctl":
		return journalctl(rest, stdout, stderr)
	case "manager":
		return runManager(rest, stdout, stderr)
	case "systemd-notify":
		return systemdNotify(rest, stdout, stderr)
	case "run-generators":
		return runGenerators(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "gosd: unknown tool %q\n", tool)
	return 1
}
