package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gosd/gosd/loader"
)

// cli holds systemctl's global options and the output streams of one call.
type cli struct {
	stdout, stderr io.Writer

	root       string   // --root=DIR; "" when unset
	props      []string // -p/--property, split on commas
	value      bool     // --value
	all        bool     // -a/--all
	quiet      bool     // -q/--quiet
	force      bool     // -f/--force
	now        bool     // --now
	runtime    bool     // --runtime
	noReload   bool     // --no-reload
	noLegend   bool     // --no-legend
	noPager    bool     // --no-pager (always in effect: gosd never pages)
	plain      bool     // --plain
	full       bool     // -l/--full
	reverse    bool     // --reverse
	after      bool     // --after
	before     bool     // --before
	types      []string // -t/--type
	states     []string // --state
	presetMode string   // --preset-mode
	jobMode    string   // --job-mode
	noBlock    bool     // --no-block
	signal     string   // -s/--signal
	killWhom   string   // --kill-whom
	lines      int      // -n/--lines (-1: not given)

	// mgr is the running manager when the call is served by it; nil for
	// the offline commands.
	mgr *manager
}

// paths is the search path the offline commands work on.
func (c *cli) paths() loader.Paths { return loader.SystemPaths(c.root) }

// cmdFunc runs one systemctl verb with its positional arguments and returns
// the exit code.
type cmdFunc func(c *cli, args []string) int

// systemctlVerbs maps each systemctl verb gosd implements to its function.
func systemctlVerbs() map[string]cmdFunc {
	return map[string]cmdFunc{
		"show":              cmdShow,
		"cat":               cmdCat,
		"list-dependencies": cmdListDependencies,

		"enable":          enableVerb("enable"),
		"disable":         enableVerb("disable"),
		"reenable":        enableVerb("reenable"),
		"link":            enableVerb("link"),
		"preset":          enableVerb("preset"),
		"mask":            enableVerb("mask"),
		"unmask":          enableVerb("unmask"),
		"preset-all":      presetAllVerb,
		"is-enabled":      isEnabledVerb,
		"get-default":     getDefaultVerb,
		"set-default":     setDefaultVerb,
		"list-unit-files": listUnitFilesVerb,
	}
}

// usageError is systemctl's exit code for bad invocations.
const usageError = 1

// parseSystemctlArgs splits argv into options (in any position, as
// systemctl's getopt permutes them) and positional words.
func parseSystemctlArgs(c *cli, argv []string) ([]string, error) {
	var pos []string
	takes := func(i *int, name string, inline string, hasInline bool) (string, error) {
		if hasInline {
			return inline, nil
		}
		if *i+1 >= len(argv) {
			return "", fmt.Errorf("option '%s' requires an argument", name)
		}
		*i++
		return argv[*i], nil
	}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			pos = append(pos, argv[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, inline, hasInline := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "--") {
			// Short options, possibly bundled (-aq) or with an attached value (-pId).
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'a':
					c.all = true
				case 'q':
					c.quiet = true
				case 'f':
					c.force = true
				case 'l':
					c.full = true
				case 'p', 't', 's', 'n':
					var v string
					if j+1 < len(a) {
						v = a[j+1:]
					} else {
						var err error
						if v, err = takes(&i, "-"+string(a[j]), "", false); err != nil {
							return nil, err
						}
					}
					switch a[j] {
					case 'p':
						c.props = append(c.props, splitComma(v)...)
					case 't':
						c.types = append(c.types, splitComma(v)...)
					case 's':
						c.signal = v
					case 'n':
						n, err := parseLines(v)
						if err != nil {
							return nil, err
						}
						c.lines = n
					}
					j = len(a)
				default:
					return nil, fmt.Errorf("invalid option -- '%c'", a[j])
				}
			}
			continue
		}
		var err error
		var v string
		switch name {
		case "--root":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.root = v
			}
		case "--property":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.props = append(c.props, splitComma(v)...)
			}
		case "--type":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.types = append(c.types, splitComma(v)...)
			}
		case "--state":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.states = append(c.states, splitComma(v)...)
			}
		case "--job-mode":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.jobMode = v
			}
		case "--signal":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.signal = v
			}
		case "--kill-whom", "--kill-who":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.killWhom = v
			}
		case "--lines":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.lines, err = parseLines(v)
			}
		case "--preset-mode":
			if v, err = takes(&i, name, inline, hasInline); err == nil {
				c.presetMode = v
			}
		case "--value":
			c.value = true
		case "--all":
			c.all = true
		case "--failed":
			// systemctl's shorthand for --state=failed
			c.states = append(c.states, "failed")
		case "--quiet":
			c.quiet = true
		case "--force":
			c.force = true
		case "--now":
			c.now = true
		case "--runtime":
			c.runtime = true
		case "--no-reload":
			c.noReload = true
		case "--no-legend":
			c.noLegend = true
		case "--no-block":
			c.noBlock = true
		case "--no-pager", "--no-ask-password", "--system":
			c.noPager = c.noPager || name == "--no-pager"
		case "--plain":
			c.plain = true
		case "--full":
			c.full = true
		case "--reverse":
			c.reverse = true
		case "--after":
			c.after = true
		case "--before":
			c.before = true
		case "--user", "--global":
			return nil, fmt.Errorf("%s is not supported: gosd manages the system instance only", name)
		default:
			return nil, fmt.Errorf("unrecognized option '%s'", a)
		}
		if err != nil {
			return nil, err
		}
	}
	return pos, nil
}

func parseLines(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("Failed to parse lines '%s'", v)
	}
	return n, nil
}

func splitComma(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// systemctl runs the systemctl tool.
func systemctl(argv []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, lines: -1}
	pos, err := parseSystemctlArgs(c, argv)
	if err == nil && c.root == "" {
		verb := "list-units"
		if len(pos) > 0 {
			verb = pos[0]
		}
		if _, live := liveVerbs()[verb]; live {
			if code, ok := liveCall(argv, stdout, stderr); ok {
				return code
			}
			if _, offline := systemctlVerbs()[verb]; !offline {
				fmt.Fprintln(stderr, "System has not been booted with systemd as init system (PID 1). Can't operate.")
				fmt.Fprintln(stderr, "Failed to connect to bus: Host is down")
				return 1
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "systemctl: %v\n", err)
		return usageError
	}
	if c.root != "" {
		// Every path gosd prints under --root is the path as seen inside it.
		c.stdout, c.stderr = inRootWriter(stdout, c.root), inRootWriter(stderr, c.root)
	}
	verb := "list-units"
	if len(pos) > 0 {
		verb, pos = pos[0], pos[1:]
	}
	f, ok := systemctlVerbs()[verb]
	if !ok {
		fmt.Fprintf(stderr, "Unknown command verb %s.\n", verb)
		return usageError
	}
	return f(c, pos)
}

// inRootWriter returns a writer that shows host paths under root as the
// paths they are inside root. Each write must hold whole paths, as every
// message gosd prints does.
func inRootWriter(w io.Writer, root string) io.Writer {
	var old []string
	for _, r := range []string{root, absPath(root)} {
		r = strings.TrimSuffix(r, "/")
		if r != "" && r != "." {
			old = append(old, r+"/", "/")
		}
	}
	if len(old) == 0 {
		return w
	}
	return &replaceWriter{w: w, r: strings.NewReplacer(old...)}
}

type replaceWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (rw *replaceWriter) Write(p []byte) (int, error) {
	if _, err := rw.r.WriteString(rw.w, string(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
