package loader

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/gosd/gosd/unit"
)

// sections is a set of unit-file sections a directive may appear in.
type sections uint16

const (
	secUnit sections = 1 << iota
	secInstall
	secService
	secSocket
	secTimer
	secPath
	secMount
	secAutomount
	secSwap
	secSlice
	secScope

	// Sections of the unit types that carry an exec context, a kill
	// context and a cgroup context, as systemd's load-fragment table has them.
	secExec   = secService | secSocket | secMount | secSwap
	secKill   = secExec | secScope
	secCGroup = secExec | secSlice | secScope
)

// sectionNames are the sections' names, in the order of their bits.
var sectionNames = [...]string{"Unit", "Install", "Service", "Socket", "Timer", "Path", "Mount", "Automount", "Swap", "Slice", "Scope"}

// sectionOf returns the bit of the section called name, 0 for none.
func sectionOf(name string) sections {
	for i, s := range sectionNames {
		if s == name {
			return 1 << i
		}
	}
	return 0
}

// TypeContexts reports which of the cgroup, exec and kill contexts
// (Unit.CGroup, Exec, Kill) a unit of type typ has.
func TypeContexts(typ string) (cgroup, exec, kill bool) {
	secs := typeSections(typ)
	return secs&secCGroup != 0, secs&secExec != 0, secs&secKill != 0
}

// typeSections returns the sections a unit file of type typ may contain.
func typeSections(typ string) sections {
	switch typ {
	case "service":
		return secUnit | secInstall | secService
	case "socket":
		return secUnit | secInstall | secSocket
	case "target", "device":
		return secUnit | secInstall
	case "timer":
		return secUnit | secInstall | secTimer
	case "path":
		return secUnit | secInstall | secPath
	case "mount":
		return secUnit | secInstall | secMount
	case "automount":
		return secUnit | secInstall | secAutomount
	case "swap":
		return secUnit | secInstall | secSwap
	case "slice":
		return secUnit | secInstall | secSlice
	case "scope":
		return secUnit | secScope
	}
	return 0
}

// A directive is one setting a unit file may contain. parse stores the
// option's value in the unit's typed configuration; an error it returns is
// reported as "file:line: Directive: error" and the option is ignored,
// unless it wraps errBadSetting, which makes the whole unit bad-setting,
// as systemd's fatal parse errors do.
//
// The tables of directives are static data: every entry is a literal the
// compiler lays out, with no code run at start. A parser shared by many
// directives is a type whose fields say what differs between them (the
// field it sets, a message), never a closure made by a helper function:
// those were built by 50 KB of init code and held 70 KB of heap
// (TestStaticInit and TestInitHeap keep it so).
type directive struct {
	in    sections
	name  string
	parse optionParser
	// unsupported, when set, says why gosd parses the directive but does
	// not honour it; `gosd verify` lists these.
	unsupported string
}

// An optionParser parses the value of an option o of unit u; o.Name is the
// directive's name.
type optionParser interface {
	parse(u *Unit, o *unit.Option) error
}

// parseFunc is the parser of a directive of its own.
type parseFunc func(u *Unit, o *unit.Option) error

func (f parseFunc) parse(u *Unit, o *unit.Option) error { return f(u, o) }

// errBadSetting marks a parse error that makes the unit fail to load.
var errBadSetting = errors.New("bad setting")

type badSetting struct{ err error }

func (b badSetting) Error() string   { return b.err.Error() }
func (b badSetting) Unwrap() []error { return []error{b.err, errBadSetting} }

// fatal wraps err so that the unit is marked bad-setting.
func fatal(err error) error { return badSetting{err} }

// directiveTables lists every table of directives gosd knows. Each file
// that defines typed settings contributes one table.
var directiveTables = [...][]directive{unitDirectives, installDirectives, serviceDirectives, socketDirectives, timerDirectives, pathDirectives, execDirectives, killDirectives, cgroupDirectives, mountDirectives, scopeDirectives}

// noScopes is why gosd ignores the [Scope] settings.
const noScopes = "gosd runs no scope units: scopes are transient units other programs create"

// scopeDirectives are the [Scope] settings of their own (the rest are
// the kill and cgroup contexts'). systemd reads them only from the
// transient files of scopes, which gosd does not create: they are
// checked and dropped.
var scopeDirectives = []directive{
	{in: secScope, name: "OOMPolicy", unsupported: noScopes, parse: parseFunc(func(_ *Unit, o *unit.Option) error {
		if !slices.Contains([]string{"continue", "stop", "kill"}, o.Value) {
			return fmt.Errorf("Failed to parse OOM policy, ignoring: %s", o.Value)
		}
		return nil
	})},
	{in: secScope, name: "RuntimeMaxSec", unsupported: noScopes, parse: parseFunc(parseScopeSec)},
	{in: secScope, name: "RuntimeRandomizedExtraSec", unsupported: noScopes, parse: parseFunc(parseScopeSec)},
	{in: secScope, name: "TimeoutStopSec", unsupported: noScopes, parse: parseFunc(parseScopeSec)},
}

