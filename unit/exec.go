package unit

import (
	"strings"
	"syscall"
)

// ExecCommand is one command of an Exec*= line.
type ExecCommand struct {
	Path          string   // executable; absolute and simplified, or a bare file name
	Argv          []string // argv, argv[0] included
	IgnoreFailure bool     // "-": a failing exit status is ignored
	Argv0Override bool     // "@": the second word is argv[0]
	NoEnvExpand   bool     // ":": no $VAR expansion in the arguments
	Privileged    bool     // "+": full privileges, no sandboxing
	NoSetuid      bool     // "!": sandboxing, but no user/group change
	AmbientHack   bool     // "!!": user/group change only via ambient capabilities
}

// Expander expands specifiers; *Specifiers implements it.
type Expander interface {
	// ExpandPath expands a path (systemd's unit_path_printf, limit PATH_MAX).
	ExpandPath(text string) (string, error)
	// Expand expands a general value (unit_full_printf).
	Expand(text string) (string, error)
}

// ParseExec splits the value of an ExecStart=-style setting into commands,
// as systemd 252's config_parse_exec does, without specifier expansion
// (see ParseExecFull). An empty value, which resets the list, is the
// caller's business: ParseExec returns no commands for it.
//
// The error is a *Diag without File/Line/Directive (the caller fills them
// in). With Diag.Warning set systemd ignores the rest of the line and the
// unit still loads: the commands returned before it stay. Otherwise the
// unit gets a bad-setting error (Errno ENOEXEC) and is not started.
func ParseExec(value string) ([]ExecCommand, error) {
	cmds, _, err := ParseExecFull(value, nil)
	return cmds, err
}

// ParseExecFull is ParseExec with specifier expansion and warnings.
// systemd splits the line into words first and expands specifiers in each
// word afterwards (the path with ExpandPath, arguments with Expand), so a
// specifier whose value contains blanks or quotes stays one word. Callers
// must therefore pass the raw value here rather than a pre-expanded one.
// spec may be nil for no expansion. warnings are systemd's non-fatal
// "Ignoring unknown escape sequences" messages.
//
// Paths that are not absolute are accepted when they are a bare file name
// ("true"), as in systemd 252, which looks them up in ExecSearchPath= or
// its default PATH when the command is started; anything else with a
// slash is refused.
func ParseExecFull(value string, spec Expander) (cmds []ExecCommand, warnings []*Diag, err error) {
	if value == "" {
		return nil, nil, nil
	}
	rvalue := value
	w := NewWords(value)
	semicolon := true
	for semicolon {
		semicolon = false

		first, ok, werr := extractWordWarn(&w, value, &warnings)
		if werr != nil {
			// systemd logs and returns 0 here: the line is ignored, the unit loads.
			return cmds, warnings, werr
		}
		if !ok {
			return cmds, warnings, nil
		}
		if first == ";" {
			semicolon = true
			continue
		}

		var c ExecCommand
		f := first
		for f != "" {
			switch {
			case f[0] == '-' && !c.IgnoreFailure:
				c.IgnoreFailure = true
			case f[0] == '@' && !c.Argv0Override:
				c.Argv0Override = true
			case f[0] == ':' && !c.NoEnvExpand:
				c.NoEnvExpand = true
			case f[0] == '+' && !c.Privileged && !c.NoSetuid && !c.AmbientHack:
				c.Privileged = true
			case f[0] == '!' && !c.Privileged && !c.NoSetuid && !c.AmbientHack:
				c.NoSetuid = true
			case f[0] == '!' && !c.Privileged && !c.AmbientHack:
				c.NoSetuid = false
				c.AmbientHack = true
			default:
				goto prefixesDone
			}
			f = f[1:]
		}
	prefixesDone:
		ignore := c.IgnoreFailure
		bad := func(msg string) error {
			if ignore {
				return &Diag{Msg: msg, Warning: true}
			}
			return &Diag{Msg: msg, Errno: syscall.ENOEXEC}
		}
		ign := ""
		if ignore {
			ign = ", ignoring"
		}

		path := f
		if spec != nil {
			path, err = spec.ExpandPath(f)
			if err != nil {
				return cmds, warnings, bad("Failed to resolve unit specifiers in '" + f + "'" + ign + ": " + errText(err))
			}
		}
		switch {
		case path == "":
			return cmds, warnings, bad("Empty path in command line" + ign + ": '" + rvalue + "'")
		case !stringIsSafe(path):
			return cmds, warnings, bad("Executable name contains special characters" + ign + ": " + path)
		case strings.HasSuffix(path, "/"):
			return cmds, warnings, bad("Executable path specifies a directory" + ign + ": " + path)
		}
		if path[0] == '/' && !pathIsValid(path) || path[0] != '/' && !filenameIsValid(path) {
			return cmds, warnings, bad("Neither a valid executable name nor an absolute path" + ign + ": " + path)
		}

		var argv []string
		if !c.Argv0Override {
			argv = append(argv, path)
		}
		c.Path = PathSimplify(path)

		for w.Rest() != "" {
			rest := w.Rest()
			// A lone unquoted ";" separates commands.
			if rest[0] == ';' && (len(rest) == 1 || strings.IndexByte(whitespace, rest[1]) >= 0) {
				w.skip(1)
				w.skipWhitespace()
				semicolon = true
				break
			}
			// "\;" alone is a literal ";" (checked here because the word
			// splitter returns the same for "\\;", "\;" and "\"\;\"").
			if rest[0] == '\\' && len(rest) >= 2 && rest[1] == ';' && (len(rest) == 2 || strings.IndexByte(whitespace, rest[2]) >= 0) {
				w.skip(2)
				w.skipWhitespace()
				argv = append(argv, ";")
				continue
			}
			word, ok, werr := extractWordWarn(&w, value, &warnings)
			if werr != nil {
				if ignore {
					werr.Warning = true
				} else {
					werr.Warning = false
					werr.Errno = syscall.ENOEXEC
				}
				return cmds, warnings, werr
			}
			if !ok {
				break
			}
			if spec != nil {
				exp, err := spec.Expand(word)
				if err != nil {
					return cmds, warnings, bad("Failed to resolve unit specifiers in " + word + ign + ": " + errText(err))
				}
				word = exp
			}
			argv = append(argv, word)
		}

		if len(argv) == 0 {
			return cmds, warnings, bad("Empty executable name or zeroeth argument" + ign + ": " + rvalue)
		}
		c.Argv = argv
		cmds = append(cmds, c)
		rvalue = w.Rest()
	}
	return cmds, warnings, nil
}

