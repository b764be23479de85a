// Package props renders units as systemd's D-Bus properties, the way
// `systemctl show` prints them: one Name=value line each, in systemd 252's
// order (the unit type's own interface, then the cgroup, exec and kill
// contexts, then the Unit interface).
package props

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gosd/gosd/loader"
	"github.com/gosd/gosd/unit"
)

// State is what show reports beside a unit's settings: its run-time state
// and its installation state. The zero value describes a unit that has
// never run.
type State struct {
	ActiveState      string // "" means inactive
	SubState         string // "" means dead
	UnitFileState    string // enabled, disabled, static, ... ("" when unknown)
	UnitFilePreset   string
	NeedDaemonReload bool
	// Runtime holds the values a running manager knows for run-time
	// properties (MainPID, Result, NRestarts, ...); a property named here
	// is shown with this value instead of its value for a unit never run.
	Runtime map[string]string
}

// Property is one rendered property. An empty Value is hidden by show
// unless --all is given.
type Property struct {
	Name  string
	Value string
}

// prop is one property of a table. get says how its value is computed,
// by its type:
//
//	string                                the value itself
//	func(*loader.Unit, *State) string     the value
//	func(*loader.X) string                the value, from context X of the unit:
//	                                      KillContext, ExecContext (with the
//	                                      type's defaults, Unit.ExecSettings),
//	                                      Service, Socket, Timer, Mount or
//	                                      CGroupContext
//	func(*loader.X) bool                  the same, shown as yes or no
//	loader.Dep                            the units of that dependency
//	rlimit                                a Limit* property
//	func(*loader.Unit, *State) []string   the values (see below)
//	func(*loader.ExecContext) []string    the values
//	func(*loader.CGroupContext) []string  the values
//	ioLimit, blockIOBandwidth, commands   the values
//
// A property with values is printed once per value (systemd prints one
// ExecStart= line per command), and not at all when there is none.
// A getter of any other type panics when shown (TestTablesComputable
// computes every property). runtime marks properties whose value comes
// from the running manager rather than from the unit's files.
//
// The tables are composite literals of these, which the compiler lays out
// as data: the manager maps all of its binary, and package init neither
// runs code nor allocates for them (TestTablesStatic). So an entry holds no
// function call and no closure over variables.
type prop struct {
	name    string
	get     any
	runtime bool
}

// value computes a property that has one value; ex is u.ExecSettings().
func (p *prop) value(u *loader.Unit, st *State, ex *loader.ExecContext) string {
	var yes bool // the value of a property shown as yes or no
	switch g := p.get.(type) {
	case string:
		return g
	case func(*loader.Unit, *State) string:
		return g(u, st)
	case func(*loader.KillContext) string:
		return g(u.Kill)
	case func(*loader.ExecContext) string:
		return g(ex)
	case func(*loader.Service) string:
		return g(u.Service)
	case func(*loader.Socket) string:
		return g(u.Socket)
	case func(*loader.Timer) string:
		return g(u.Timer)
	case func(*loader.Mount) string:
		return g(u.Mount)
	case func(*loader.CGroupContext) string:
		return g(u.CGroup)
	case loader.Dep:
		return shellQuoteList(u.Deps.Of(g))
	case rlimit:
		return g.format(ex)
	case func(*loader.KillContext) bool:
		yes = g(u.Kill)
	case func(*loader.ExecContext) bool:
		yes = g(ex)
	case func(*loader.Service) bool:
		yes = g(u.Service)
	case func(*loader.Socket) bool:
		yes = g(u.Socket)
	case func(*loader.Timer) bool:
		yes = g(u.Timer)
	case func(*loader.Mount) bool:
		yes = g(u.Mount)
	case func(*loader.CGroupContext) bool:
		yes = g(u.CGroup)
	default:
		panic(fmt.Sprintf("props: %s: cannot compute a value from a %T", p.name, p.get))
	}
	return yesno(yes)
}

// values computes a property printed once per value; ok is false for a
// property with one value. ex is u.ExecSettings().
func (p *prop) values(u *loader.Unit, st *State, ex *loader.ExecContext) (vs []string, ok bool) {
	switch g := p.get.(type) {
	case func(*loader.Unit, *State) []string:
		return g(u, st), true
	case func(*loader.ExecContext) []string:
		return g(ex), true
	case func(*loader.CGroupContext) []string:
		return g(u.CGroup), true
	case ioLimit:
		return g.values(u.CGroup), true
	case blockIOBandwidth:
		return g.values(u.CGroup), true
	case commands:
		return formatCommands(g.list(u), g.ex), true
	}
	return nil, false
}

