package main

import (
	"fmt"
	"io"
	"strings"
)

// analyze runs the systemd-analyze tool.
func analyze(argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "systemd-analyze: gosd implements: verify, dot")
		return 1
	}
	// Options may stand before the verb, as systemd-analyze's getopt allows.
	for i, a := range argv {
		if strings.HasPrefix(a, "-") {
			continue
		}
		rest := append(append([]string(nil), argv[:i]...), argv[i+1:]...)
		if a == "verify" {
			return verify(rest, stdout, stderr)
		}
		if a == "dot" {
			return analyzeDot(rest, stdout, stderr)
		}
		fmt.Fprintf(stderr, "Unknown command verb '%s'.\n", a)
		return 1
	}
	fmt.Fprintln(stderr, "systemd-analyze: gosd implements: verify, dot")
	return 1
}

// journalctl runs the journalctl tool.
func journalctl(argv []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "journalctl: no running gosd manager to read logs from")
	return 1
}
