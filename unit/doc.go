// Package unit reads systemd unit files: the syntax of systemd.syntax(7) as
// systemd 252 implements it, the quoting and escaping rules its directives
// use, exec-line splitting, specifiers, unit names and value types
// (booleans, time spans, sizes). It does no file-system lookups; the
// loader package finds files, merges drop-ins and builds units from them.
package unit

import (
	"fmt"
	"syscall"
)

// Option is one assignment read from a unit file, in file order.
type Option struct {
	Section string // section name without brackets, e.g. "Service"
	Name    string // directive name, e.g. "ExecStart"
	Value   string // value with surrounding whitespace removed and continuations joined; not unquoted
	File    string // path as shown to the user
	Line    int    // 1-based line number of the last physical line of the assignment
}

// Diag is a problem found in a unit file. Error() reads
// "path:line: Directive: message" (the directive is omitted when there is none).
type Diag struct {
	File      string
	Line      int
	Directive string
	Msg       string
	Warning   bool // true when the line was ignored and loading goes on
	// Section is the section the line was in ("" before any header).
	// systemd never looks at lines inside sections it ignores, so the
	// loader drops warnings whose Section it does not know.
	Section string
	// Errno is what systemd reports when it refuses the whole file or
	// unit (e.g. EBADMSG "Bad message", ENOEXEC); 0 for warnings.
	Errno syscall.Errno
}

func (d *Diag) Error() string {
	switch {
	case d.Directive != "" && d.Line > 0:
		return fmt.Sprintf("%s:%d: %s: %s", d.File, d.Line, d.Directive, d.Msg)
	case d.Line > 0:
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Msg)
	default:
		return fmt.Sprintf("%s: %s", d.File, d.Msg)
	}
}
