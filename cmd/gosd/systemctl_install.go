package main

// The unit-file installation verbs of systemctl. gosd has no running
// manager yet, so these always work the way systemd 252's systemctl does
// with --root (client side, on the files only): --now has nothing to start
// or stop and there is no daemon to reload, so both are no-ops here.
// Every message goes where systemctl sends it: states, the default target
// and tables to standard output, everything else to standard error.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gosd/gosd/install"
)

const noInstallConfigNotice = `The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
Alias= settings in the [Install] section, and DefaultInstance= for template
units). This means they are not meant to be enabled using systemctl.
 
Possible reasons for having this kind of units are:
• A unit may be statically enabled by being symlinked from another unit's
  .wants/ or .requires/ directory.
• A unit's purpose may be to act as a helper for some other unit which has
  a requirement dependency on it.
• A unit may be started when needed via activation (socket, path, timer,
  D-Bus, udev, scripted systemctl call, ...).
• In case of template units, the unit is meant to be enabled with some
  instance name specified.`

// installer returns the Installer for --root, with the root made
// absolute as systemctl does.
func (c *cli) installer() *install.Installer {
	root := c.root
	if root != "" {
		if abs, err := filepath.Abs(root); err == nil {
			root = abs
		}
	}
	return install.New(root, c.stderr)
}

func (c *cli) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, format+"\n", args...)
}

// argCount checks systemctl's argument count limits for a verb (min and
// max positional arguments; max < 0 means unlimited).
func (c *cli) argCount(args []string, min, max int) bool {
	if len(args) < min {
		c.errorf("Too few arguments.")
		return false
	}
	if max >= 0 && len(args) > max {
		c.errorf("Too many arguments.")
		return false
	}
	return true
}