// parseScopeSec checks a time span of [Scope].
func parseScopeSec(_ *Unit, o *unit.Option) error {
	if _, err := unit.ParseTimespan(o.Value, time.Second); err != nil {
		return fmt.Errorf("Failed to parse sec value, ignoring: %s", o.Value)
	}
	return nil
}

// directiveIndex finds every directive by name with no map built at
// start: an open-addressing hash table (linear probing) whose slots hold
// 1 + a directive's position in directiveTables, table<<indexBits | index,
// or 0 when empty. One slot per directive, not per name, so that a lookup
// goes on past a name's directive of another section. It is 4 KB, built
// in a few microseconds, and no heap; the map of names it replaced took
// 60 KB of heap.
type directiveIndex [2048]uint16

// indexBits is the width of a directive's index in its table in a slot.
const indexBits = 11

var directivesByName = buildDirectiveIndex()

func buildDirectiveIndex() directiveIndex {
	var x directiveIndex
	n := 0
	for t := range directiveTables {
		if len(directiveTables[t]) >= 1<<indexBits || t >= 1<<(16-indexBits) {
			panic("loader: directive tables too large for their index")
		}
		for i := range directiveTables[t] {
			if n++; 3*n > 2*len(x) {
				panic("loader: directive index more than 2/3 full")
			}
			h := directiveHash(directiveTables[t][i].name)
			for x[h%uint32(len(x))] != 0 {
				h++
			}
			x[h%uint32(len(x))] = uint16(t<<indexBits|i) + 1
		}
	}
	return x
}

// directiveHash is FNV-1a.
func directiveHash(name string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return h
}

// lookupDirective returns the directive called name in the sections bit
// names, or nil.
func lookupDirective(bit sections, name string) *directive {
	for h := directiveHash(name); ; h++ {
		p := directivesByName[h%uint32(len(directivesByName))]
		if p == 0 {
			return nil
		}
		p--
		d := &directiveTables[p>>indexBits][p&(1<<indexBits-1)]
		if d.name == name && d.in&bit != 0 {
			return d
		}
	}
}

// Directive describes a directive for documentation and `gosd verify`.
type Directive struct {
	Sections    []string
	Name        string
	Unsupported string
}

// Directives returns every directive gosd parses, in table order.
func Directives() []Directive {
	var out []Directive
	for _, t := range directiveTables {
		for _, d := range t {
			var secs []string
			for i, s := range sectionNames {
				if d.in&(1<<i) != 0 {
					secs = append(secs, s)
				}
			}
			out = append(out, Directive{Sections: secs, Name: d.name, Unsupported: d.unsupported})
		}
	}
	return out
}

// sectionAllowed reports whether systemd reads section sec in a unit of
// u's type.
func (u *Unit) sectionAllowed(sec string) bool {
	return u.sectionBit(sec) != 0
}

// sectionBit returns section sec's bit when systemd reads it in a unit of
// u's type, 0 otherwise.
func (u *Unit) sectionBit(sec string) sections {
	return sectionOf(sec) & typeSections(u.Type)
}

// apply runs options through the directive tables in order, as if they
// came from one fragment without section headers or parser warnings
// (tests use it to feed directives directly). A fatal setting makes the
// unit bad-setting and ends it.
func (u *Unit) apply(opts []unit.Option) {
	for i := range opts {
		if d := u.applyOption(&opts[i], nil); d != nil {
			u.fatalSetting(d)
			return
		}
	}
}

// fatalSetting marks the unit bad-setting for the fatal problem d, as
// systemd does when its fragment holds one.
func (u *Unit) fatalSetting(d *unit.Diag) {
	if u.LoadState != StateLoaded {
		return
	}
	u.LoadState = StateBadSetting
	u.LoadError = d
	u.Diags = append(u.Diags, &unit.Diag{File: u.ID, Msg: "Unit configuration has fatal error, unit will not be started."})
}

