package graph

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/gosd/gosd/loader"
)

// DOTOptions selects what DOT writes, as systemd-analyze dot's options do.
type DOTOptions struct {
	// Order (--order) writes only ordering edges, Require (--require)
	// only requirement edges; neither or both writes every kind.
	Order, Require bool
	// Patterns are the command's PATTERN arguments: when there are any,
	// an edge is written only if one of its ends matches one.
	Patterns []string
	// From (--from-pattern) keeps only edges from units that match one
	// of them or one of Patterns; To (--to-pattern) only edges to such
	// units.
	From, To []string
}

// DOTLegend is what systemd-analyze dot writes to standard error before
// the graph.
const DOTLegend = "   Color legend: black     = Requires\n" +
	"                 dark blue = Requisite\n" +
	"                 dark grey = Wants\n" +
	"                 red       = Conflicts\n" +
	"                 green     = After\n"

// dotKinds are the dependency kinds an edge is drawn for, in the order
// systemd-analyze dot writes each unit's edges, with their colours.
var dotKinds = []struct {
	dep     loader.Dep
	color   string
	ordered bool // an ordering edge (--order), not a requirement (--require)
}{
	{loader.After, "green", true},
	{loader.Requires, "black", false},
	{loader.Requisite, "darkblue", false},
	{loader.Wants, "grey66", false},
	{loader.Conflicts, "red", false},
}

// DOT writes the dependency graph of units as `systemd-analyze dot` does:
// one edge `"a.service"->"b.service" [color="..."];` for every After=
// (green; the edge points at the unit started first), Requires= (black),
// Requisite= (darkblue), Wants= (grey66) and Conflicts= (red), including
// those that come from the other unit's Before=. systemd writes units and
// each kind's targets in hash-table order; gosd sorts them by ID.
func DOT(w io.Writer, units []*loader.Unit, opts DOTOptions) error {
	sorted := slices.Clone(units)
	slices.SortFunc(sorted, func(a, b *loader.Unit) int { return strings.Compare(a.ID, b.ID) })
	sorted = slices.CompactFunc(sorted, func(a, b *loader.Unit) bool { return a.ID == b.ID })
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph systemd {\n")
	for _, u := range sorted {
		uMatch := matchAny(opts.Patterns, u.ID)
		if len(opts.From) > 0 && !uMatch && !matchAny(opts.From, u.ID) {
			continue
		}
		for _, k := range dotKinds {
			if opts.Order != opts.Require && k.ordered != opts.Order {
				continue
			}
			for _, o := range u.Deps.Of(k.dep) {
				oMatch := matchAny(opts.Patterns, o)
				if len(opts.To) > 0 && !oMatch && !matchAny(opts.To, o) {
					continue
				}
				if len(opts.Patterns) > 0 && !uMatch && !oMatch {
					continue
				}
				// systemd quotes names without escaping them.
				fmt.Fprintf(bw, "\t\"%s\"->\"%s\" [color=\"%s\"];\n", u.ID, o, k.color)
			}
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// matchAny reports whether name matches one of the shell patterns, as
// fnmatch(3) without flags matches them ("[!a]" negates a bracket
// expression, backslash escapes).
func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		p = strings.ReplaceAll(p, "[!", "[^")
		ok, err := path.Match(p, name)
		if ok || (err != nil && p == name) {
			return true
		}
	}
	return false
}
