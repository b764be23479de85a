package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// analyzeDot runs `systemd-analyze dot [--order|--require]
// [--from-pattern=GLOB] [--to-pattern=GLOB] [PATTERN...]`: it writes the
// dependency graph in graphviz's dot language to stdout and systemd's
// colour legend to stderr. systemd draws the units its manager has
// loaded; gosd, offline, loads every unit file of the search path (under
// --root=DIR if given) and what they refer to. As in systemd-analyze, the
// last of --order and --require wins.
func analyzeDot(argv []string, stdout, stderr io.Writer) int {
	root := ""
	var opts graph.DOTOptions
	value := func(i *int, a, name string) (string, bool) {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && *i+1 < len(argv) {
			*i++
			return argv[*i], true
		}
		return "", false
	}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if v, ok := value(&i, a, "--root"); ok {
			root = v
			continue
		}
		if v, ok := value(&i, a, "--from-pattern"); ok {
			opts.From = append(opts.From, v)
			continue
		}
		if v, ok := value(&i, a, "--to-pattern"); ok {
			opts.To = append(opts.To, v)
			continue
		}
		switch {
		case a == "--order":
			opts.Order, opts.Require = true, false
		case a == "--require":
			opts.Order, opts.Require = false, true
		case a == "--no-pager" || a == "--system":
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(stderr, "systemd-analyze: unrecognized option '%s'\n", a)
			return 1
		default:
			opts.Patterns = append(opts.Patterns, a)
		}
	}
	set := loader.NewSet(loader.SystemPaths(root), &unit.Host{Root: root})
	set.LoadAll()
	fmt.Fprint(stderr, graph.DOTLegend)
	if err := graph.DOT(stdout, set.Units(), opts); err != nil {
		fmt.Fprintf(stderr, "Failed to write graph: %v\n", err)
		return 1
	}
	return 0
}
