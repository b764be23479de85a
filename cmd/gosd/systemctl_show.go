package main

import (
	"fmt"
	"io"
	"os"
	"strings"

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
	s := c.loadSet()
	in := install.New(c.root, io.Discard)
	presets, _ := in.ReadPresets()
	code := 0
	for i, name := range args {
		m, _ := mangleWarn(name, c.stderr)
		u, err := s.Load(m)
		if err != nil {
			fmt.Fprintf(c.stderr, "Failed to get properties: %v\n", err)
			code = 1
			continue
		}
		if i > 0 && !c.value {
			fmt.Fprintln(c.stdout)
		}
		props.Show(c.stdout, u, c.unitState(in, presets, u), c.props, c.all, c.value)
	}
	return code
}

// unitState is the installation state show reports for u offline.
func (c *cli) unitState(in *install.Installer, presets *install.Presets, u *loader.Unit) *props.State {
	st := &props.State{}
	st.UnitFileState, st.UnitFilePreset = in.ShowState(u.ID, u.FragmentPath, presets)
	return st
}

// mangle turns what the user typed into a unit name as systemctl does: a
// name without a type suffix gets ".service", and characters a unit name
// may not hold are escaped as \xNN, with a warning.
func mangle(name string) string {
	n, _ := mangleWarn(name, nil)
	return n
}

func mangleWarn(name string, warn io.Writer) (string, bool) {
	if unit.IsValidName(name) {
		return name, false
	}
	var b strings.Builder
	escaped := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":-_.\\@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "\\x%02x", c)
		escaped = true
	}
	m := b.String()
	if !unit.IsValidName(m) && unit.IsValidName(m+".service") {
		m += ".service"
	}
	if escaped && warn != nil {
		fmt.Fprintf(warn, "Invalid unit name \"%s\" escaped as \"%s\" (maybe you should use systemd-escape?).\n", name, m)
	}
	return m, escaped
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
		u, err := s.Load(mangle(name))
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
