package loader

import (
	"errors"
	"strings"

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

var sectionBits = map[string]sections{
	"Unit": secUnit, "Install": secInstall, "Service": secService, "Socket": secSocket,
	"Timer": secTimer, "Path": secPath, "Mount": secMount, "Automount": secAutomount,
	"Swap": secSwap, "Slice": secSlice, "Scope": secScope,
}

// typeSections are the sections a unit file of each type may contain.
var typeSections = map[string]sections{
	"service":   secUnit | secInstall | secService,
	"socket":    secUnit | secInstall | secSocket,
	"target":    secUnit | secInstall,
	"timer":     secUnit | secInstall | secTimer,
	"path":      secUnit | secInstall | secPath,
	"mount":     secUnit | secInstall | secMount,
	"automount": secUnit | secInstall | secAutomount,
	"swap":      secUnit | secInstall | secSwap,
	"slice":     secUnit | secInstall | secSlice,
	"scope":     secUnit | secScope,
	"device":    secUnit | secInstall,
}

// A directive is one setting a unit file may contain. parse stores the
// option's value in the unit's typed configuration; an error it returns is
// reported as "file:line: Directive: error" and the option is ignored,
// unless it wraps errBadSetting, which makes the whole unit bad-setting,
// as systemd's fatal parse errors do.
type directive struct {
	in    sections
	name  string
	parse func(u *Unit, o *unit.Option) error
	// unsupported, when set, says why gosd parses the directive but does
	// not honour it; `gosd verify` lists these.
	unsupported string
}

// errBadSetting marks a parse error that makes the unit fail to load.
var errBadSetting = errors.New("bad setting")

type badSetting struct{ err error }

func (b badSetting) Error() string   { return b.err.Error() }
func (b badSetting) Unwrap() []error { return []error{b.err, errBadSetting} }

// fatal wraps err so that the unit is marked bad-setting.
func fatal(err error) error { return badSetting{err} }

// directiveTables lists every table of directives gosd knows. Each file
// that defines typed settings contributes one table.
func directiveTables() [][]directive {
	return [][]directive{unitDirectives, installDirectives, serviceDirectives, socketDirectives, timerDirectives, pathDirectives, execDirectives, killDirectives, cgroupDirectives, mountDirectives}
}

type directiveKey struct {
	section string
	name    string
}

// directiveIndex maps "Section"+"Name" to the directive; built once at
// start-up and never written after.
var directiveIndex = buildDirectiveIndex()

func buildDirectiveIndex() map[directiveKey]*directive {
	idx := map[directiveKey]*directive{}
	for _, t := range directiveTables() {
		for i := range t {
			d := &t[i]
			for name, bit := range sectionBits {
				if d.in&bit != 0 {
					idx[directiveKey{name, d.name}] = d
				}
			}
		}
	}
	return idx
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
	for _, t := range directiveTables() {
		for _, d := range t {
			var secs []string
			for _, s := range []string{"Unit", "Install", "Service", "Socket", "Timer", "Path", "Mount", "Automount", "Swap", "Slice", "Scope"} {
				if d.in&sectionBits[s] != 0 {
					secs = append(secs, s)
				}
			}
			out = append(out, Directive{Sections: secs, Name: d.name, Unsupported: d.unsupported})
		}
	}
	return out
}

// apply runs every option through its directive in order, reporting
// unknown sections and keys once per unit.
func (u *Unit) apply(opts []unit.Option) {
	allowed := typeSections[u.Type]
	warnedSection := map[string]bool{}
	warnedKey := map[directiveKey]bool{}
	for i := range opts {
		o := &opts[i]
		bit, known := sectionBits[o.Section]
		if !known || allowed&bit == 0 {
			if strings.HasPrefix(o.Section, "X-") {
				continue
			}
			if !warnedSection[o.Section] {
				warnedSection[o.Section] = true
				u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Msg: "Unknown section '" + o.Section + "'. Ignoring.", Warning: true})
			}
			continue
		}
		if strings.HasPrefix(o.Name, "X-") {
			continue // systemd ignores X- keys silently, in any section
		}
		k := directiveKey{o.Section, o.Name}
		d := directiveIndex[k]
		if d == nil {
			if !warnedKey[k] {
				warnedKey[k] = true
				u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Msg: "Unknown key '" + o.Name + "' in section [" + o.Section + "], ignoring.", Warning: true})
			}
			continue
		}
		if d.unsupported != "" && !warnedKey[k] {
			warnedKey[k] = true
			u.Unsupported = append(u.Unsupported, o.Section+"."+o.Name)
		}
		if err := d.parse(u, o); err != nil {
			u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: err.Error(), Warning: !errors.Is(err, errBadSetting)})
			if errors.Is(err, errBadSetting) && u.LoadState == StateLoaded {
				u.LoadState = StateBadSetting
				u.LoadError = err
			}
		}
	}
}
