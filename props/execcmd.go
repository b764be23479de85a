package props

import (
	"strings"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// commands is a property that shows a list of commands (list returns it),
// once per command, for a unit that has not run them: as ExecStart shows
// them, or with ex set as ExecStartEx does.
type commands struct {
	list func(u *loader.Unit) []unit.ExecCommand
	ex   bool
}

// formatCommands renders commands as systemctl show prints them: argv
// joined with blanks and not quoted or escaped (systemctl 252 prints the
// words as they are), then ignore_errors (plain list) or the flags (Ex
// list), and the status of a command that has not run.
func formatCommands(cmds []unit.ExecCommand, ex bool) []string {
	out := make([]string, 0, len(cmds))
	for _, c := range cmds {
		var b strings.Builder
		b.WriteString("{ path=")
		b.WriteString(c.Path)
		b.WriteString(" ; argv[]=")
		b.WriteString(strings.Join(c.Argv, " "))
		if ex {
			b.WriteString(" ; flags=")
			b.WriteString(strings.Join(execFlags(c), " "))
		} else {
			b.WriteString(" ; ignore_errors=")
			b.WriteString(yesno(c.IgnoreFailure))
		}
		b.WriteString(" ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }")
		out = append(out, b.String())
	}
	return out
}

// execFlags names a command's prefixes as systemd's ExecStartEx shows them,
// in the order of systemd's ExecCommandFlags bits. "@" is no flag: it only
// shows in argv[0].
func execFlags(c unit.ExecCommand) []string {
	var f []string
	if c.IgnoreFailure {
		f = append(f, "ignore-failure")
	}
	if c.Privileged {
		f = append(f, "privileged")
	}
	if c.NoSetuid {
		f = append(f, "no-setuid")
	}
	if c.AmbientHack {
		f = append(f, "ambient")
	}
	if c.NoEnvExpand {
		f = append(f, "no-env-expand")
	}
	return f
}
