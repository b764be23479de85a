package main

import (
	"fmt"
	"io"
)

// analyze runs the systemd-analyze tool.
func analyze(argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "systemd-analyze: gosd implements: verify")
		return 1
	}
	fmt.Fprintf(stderr, "Unknown command verb '%s'.\n", argv[0])
	return 1
}

// journalctl runs the journalctl tool.
func journalctl(argv []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "journalctl: no running gosd manager to read logs from")
	return 1
}