// tablesFor returns the property tables of a unit of type typ in show's
// order: the type's own interface, those of the cgroup, exec and kill
// contexts the unit has, and the Unit interface. A table the unit does not
// have is nil.
func tablesFor(typ string, cgroup, exec, kill bool) [5][]prop {
	var t [5][]prop
	switch typ {
	case "service":
		t[0] = serviceProps
	case "socket":
		t[0] = socketProps
	case "timer":
		t[0] = timerProps
	case "path":
		t[0] = pathProps
	case "mount":
		t[0] = mountProps
	case "automount":
		t[0] = automountProps
	case "swap":
		t[0] = swapProps
	}
	if cgroup {
		t[1] = cgroupProps
	}
	if exec {
		t[2] = execProps
	}
	if kill {
		t[3] = killProps
	}
	t[4] = unitProps
	return t
}

// List returns every property of u in systemctl show's order.
func List(u *loader.Unit, st *State) []Property {
	if st == nil {
		st = &State{}
	}
	// Once for all exec properties: it copies the exec context.
	ex := u.ExecSettings()
	tables := tablesFor(u.Type, u.CGroup != nil, u.Exec != nil, u.Kill != nil)
	n := 0
	for _, t := range tables {
		n += len(t)
	}
	out := make([]Property, 0, n)
	for _, t := range tables {
		for i := range t {
			p := &t[i]
			if vs, ok := p.values(u, st, ex); ok {
				for _, v := range vs {
					out = append(out, Property{Name: p.name, Value: v})
				}
				continue
			}
			if v, ok := st.Runtime[p.name]; ok && p.runtime {
				out = append(out, Property{Name: p.name, Value: v})
				continue
			}
			out = append(out, Property{Name: p.name, Value: p.value(u, st, ex)})
		}
	}
	return out
}

// IsRuntime reports whether property name of a unit of type typ is a
// run-time property (it comes from the manager, not from the unit files).
func IsRuntime(typ, name string) bool {
	cgroup, exec, kill := loader.TypeContexts(typ)
	for _, t := range tablesFor(typ, cgroup, exec, kill) {
		for _, p := range t {
			if p.name == name {
				return p.runtime
			}
		}
	}
	return false
}

// Show writes the properties of u as systemctl show does: only those named
// in only (all when empty), hiding empty values unless all is set, and
// printing bare values when valueOnly is set.
func Show(w io.Writer, u *loader.Unit, st *State, only []string, all, valueOnly bool) {
	for _, p := range List(u, st) {
		if len(only) > 0 && !slices.Contains(only, p.Name) {
			continue
		}
		if p.Value == "" && !all {
			continue
		}
		if valueOnly {
			fmt.Fprintln(w, p.Value)
		} else {
			fmt.Fprintf(w, "%s=%s\n", p.Name, p.Value)
		}
	}
}

// Formatting helpers shared by the property tables.

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func usec(v uint64) string {
	if v == loader.Infinity {
		return "infinity"
	}
	return unit.FormatTimespan(v, 0)
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

func i64(v int64) string { return strconv.FormatInt(v, 10) }

func words(l []string) string { return strings.Join(l, " ") }

// octal prints a file mode as systemctl does.
func octal(m uint32) string { return fmt.Sprintf("%04o", m) }

// shellQuote is systemd's shell_maybe_quote(s, 0), which systemctl uses for
// each string of an array property: s itself unless it holds a blank, a
// control character, invalid UTF-8 or one of "\`$*?['()<>|&;! — then s
// in double quotes, with " \ ` $ escaped by a backslash and control
// characters and invalid bytes C-escaped (as the recorded output shows).
func shellQuote(s string) string {
	const special = " \t\n\r\"\\`$*?['()<>|&;!"
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || s[i] < ' ' || s[i] == 127 || strings.IndexByte(special, s[i]) >= 0 {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1 || s[i] < ' ' || s[i] == 127:
			b.WriteString(unit.CEscape(s[i : i+1]))
			n = 1
		case n == 1 && strings.IndexByte("\"\\`$", s[i]) >= 0:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

// shellQuoteList prints a string-array property: each string through
// shellQuote, separated by blanks.
func shellQuoteList(l []string) string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = shellQuote(s)
	}
	return strings.Join(out, " ")
}
