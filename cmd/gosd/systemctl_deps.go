package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gosd/gosd/loader"
)

// Dependency kinds list-dependencies follows, as systemctl 252 does.
var (
	depsForward = []loader.Dep{loader.Requires, loader.Requisite, loader.Wants, loader.ConsistsOf, loader.BindsTo, loader.Upholds}
	depsReverse = []loader.Dep{loader.RequiredBy, loader.RequisiteOf, loader.WantedBy, loader.PartOf, loader.BoundBy, loader.UpheldBy}
)

// cmdListDependencies prints the units a unit pulls in, as a tree
// (--plain: indented list). Only targets are expanded unless --all is
// given. Offline every unit is inactive, so the state mark is "○".
func cmdListDependencies(c *cli, args []string) int {
	if len(args) == 0 {
		args = []string{"default.target"}
	}
	kinds := depsForward
	switch {
	case c.reverse:
		kinds = depsReverse
	case c.after:
		kinds = []loader.Dep{loader.After}
	case c.before:
		kinds = []loader.Dep{loader.Before}
	}
	s := c.loadSet()
	for _, name := range args {
		name = c.unitName(name)
		u, err := s.Load(name)
		if err != nil {
			fmt.Fprintf(c.stderr, "%v\n", err)
			return 1
		}
		fmt.Fprintln(c.stdout, name) // the name as asked for, not the unit's ID
		onPath := map[string]bool{u.ID: true}
		c.printDeps(c.stdout, s, u, kinds, "", onPath)
	}
	return 0
}

// printDeps prints the dependencies of u below prefix, targets last and
// each group in name order, as systemctl sorts them.
func (c *cli) printDeps(w io.Writer, s *loader.Set, u *loader.Unit, kinds []loader.Dep, prefix string, onPath map[string]bool) {
	var names []string
	seen := map[string]bool{}
	for _, k := range kinds {
		for _, n := range u.Deps.Of(k) {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Slice(names, func(i, j int) bool {
		ti, tj := strings.HasSuffix(names[i], ".target"), strings.HasSuffix(names[j], ".target")
		if ti != tj {
			return tj
		}
		return names[i] < names[j]
	})
	for i, n := range names {
		last := i == len(names)-1
		branch, next := "├─", "│ "
		if last {
			branch, next = "└─", "  "
		}
		if c.plain {
			fmt.Fprintf(w, "  %s\n", n) // --plain does not indent deeper levels
		} else {
			fmt.Fprintf(w, "○ %s%s%s\n", prefix, branch, n)
		}
		o := s.Get(n)
		if o == nil || onPath[n] || (!c.all && o.Type != "target") {
			continue
		}
		onPath[n] = true
		c.printDeps(w, s, o, kinds, prefix+next, onPath)
		delete(onPath, n)
	}
}