func (w *Words) skip(n int) {
	if w.pos >= 0 {
		w.pos += n
	}
}

func (w *Words) skipWhitespace() {
	for w.pos >= 0 && w.pos < len(w.s) && strings.IndexByte(whitespace, w.s[w.pos]) >= 0 {
		w.pos++
	}
}

// extractWordWarn is systemd's extract_first_word_and_warn() with
// EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE: an invalid escape is retried with
// EXTRACT_UNESCAPE_RELAX and reported as a warning; unbalanced quotes fail.
func extractWordWarn(w *Words, rvalue string, warnings *[]*Diag) (string, bool, *Diag) {
	save := *w
	word, ok, err := w.Next("", ExtractUnquote|ExtractCUnescape)
	if err == nil {
		return word, ok, nil
	}
	*w = save
	word, ok, err = w.Next("", ExtractUnquote|ExtractCUnescape|ExtractUnescapeRelax)
	if err == nil {
		*warnings = append(*warnings, &Diag{Msg: "Ignoring unknown escape sequences: \"" + word + "\"", Warning: true})
		return word, ok, nil
	}
	return "", false, &Diag{Msg: "Unbalanced quoting, ignoring: \"" + rvalue + "\"", Warning: true}
}

func errText(err error) string {
	if e, ok := err.(syscall.Errno); ok {
		return strerror(e)
	}
	if e, ok := err.(*SpecifierError); ok {
		return strerror(e.Errno)
	}
	return err.Error()
}

// nameMax is the kernel's NAME_MAX, pathMax PATH_MAX.
const (
	nameMax = 255
	pathMax = 4096
)

// filenameIsValid is systemd's filename_is_valid(): non-empty, not "."
// or "..", no slash, at most NAME_MAX bytes.
func filenameIsValid(s string) bool {
	return s != "" && s != "." && s != ".." && strings.IndexByte(s, '/') < 0 && len(s) <= nameMax
}

// firstComponent is systemd's path_find_first_component() on p[i:]: it
// returns the first component, the index of the remainder after it
// (slashes and "." components skipped) and its length; n is 0 when there
// is no component and -1 when it is longer than NAME_MAX or is ".." while
// dotDot is false (next is then i, unmoved).
func firstComponent(p string, i int, dotDot bool) (comp string, next int, n int) {
	skip := func(i int) int {
		for i < len(p) {
			if p[i] == '/' {
				i++
				continue
			}
			if p[i] == '.' && i+1 < len(p) && p[i+1] == '/' {
				i++
				continue
			}
			break
		}
		return i
	}
	first := skip(i)
	if first >= len(p) {
		return "", first, 0
	}
	if p[first:] == "." {
		return "", first + 1, 0
	}
	end := first
	for end < len(p) && p[end] != '/' {
		end++
	}
	if end-first > nameMax || !dotDot && p[first:end] == ".." {
		return "", i, -1
	}
	next = skip(end)
	if p[next:] == "." {
		next++
	}
	return p[first:end], next, end - first
}

// pathIsValidFull is systemd's path_is_valid_full().
func pathIsValidFull(p string, dotDot bool) bool {
	if p == "" {
		return false
	}
	for i := 0; ; {
		_, next, n := firstComponent(p, i, dotDot)
		if n < 0 || next >= pathMax {
			return false
		}
		if next >= len(p) {
			return true
		}
		i = next
	}
}

func pathIsValid(p string) bool { return pathIsValidFull(p, true) }

// pathIsNormalized is systemd's path_is_normalized().
func pathIsNormalized(p string) bool {
	if !pathIsValidFull(p, false) {
		return false
	}
	if p == "." || strings.HasPrefix(p, "./") || strings.HasSuffix(p, "/.") || strings.Contains(p, "/./") {
		return false
	}
	return !strings.Contains(p, "//")
}

// PathSimplify is systemd's path_simplify(): it drops redundant slashes
// and "." components but keeps ".."; "" stays "" and a relative path that
// empties becomes ".". From a component longer than NAME_MAX on, the
// path is copied unchanged.
func PathSimplify(p string) string {
	if p == "" {
		return p
	}
	b := make([]byte, 0, len(p))
	i := 0
	if p[0] == '/' {
		b = append(b, '/')
		i = 1
	}
	addSlash := false
	for {
		comp, next, n := firstComponent(p, i, true)
		if n == 0 {
			break
		}
		if addSlash {
			b = append(b, '/')
		}
		if n < 0 {
			b = append(b, p[i:]...)
			return string(b)
		}
		b = append(b, comp...)
		i = next
		addSlash = true
	}
	if len(b) == 0 {
		return "."
	}
	return string(b)
}