// applyFile runs one parsed file through the directive tables, in file order
// as systemd does: a header of a section the unit type does not have is
// reported (unless it is an X- section) and its lines are skipped, the
// parser's warnings about lines in such sections are dropped, and every
// unknown key is reported. diags are the parser's warnings for the file.
// A fatal setting ends the file; in the fragment it also makes the unit
// bad-setting, while in a drop-in systemd 252 just skips the rest of that
// drop-in and goes on.
func (u *Unit) applyFile(f *unit.File, diags []*unit.Diag, fragment bool) {
	hdr, di := 0, 0
	// flush emits the header and parser warnings that come before line.
	flush := func(line int) {
		for {
			hl, dl := int(^uint(0)>>1), int(^uint(0)>>1)
			if hdr < len(f.SectionLines) {
				hl = f.SectionLines[hdr]
			}
			if di < len(diags) {
				dl = diags[di].Line
			}
			if min(hl, dl) >= line {
				return
			}
			if hl <= dl {
				sec := f.Sections[hdr]
				if !u.sectionAllowed(sec) && !strings.HasPrefix(sec, "X-") {
					u.Diags = append(u.Diags, &unit.Diag{File: f.Path, Line: hl, Msg: "Unknown section '" + sec + "'. Ignoring.", Warning: true})
				}
				hdr++
				continue
			}
			if d := diags[di]; d.Section == "" || u.sectionAllowed(d.Section) {
				u.Diags = append(u.Diags, keepDiag(d))
			}
			di++
		}
	}
	n := 0
	for i := range f.Options {
		n += len(f.Options[i].Value)
	}
	vals := &values{buf: make([]byte, 0, n)}
	for i := range f.Options {
		o := &f.Options[i]
		flush(o.Line)
		if d := u.applyOption(o, vals); d != nil {
			if fragment {
				u.fatalSetting(d)
			}
			return
		}
	}
	flush(int(^uint(0) >> 1))
}

// applyOption runs one assignment through its directive. It returns the
// problem when the setting is fatal (systemd stops reading the file).
func (u *Unit) applyOption(o *unit.Option, vals *values) *unit.Diag {
	bit := u.sectionBit(o.Section)
	if bit == 0 || strings.HasPrefix(o.Name, "X-") {
		return nil // systemd ignores X- keys silently, in any section
	}
	d := lookupDirective(bit, o.Name)
	if d == nil {
		u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Msg: "Unknown key '" + o.Name + "' in section [" + o.Section + "], ignoring.", Warning: true})
		return nil
	}
	// The parser cuts names and values out of one string holding the whole
	// file: the unit keeps only copies, so that the file's text is let go.
	o.Name, o.Value = d.name, vals.clone(o.Value)
	if d.unsupported != "" && !slices.Contains(u.Unsupported(), o.Section+"."+o.Name) {
		n := u.notesRW()
		n.unsupported = append(n.unsupported, o.Section+"."+o.Name)
	}
	err := d.parse.parse(u, o)
	if err == nil {
		return nil
	}
	fatal := errors.Is(err, errBadSetting)
	dg := &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: err.Error(), Warning: !fatal}
	u.Diags = append(u.Diags, dg)
	if fatal {
		return dg
	}
	return nil
}

// values holds the copies of one file's values in one array: a string
// each left the small size classes' spans half empty once the parse's
// garbage around them was collected.
type values struct{ buf []byte }

// clone returns a copy of s, in v's array when it has room (v nil: none).
func (v *values) clone(s string) string {
	if v == nil || cap(v.buf)-len(v.buf) < len(s) || s == "" {
		return strings.Clone(s)
	}
	n := len(v.buf)
	v.buf = append(v.buf, s...)
	return unsafe.String(&v.buf[n], len(s))
}

// keepDiag returns the parser's d to keep in a unit: its Section, cut
// out of the file's text, is copied so that the text can be let go.
func keepDiag(d *unit.Diag) *unit.Diag {
	d.Section = strings.Clone(d.Section)
	return d
}

// diagWarn records a warning about option o that does not stop the option
// being applied, for directives that report more than one problem.
func (u *Unit) diagWarn(o *unit.Option, msg string) {
	u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: msg, Warning: true})
}

// parseExecInto parses an Exec*= line into l, the setting's command list:
// an empty value resets it; the commands before a broken one are kept, as
// systemd keeps them; a broken command without "-" is fatal (the unit
// becomes bad-setting), otherwise it is a warning.
func (u *Unit) parseExecInto(o *unit.Option, l *[]unit.ExecCommand) error {
	if o.Value == "" {
		*l = nil
		return nil
	}
	cmds, warnings, err := unit.ParseExecFull(o.Value, u.spec)
	for _, w := range warnings {
		u.diagWarn(o, w.Msg)
	}
	*l = append(*l, cmds...)
	if err == nil {
		return nil
	}
	var d *unit.Diag
	if !errors.As(err, &d) {
		return fatal(err)
	}
	if d.Warning {
		return errors.New(d.Msg)
	}
	return fatal(errors.New(d.Msg))
}

// eachWord calls f with each blank-separated word of value (o's value or a
// part of it), split with flags. A quoting error stops it with systemd's
// "Invalid syntax" message; the words before it stay applied, as in
// systemd. An error from f stops it too and is returned.
func eachWord(o *unit.Option, value string, flags unit.ExtractFlags, f func(word string) error) error {
	w := unit.NewWords(value)
	for {
		word, ok, err := w.Next("", flags)
		if err != nil {
			return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		if err := f(word); err != nil {
			return err
		}
	}
}