// mangleNames is systemctl's mangle_names(): paths are made absolute,
// other words become unit names (".service" is added when no type is
// given, invalid characters are escaped with a notice).
func (c *cli) mangleNames(args []string, op string) ([]string, bool) {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if strings.Contains(a, "/") {
			p := a
			if !filepath.IsAbs(p) {
				wd, err := os.Getwd()
				if err != nil {
					c.errorf("Failed to mangle unit name or path '%s': %s", a, install.Strerror(install.Errno(err)))
					return nil, false
				}
				p = filepath.Join(wd, p)
			}
			out = append(out, filepath.Clean(p))
			continue
		}
		n, ok := c.mangle(a, ".service")
		if !ok {
			c.errorf("Failed to mangle unit name or path '%s': Invalid argument", a)
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func (c *cli) mangle(name, suffix string) (string, bool) {
	n, mangled, ok := install.MangleName(name, suffix)
	if !ok {
		return "", false
	}
	if mangled && !c.quiet {
		c.errorf("Invalid unit name \"%s\" escaped as \"%s\" (maybe you should use systemd-escape?).", name, n)
	}
	return n, true
}

func (c *cli) options() install.Options {
	return install.Options{Runtime: c.runtime, Force: c.force}
}

// dump prints the changes like install_changes_dump() and the final
// "Failed to VERB: ERR." when the operation failed without an error line.
func (c *cli) dump(verb string, res install.Result, err error) int {
	lines, failed := install.FormatChanges(verb, res.Changes, c.quiet)
	for _, l := range lines {
		c.errorf("%s", l)
	}
	if err != nil {
		if !failed {
			c.errorf("Failed to %s: %s.", verb, install.Strerror(install.Errno(err)))
		}
		return 1
	}
	return 0
}

// enableVerb implements enable, disable, reenable, link, preset, mask and
// unmask (systemctl's verb_enable()).
func enableVerb(verb string) cmdFunc {
	return func(c *cli, args []string) int {
		if !c.argCount(args, 1, -1) {
			return usageError
		}
		names, ok := c.mangleNames(args, "to enable")
		if !ok {
			return 1
		}
		switch verb {
		case "disable":
			wasPath := false
			for i, n := range names {
				if strings.Contains(n, "/") {
					names[i] = filepath.Base(n)
					wasPath = true
				}
			}
			if wasPath {
				c.errorf("Warning: Can't execute disable on the unit file path. Proceeding with the unit name.")
			}
		case "link":
			for _, n := range names {
				if !filepath.IsAbs(n) {
					if c.root != "" {
						c.errorf("Non-absolute paths are not allowed when --root is used: %s", n)
					} else {
						c.errorf("Link argument must contain at least one directory separator.\nIf you intended to link a file in the current directory, try ./%s instead.", n)
					}
					return 1
				}
			}
		}
		in := c.installer()
		o := c.options()
		var res install.Result
		var err error
		carried := -1
		switch verb {
		case "enable":
			res, err = in.Enable(names, o)
			carried = res.Carried
		case "disable":
			res, err = in.Disable(names, o)
		case "reenable":
			res, err = in.Reenable(names, o)
			carried = res.Carried
		case "link":
			res, err = in.Link(names, o)
		case "preset":
			mode, perr := install.ParsePresetMode(c.presetMode)
			if perr != nil {
				c.errorf("Failed to parse preset mode: %s.", c.presetMode)
				return 1
			}
			res, err = in.Preset(names, mode, o)
		case "mask":
			res, err = in.Mask(names, o)
		case "unmask":
			res, err = in.Unmask(names, o)
		}
		if rc := c.dump(verb, res, err); rc != 0 {
			return rc
		}
		if carried == 0 && !c.quiet {
			c.errorf("%s", noInstallConfigNotice)
		}
		// --now would start or stop the units: there is no manager to
		// talk to offline, so it does nothing.
		return 0
	}
}

func presetAllVerb(c *cli, args []string) int {
	if !c.argCount(args, 0, 0) {
		return usageError
	}
	mode, err := install.ParsePresetMode(c.presetMode)
	if err != nil {
		c.errorf("Failed to parse preset mode: %s.", c.presetMode)
		return 1
	}
	res, err := c.installer().PresetAll(mode, c.options())
	return c.dump("preset", res, err)
}

func isEnabledVerb(c *cli, args []string) int {
	if !c.argCount(args, 1, -1) {
		return usageError
	}
	names, ok := c.mangleNames(args, "to check")
	if !ok {
		return 1
	}
	in := c.installer()
	enabled := false
	for _, n := range names {
		s, err := in.State(n)
		if err != nil {
			c.errorf("Failed to get unit file state for %s: %s", n, install.Strerror(install.Errno(err)))
			return 1
		}
		if s.IsEnabled() {
			enabled = true
		}
		if !c.quiet {
			fmt.Fprintln(c.stdout, s.String())
			if c.full {
				// systemctl lists the links of the real system here,
				// ignoring --root; so does gosd.
				links, err := install.New("", c.stderr).Links(n, c.options())
				if err != nil {
					c.errorf("Failed to get file links for %s: %s", n, install.Strerror(install.Errno(err)))
					return 1
				}
				for _, l := range links {
					fmt.Fprintf(c.stdout, "  %s\n", l)
				}
			}
		}
	}
	if enabled {
		return 0
	}
	return 1
}

func getDefaultVerb(c *cli, args []string) int {
	if !c.argCount(args, 0, 0) {
		return usageError
	}
	name, err := c.installer().GetDefault()
	if err != nil {
		c.errorf("Failed to get default target: %s", install.Strerror(install.Errno(err)))
		return 1
	}
	fmt.Fprintln(c.stdout, name)
	return 0
}

func setDefaultVerb(c *cli, args []string) int {
	if !c.argCount(args, 1, 1) {
		return usageError
	}
	name, ok := c.mangle(args[0], ".target")
	if !ok {
		c.errorf("Failed to mangle unit name: Invalid argument")
		return 1
	}
	in := c.installer()
	// systemctl always forces the default.target symlink.
	res, err := in.SetDefault(name, true)
	if rc := c.dump("set default", res, err); rc != 0 {
		return rc
	}
	if !c.quiet {
		final, err := in.GetDefault()
		if err != nil {
			c.errorf("Failed to get default target: %s", install.Strerror(install.Errno(err)))
			return 1
		}
		if final != name {
			c.errorf("Note: \"%s\" is the default unit (possibly a runtime override).", final)
		}
	}
	return 0
}

func listUnitFilesVerb(c *cli, args []string) int {
	in := c.installer()
	files, err := in.ListUnitFiles(c.states, args)
	if err != nil {
		c.errorf("Failed to get unit file list: %s", install.Strerror(install.Errno(err)))
		return 1
	}
	if len(c.types) > 0 {
		kept := files[:0]
		for _, f := range files {
			if i := strings.LastIndexByte(f.Name, '.'); i >= 0 && slices.Contains(c.types, f.Name[i+1:]) {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	legend := !c.noLegend && !c.quiet
	rows := [][]string{}
	var presets *install.Presets
	for _, f := range files {
		preset := "-"
		if f.State.ShowsPreset() {
			if presets == nil {
				if presets, err = in.ReadPresets(); err != nil {
					presets = nil
				}
			}
			switch {
			case presets == nil:
				preset = "n/a"
			case presets.QueryPreset(f.Name):
				preset = "enabled"
			default:
				preset = "disabled"
			}
		}
		rows = append(rows, []string{f.Name, f.State.String(), preset})
	}
	printTable(c, []string{"UNIT FILE", "STATE", "PRESET"}, rows, legend)
	if legend {
		fmt.Fprintf(c.stdout, "\n%d unit files listed.\n", len(files))
	}
	if len(files) == 0 {
		return 1
	}
	return 0
}

// printTable prints columns padded to their widest cell and separated by
// one space, the last column unpadded, as systemd's table does when not
// writing to a terminal.
func printTable(c *cli, header []string, rows [][]string, withHeader bool) {
	widths := make([]int, len(header))
	all := rows
	if withHeader {
		all = append([][]string{header}, rows...)
	}
	for _, r := range all {
		for i, cell := range r {
			if n := len([]rune(cell)); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for _, r := range all {
		var b strings.Builder
		for i, cell := range r {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(cell))))
			}
		}
		fmt.Fprintln(c.stdout, b.String())
	}
}
