package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gosd/gosd/install"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/props"
	"github.com/gosd/gosd/unit"
)

// loadSet scans the search path and loads every unit file in it, so that
// reverse dependencies are as complete as a booted systemd's.
func (c *cli) loadSet() *loader.Set {
	s := loader.NewSet(c.paths(), &unit.Host{Root: c.root})
	s.LoadAll()
	return s
}

// cmdShow prints unit properties offline, as `systemctl show` prints them
// for a unit that is loaded but has not run.
func cmdShow(c *cli, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "gosd: show without a unit shows the manager, which needs a running gosd.")
		return 1
	}
	load := func(name string) (*loader.Unit, error) { return c.mgr.lookup(name) }
	if c.mgr == nil {
		load = c.loadSet().Load
	}
	in := install.New(c.root, io.Discard)
	presets, _ := in.ReadPresets()
	code := 0
	for i, name := range args {
		u, err := load(c.unitName(name))
		if err != nil {
			fmt.Fprintf(c.stderr, "Failed to get properties: %v\n", err)
			code = 1
			continue
		}
		if i > 0 && !c.value {
			fmt.Fprintln(c.stdout)
		}
		st := c.unitState(in, presets, u)
		if c.mgr != nil {
			st = c.liveProps(u, in, presets)
		}
		props.Show(c.stdout, u, st, c.props, c.all, c.value)
	}
	return code
}

// unitState is the installation state show reports for u offline.
func (c *cli) unitState(in *install.Installer, presets *install.Presets, u *loader.Unit) *props.State {
	st := &props.State{}
	st.UnitFileState, st.UnitFilePreset = in.ShowState(u.ID, u.FragmentPath, presets)
	return st
}

// unitName turns what the user typed into a unit name as systemctl does
// for commands on loaded units (a missing suffix means ".service"; other
// characters are escaped with a notice). A word that cannot be made a
// unit name is returned as it is, for the loader to reject.
func (c *cli) unitName(word string) string {
	if n, ok := c.mangle(word, ".service"); ok {
		return n
	}
	return word
}

// cmdCat prints the fragment and drop-ins of each unit, each preceded by
// a "# path" line, as `systemctl cat` does.
func cmdCat(c *cli, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "Too few arguments.")
		return 1
	}
	s := loader.NewSet(c.paths(), &unit.Host{Root: c.root})
	code := 0
	first := true
	for _, name := range args {
		u, err := s.Load(c.unitName(name))
		if err != nil {
			fmt.Fprintf(c.stderr, "%v\n", err)
			code = 1
			continue
		}
		if u.LoadState == loader.StateNotFound && len(u.DropInPaths) == 0 {
			fmt.Fprintf(c.stderr, "No files found for %s.\n", u.ID)
			code = 1
			continue
		}
		if u.LoadState == loader.StateMasked {
			fmt.Fprintf(c.stderr, "Unit %s is masked.\n", u.ID)
			code = 1
			continue
		}
		files := u.DropInPaths
		if u.FragmentPath != "" {
			files = append([]string{u.FragmentPath}, files...)
		}
		for _, f := range files {
			data, err := os.ReadFile(c.paths().Host(f))
			if err != nil {
				fmt.Fprintf(c.stderr, "Failed to read %s: %v\n", f, err)
				code = 1
				continue
			}
			if !first {
				fmt.Fprintln(c.stdout)
			}
			first = false
			fmt.Fprintf(c.stdout, "# %s\n", f)
			c.stdout.Write(data)
			if len(data) > 0 && data[len(data)-1] != '\n' {
				fmt.Fprintln(c.stdout)
			}
		}
	}
	return code
}
