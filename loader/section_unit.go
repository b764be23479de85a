package loader

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gosd/gosd/unit"
)

// UnitSection holds the [Unit] settings (systemd.unit(5)). Time spans
// are in microseconds, as systemd keeps them; Infinity means "infinity".
type UnitSection struct {
	Description         string
	Documentation       []string
	RequiresMountsFor   []string // absolute paths, each once, in the order added
	StopWhenUnneeded    bool
	RefuseManualStart   bool
	RefuseManualStop    bool
	AllowIsolate        bool
	DefaultDependencies bool
	IgnoreOnIsolate     bool

	StartLimitIntervalUSec uint64
	StartLimitBurst        uint64

	// jobs holds the job modes, job timeouts and unit actions (see the
	// methods of those names), which few units set: those that set none
	// share defaultUnitJobs, read only. A Unit is then a 576-byte
	// allocation instead of 768.
	jobs *unitJobs

	// Conditions and Asserts are in the order systemd keeps them: the
	// newest first.
	Conditions []Condition
	Asserts    []Condition
}

// unitJobs are the [Unit] settings of jobs and actions.
type unitJobs struct {
	onSuccessJobMode, onFailureJobMode, collectMode string

	jobTimeoutUSec, jobRunningTimeoutUSec      uint64
	jobTimeoutAction, jobTimeoutRebootArgument string
	// jobRunningTimeoutSet records an explicit JobRunningTimeoutSec=,
	// which JobTimeoutSec= then no longer overrides.
	jobRunningTimeoutSet bool

	startLimitAction, failureAction, successAction   string
	failureActionExitStatus, successActionExitStatus int // -1: not set
	rebootArgument                                   string
}

var defaultUnitJobs = unitJobs{
	onSuccessJobMode:        "fail",
	onFailureJobMode:        "replace",
	collectMode:             "inactive",
	jobTimeoutUSec:          Infinity,
	jobRunningTimeoutUSec:   Infinity,
	jobTimeoutAction:        "none",
	startLimitAction:        "none",
	failureAction:           "none",
	successAction:           "none",
	failureActionExitStatus: -1,
	successActionExitStatus: -1,
}

// jobsRO returns the job settings for reading.
func (s *UnitSection) jobsRO() *unitJobs { return readRare(s.jobs, &defaultUnitJobs) }

// jobsRW returns the job settings for writing: the unit's own copy, made
// from the defaults on first use.
func (s *UnitSection) jobsRW() *unitJobs { return writeRare(&s.jobs, &defaultUnitJobs) }

// OnSuccessJobMode is OnSuccessJobMode=.
func (s *UnitSection) OnSuccessJobMode() string { return s.jobsRO().onSuccessJobMode }

// OnFailureJobMode is OnFailureJobMode= (or OnFailureIsolate=).
func (s *UnitSection) OnFailureJobMode() string { return s.jobsRO().onFailureJobMode }

// CollectMode is CollectMode=.
func (s *UnitSection) CollectMode() string { return s.jobsRO().collectMode }

// JobTimeoutUSec is JobTimeoutSec=.
func (s *UnitSection) JobTimeoutUSec() uint64 { return s.jobsRO().jobTimeoutUSec }

// JobRunningTimeoutUSec is JobRunningTimeoutSec= (or JobTimeoutSec=).
func (s *UnitSection) JobRunningTimeoutUSec() uint64 { return s.jobsRO().jobRunningTimeoutUSec }

// JobTimeoutAction is JobTimeoutAction=.
func (s *UnitSection) JobTimeoutAction() string { return s.jobsRO().jobTimeoutAction }

// JobTimeoutRebootArgument is JobTimeoutRebootArgument=.
func (s *UnitSection) JobTimeoutRebootArgument() string {
	return s.jobsRO().jobTimeoutRebootArgument
}

// StartLimitAction is StartLimitAction=.
func (s *UnitSection) StartLimitAction() string { return s.jobsRO().startLimitAction }

// FailureAction is FailureAction=.
func (s *UnitSection) FailureAction() string { return s.jobsRO().failureAction }

// SuccessAction is SuccessAction=.
func (s *UnitSection) SuccessAction() string { return s.jobsRO().successAction }

// FailureActionExitStatus is FailureActionExitStatus= (-1: not set).
func (s *UnitSection) FailureActionExitStatus() int { return s.jobsRO().failureActionExitStatus }

// SuccessActionExitStatus is SuccessActionExitStatus= (-1: not set).
func (s *UnitSection) SuccessActionExitStatus() int { return s.jobsRO().successActionExitStatus }

// RebootArgument is RebootArgument=.
func (s *UnitSection) RebootArgument() string { return s.jobsRO().rebootArgument }

// Condition is one Condition*= or Assert*= setting.
type Condition struct {
	Type    string // "PathExists", without the Condition/Assert prefix
	Trigger bool   // "|": any of the triggering conditions suffices
	Negate  bool   // "!"
	Param   string
}

// Infinity is systemd's USEC_INFINITY.
const Infinity = ^uint64(0)

// defaults of the manager, as systemd 252's system.conf has them.
const (
	defaultStartLimitInterval = 10_000_000
	defaultStartLimitBurst    = 5
)

func newUnitSection() UnitSection {
	return UnitSection{
		DefaultDependencies:    true,
		StartLimitIntervalUSec: defaultStartLimitInterval,
		StartLimitBurst:        defaultStartLimitBurst,
	}
}

//go:noinline
func depDirective(name string, d Dep) directive {
	return directive{in: secUnit, name: name, parse: func(u *Unit, o *unit.Option) error { return u.parseDeps(o, d) }}
}

// obsoleteDepDirective is a dependency directive systemd 252 still reads
// under its old name, with a warning.
//
//go:noinline
func obsoleteDepDirective(name string, d Dep) directive {
	return directive{in: secUnit, name: name, parse: func(u *Unit, o *unit.Option) error {
		u.diagWarn(o, fmt.Sprintf("Unit dependency type %s= is obsolete, replacing by %s=, please update your unit file", o.Name, d))
		return u.parseDeps(o, d)
	}}
}

// removedDirective is a directive systemd 252 accepts and ignores with a
// warning (config_parse_warn_compat with DISABLED_LEGACY).
func removedDirective(in sections, name string) directive {
	return directive{in: in, name: name, parse: parseRemoved}
}

// parseRemoved is config_parse_warn_compat(DISABLED_LEGACY).
func parseRemoved(_ *Unit, o *unit.Option) error {
	return fmt.Errorf("Support for option %s= has been removed and it is ignored", o.Name)
}

//go:noinline
func boolDirective(in sections, name string, field func(u *Unit) *bool) directive {
	return directive{in: in, name: name, parse: func(u *Unit, o *unit.Option) error {
		b, err := unit.ParseBool(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to parse boolean value, ignoring: %s", o.Value)
		}
		*field(u) = b
		return nil
	}}
}

// unitSecDirective is config_parse_sec: a time span, with systemd's generic
// message.
//
//go:noinline
func unitSecDirective(in sections, name string, field func(u *Unit) *uint64) directive {
	return directive{in: in, name: name, parse: func(u *Unit, o *unit.Option) error {
		v, err := unit.ParseTimespan(o.Value, time.Second)
		if err != nil {
			return fmt.Errorf("Failed to parse sec value, ignoring: %s", o.Value)
		}
		*field(u) = v
		return nil
	}}
}

func enumDirective(in sections, name string, values []string, field func(u *Unit) *string) directive {
	return namedEnumDirective(in, name, strings.ToLower(name), values, field)
}

// namedEnumDirective takes one of values; what names the kind of value
// in systemd's message ("Failed to parse job mode, ignoring: x").
//
//go:noinline
func namedEnumDirective(in sections, name, what string, values []string, field func(u *Unit) *string) directive {
	return directive{in: in, name: name, parse: func(u *Unit, o *unit.Option) error {
		if !slices.Contains(values, o.Value) {
			return fmt.Errorf("Failed to parse %s, ignoring: %s", what, o.Value)
		}
		*field(u) = o.Value
		return nil
	}}
}

// actionDirective is config_parse_emergency_action for the system manager.
//
//go:noinline
func actionDirective(in sections, name string, field func(u *Unit) *string) directive {
	return directive{in: in, name: name, parse: func(u *Unit, o *unit.Option) error {
		if !slices.Contains(emergencyActions, o.Value) {
			return fmt.Errorf("Failed to parse %s=, ignoring: %s", o.Name, o.Value)
		}
		*field(u) = o.Value
		return nil
	}}
}

// jobModes are systemd 252's job modes.
var jobModes = []string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "triggering"}

// emergencyActions are the actions systemd 252 knows (kexec, halt and
// soft-reboot came later).
var emergencyActions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate", "exit", "exit-force"}

// conditionTypes are the Condition*= kinds of systemd 252, with whether
// they take a path. Every one but Firmware also exists as Assert*=.
var conditionTypes = []struct {
	name string
	path bool
}{
	{"Architecture", false}, {"Firmware", false}, {"Virtualization", false}, {"Host", false},
	{"KernelCommandLine", false}, {"KernelVersion", false}, {"Credential", false}, {"Security", false},
	{"Capability", false}, {"ACPower", false}, {"NeedsUpdate", true}, {"FirstBoot", false},
	{"PathExists", true}, {"PathExistsGlob", true}, {"PathIsDirectory", true}, {"PathIsSymbolicLink", true},
	{"PathIsMountPoint", true}, {"PathIsReadWrite", true}, {"PathIsEncrypted", true},
	{"DirectoryNotEmpty", true}, {"FileNotEmpty", true}, {"FileIsExecutable", true},
	{"User", false}, {"Group", false}, {"ControlGroupController", false}, {"Memory", false},
	{"CPUs", false}, {"CPUFeature", false}, {"OSRelease", false}, {"MemoryPressure", false},
	{"CPUPressure", false}, {"IOPressure", false}, {"Environment", false},
}

var unitDirectives = func() []directive {
	t := []directive{
		{in: secUnit, name: "Description", parse: func(u *Unit, o *unit.Option) error {
			s, err := u.spec.Expand(o.Value)
			if err != nil {
				return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %w", o.Value, err)
			}
			u.Unit.Description = s
			return nil
		}},
		{in: secUnit, name: "Documentation", parse: (*Unit).parseDocumentation},
		{in: secUnit, name: "SourcePath", parse: func(u *Unit, o *unit.Option) error {
			if o.Value == "" {
				if u.notes != nil {
					u.notes.sourcePath = ""
				}
				return nil
			}
			p, msg := u.unitPath(o, o.Value)
			if msg != "" {
				return fmt.Errorf("%s", msg)
			}
			u.notesRW().sourcePath = p
			return nil
		}},
		{in: secUnit, name: "RequiresMountsFor", parse: (*Unit).parseRequiresMountsFor},
		depDirective("Requires", Requires),
		depDirective("Requisite", Requisite),
		depDirective("Wants", Wants),
		depDirective("BindsTo", BindsTo),
		depDirective("BindTo", BindsTo),
		depDirective("Upholds", Upholds),
		depDirective("PartOf", PartOf),
		depDirective("Conflicts", Conflicts),
		depDirective("Before", Before),
		depDirective("After", After),
		depDirective("OnSuccess", OnSuccess),
		depDirective("OnFailure", OnFailure),
		depDirective("PropagatesReloadTo", PropagatesReloadTo),
		depDirective("PropagateReloadTo", PropagatesReloadTo),
		depDirective("ReloadPropagatedFrom", ReloadPropagatedFrom),
		depDirective("PropagateReloadFrom", ReloadPropagatedFrom),
		depDirective("PropagatesStopTo", PropagatesStopTo),
		depDirective("StopPropagatedFrom", StopPropagatedFrom),
		depDirective("JoinsNamespaceOf", JoinsNamespaceOf),
		obsoleteDepDirective("RequiresOverridable", Requires),
		obsoleteDepDirective("RequisiteOverridable", Requisite),
		boolDirective(secUnit, "StopWhenUnneeded", func(u *Unit) *bool { return &u.Unit.StopWhenUnneeded }),
		boolDirective(secUnit, "RefuseManualStart", func(u *Unit) *bool { return &u.Unit.RefuseManualStart }),
		boolDirective(secUnit, "RefuseManualStop", func(u *Unit) *bool { return &u.Unit.RefuseManualStop }),
		boolDirective(secUnit, "AllowIsolate", func(u *Unit) *bool { return &u.Unit.AllowIsolate }),
		boolDirective(secUnit, "DefaultDependencies", func(u *Unit) *bool { return &u.Unit.DefaultDependencies }),
		boolDirective(secUnit, "IgnoreOnIsolate", func(u *Unit) *bool { return &u.Unit.IgnoreOnIsolate }),
		removedDirective(secUnit, "IgnoreOnSnapshot"),
		namedEnumDirective(secUnit, "OnSuccessJobMode", "job mode", jobModes, func(u *Unit) *string { return &u.Unit.jobsRW().onSuccessJobMode }),
		namedEnumDirective(secUnit, "OnFailureJobMode", "job mode", jobModes, func(u *Unit) *string { return &u.Unit.jobsRW().onFailureJobMode }),
		{in: secUnit, name: "OnFailureIsolate", parse: func(u *Unit, o *unit.Option) error {
			b, err := unit.ParseBool(o.Value)
			if err != nil {
				return fmt.Errorf("Failed to parse boolean, ignoring: %s", o.Value)
			}
			u.Unit.jobsRW().onFailureJobMode = "replace"
			if b {
				u.Unit.jobsRW().onFailureJobMode = "isolate"
			}
			return nil
		}},
		namedEnumDirective(secUnit, "CollectMode", "garbage collection mode", []string{"inactive", "inactive-or-failed"}, func(u *Unit) *string { return &u.Unit.jobsRW().collectMode }),
		// JobTimeoutSec= also sets the running timeout, unless
		// JobRunningTimeoutSec= is given (in any order); 0 is "infinity".
		{in: secUnit, name: "JobTimeoutSec", parse: func(u *Unit, o *unit.Option) error {
			v, err := parseSecFix0Unit(o)
			if err != nil {
				return err
			}
			u.Unit.jobsRW().jobTimeoutUSec = v
			if !u.Unit.jobsRO().jobRunningTimeoutSet {
				u.Unit.jobsRW().jobRunningTimeoutUSec = v
			}
			return nil
		}},
		{in: secUnit, name: "JobRunningTimeoutSec", parse: func(u *Unit, o *unit.Option) error {
			v, err := parseSecFix0Unit(o)
			if err != nil {
				return err
			}
			u.Unit.jobsRW().jobRunningTimeoutUSec = v
			u.Unit.jobsRW().jobRunningTimeoutSet = true
			return nil
		}},
		actionDirective(secUnit, "JobTimeoutAction", func(u *Unit) *string { return &u.Unit.jobsRW().jobTimeoutAction }),
		{in: secUnit, name: "JobTimeoutRebootArgument", parse: func(u *Unit, o *unit.Option) error {
			return parseRebootArgument(o, &u.Unit.jobsRW().jobTimeoutRebootArgument)
		}},
		unitSecDirective(secUnit, "StartLimitIntervalSec", func(u *Unit) *uint64 { return &u.Unit.StartLimitIntervalUSec }),
		unitSecDirective(secUnit|secService, "StartLimitInterval", func(u *Unit) *uint64 { return &u.Unit.StartLimitIntervalUSec }),
		{in: secUnit | secService, name: "StartLimitBurst", parse: func(u *Unit, o *unit.Option) error {
			n, err := cgAtou64(o.Value)
			if err != nil || n > 1<<32-1 {
				return fmt.Errorf("Failed to parse unsigned value, ignoring: %s", o.Value)
			}
			u.Unit.StartLimitBurst = n
			return nil
		}},
		actionDirective(secUnit|secService, "StartLimitAction", func(u *Unit) *string { return &u.Unit.jobsRW().startLimitAction }),
		actionDirective(secUnit|secService, "FailureAction", func(u *Unit) *string { return &u.Unit.jobsRW().failureAction }),
		actionDirective(secUnit, "SuccessAction", func(u *Unit) *string { return &u.Unit.jobsRW().successAction }),
		{in: secUnit, name: "FailureActionExitStatus", parse: func(u *Unit, o *unit.Option) error {
			return parseExitStatus(o, &u.Unit.jobsRW().failureActionExitStatus)
		}},
		{in: secUnit, name: "SuccessActionExitStatus", parse: func(u *Unit, o *unit.Option) error {
			return parseExitStatus(o, &u.Unit.jobsRW().successActionExitStatus)
		}},
		{in: secUnit | secService, name: "RebootArgument", parse: func(u *Unit, o *unit.Option) error {
			return parseRebootArgument(o, &u.Unit.jobsRW().rebootArgument)
		}},
	}
	for _, c := range conditionTypes {
		t = append(t, directive{in: secUnit, name: "Condition" + c.name, parse: condParser(c.name, c.path, false)})
		if c.name != "Firmware" {
			t = append(t, directive{in: secUnit, name: "Assert" + c.name, parse: condParser(c.name, c.path, true)})
		}
	}
	return t
}()

// installDirectives is [Install]. Its settings do not affect a loaded
// unit and are not kept (the install package reads them from the files
// itself), but they are checked as systemd checks them on load: a list
// that does not split into words is reported.
var installDirectives = []directive{
	{in: secInstall, name: "WantedBy", parse: parseInstallList},
	{in: secInstall, name: "RequiredBy", parse: parseInstallList},
	{in: secInstall, name: "Alias", parse: parseInstallList},
	{in: secInstall, name: "Also", parse: parseInstallList},
	{in: secInstall, name: "DefaultInstance", parse: func(*Unit, *unit.Option) error { return nil }},
}

// parseInstallList checks a list of [Install]: words, or empty (a reset).
func parseInstallList(_ *Unit, o *unit.Option) error {
	if _, err := unit.SplitWords(o.Value); err != nil {
		return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
	}
	return nil
}

// parseSecFix0Unit is parse_sec_fix_0() for the job timeouts: a time
// span where 0 means "infinity".
func parseSecFix0Unit(o *unit.Option) (uint64, error) {
	v, err := unit.ParseTimespan(o.Value, time.Second)
	if err != nil {
		return 0, fmt.Errorf("Failed to parse %s= parameter, ignoring: %s", o.Name, o.Value)
	}
	if v == 0 {
		v = Infinity
	}
	return v, nil
}

// parseRebootArgument is config_parse_reboot_parameter: printable ASCII
// of at most 255 bytes; empty resets.
func parseRebootArgument(o *unit.Option, dst *string) error {
	if len(o.Value) > 255 {
		return fmt.Errorf("Invalid reboot parameter '%s', ignoring.", o.Value)
	}
	for i := 0; i < len(o.Value); i++ {
		if c := o.Value[i]; c < ' ' || c >= 0x7f {
			return fmt.Errorf("Invalid reboot parameter '%s', ignoring.", o.Value)
		}
	}
	*dst = o.Value
	return nil
}

// condParser parses one Condition*= or Assert*=. An empty value removes
// the conditions of that kind only. A leading "|" marks a triggering
// condition and a following "!" negates it; systemd skips no blanks
// between them. Path conditions must be absolute.
//
//go:noinline
func condParser(typ string, isPath, assert bool) func(u *Unit, o *unit.Option) error {
	return func(u *Unit, o *unit.Option) error {
		list := &u.Unit.Conditions
		if assert {
			list = &u.Unit.Asserts
		}
		v := o.Value
		if v == "" {
			*list = slices.DeleteFunc(*list, func(c Condition) bool { return c.Type == typ })
			return nil
		}
		c := Condition{Type: typ}
		v, c.Trigger = strings.CutPrefix(v, "|")
		v, c.Negate = strings.CutPrefix(v, "!")
		if isPath {
			p, err := u.spec.ExpandPath(v)
			if err != nil {
				return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %v", v, err)
			}
			p, msg := simplifyPathChecked(o.Name, p)
			if msg != "" {
				return fmt.Errorf("%s", msg)
			}
			c.Param = p
		} else {
			s, err := u.spec.Expand(v)
			if err != nil {
				return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", v, err)
			}
			c.Param = s
		}
		*list = append([]Condition{c}, *list...)
		return nil
	}
}

// simplifyPathChecked is systemd's path_simplify_and_warn() with
// PATH_CHECK_ABSOLUTE: the simplified path, or why it is refused.
func simplifyPathChecked(lvalue, p string) (string, string) {
	if !utf8.ValidString(p) {
		return "", "String is not UTF-8 clean, ignoring assignment: " + unit.CEscape(p)
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Sprintf("%s= path is not absolute, ignoring: %s", lvalue, p)
	}
	p = unit.PathSimplify(p)
	if len(p) >= 4096 {
		return "", fmt.Sprintf("%s= path has invalid length (%d bytes), ignoring.", lvalue, len(p))
	}
	if p == "/.." || strings.HasPrefix(p, "/../") || strings.HasSuffix(p, "/..") || strings.Contains(p, "/../") {
		return "", fmt.Sprintf("%s= path is not normalized, ignoring: %s", lvalue, p)
	}
	return p, ""
}

// unitPath is config_parse_unit_path_printf for optional settings:
// specifiers expanded, then an absolute, normalized path.
func (u *Unit) unitPath(o *unit.Option, v string) (string, string) {
	p, err := u.spec.ExpandPath(v)
	if err != nil {
		return "", fmt.Sprintf("Failed to resolve unit specifiers in '%s', ignoring: %v", v, err)
	}
	return simplifyPathChecked(o.Name, p)
}

// parseRequiresMountsFor adds absolute paths, each once. An empty value
// adds nothing: systemd has no way to reset the list.
func (u *Unit) parseRequiresMountsFor(o *unit.Option) error {
	return eachWord(o, o.Value, unit.ExtractUnquote, func(w string) error {
		p, msg := u.unitPath(o, w)
		if msg != "" {
			u.diagWarn(o, msg)
			return nil
		}
		u.Unit.RequiresMountsFor = appendUnique(u.Unit.RequiresMountsFor, p)
		return nil
	})
}

// parseExitStatus is config_parse_exit_status: 0..255; empty unsets.
func parseExitStatus(o *unit.Option, dst *int) error {
	if o.Value == "" {
		*dst = -1
		return nil
	}
	n, err := cgAtou64(o.Value)
	if err == nil && n > 255 {
		err = syscall.ERANGE
	}
	if err != nil {
		return fmt.Errorf("Failed to parse exit status '%s', ignoring: %s", o.Value, cgStrerror(err))
	}
	*dst = int(n)
	return nil
}

// parseDeps adds the unit names of a dependency setting (config_parse_unit_deps).
// Names are separated by whitespace, quotes have no meaning, and
// specifiers are expanded; names that cannot be used are reported and
// skipped. An empty value adds nothing.
func (u *Unit) parseDeps(o *unit.Option, d Dep) error {
	return eachWord(o, o.Value, unit.ExtractRetainEscape, func(w string) error {
		name, err := u.spec.ExpandName(w)
		if err != nil {
			u.diagWarn(o, fmt.Sprintf("Failed to resolve unit specifiers in '%s', ignoring: %v", w, err))
			return nil
		}
		if err := u.addNamedDep(d, name); err != nil {
			u.diagWarn(o, fmt.Sprintf("Failed to add dependency on %s, ignoring: %s", name, cgStrerror(err)))
		}
		return nil
	})
}

// selfDepWarned are the kinds for which systemd reports a dependency of a
// unit on itself; it drops the others silently.
var selfDepWarned = []Dep{Conflicts, ConflictedBy, Before, After, OnSuccess, OnFailure, Triggers, TriggeredBy}

// addNamedDep adds a dependency named in a unit file or a .wants-style
// directory, as systemd's unit_add_dependency_by_name() does: a template
// name gets the unit's instance, or for a unit without one its name
// prefix ("foo@.service" in bar.target gives foo@bar.service); names that
// cannot be loaded are EINVAL; a dependency on the unit itself is dropped
// (with a warning for ordering, conflicts and triggers).
func (u *Unit) addNamedDep(d Dep, name string) error {
	if unit.IsTemplate(name) {
		inst := u.Instance()
		if inst == "" {
			inst, _, _, _ = unit.SplitName(u.ID)
		}
		x, err := unit.Instantiate(name, inst)
		if err != nil {
			return syscall.EINVAL
		}
		name = x
	}
	if !unit.IsValidName(name) || unit.IsTemplate(name) {
		return syscall.EINVAL
	}
	if slices.Contains(u.Names, name) {
		if slices.Contains(selfDepWarned, d) {
			u.unitWarn(fmt.Sprintf("Dependency %s=%s is dropped.", d, u.ID))
		}
		return nil
	}
	u.addDep(d, name)
	return nil
}

// addDep records a dependency. A unit never depends on itself, and
// nothing is ordered before a device unit (systemd reports that).
func (u *Unit) addDep(d Dep, name string) {
	if slices.Contains(u.Names, name) {
		return
	}
	if d == Before && unit.NameType(name) == "device" {
		u.unitWarn(fmt.Sprintf("Dependency Before=%s ignored (.device units cannot be delayed)", name))
		return
	}
	if u.fwd == nil {
		u.fwd = make([]depEdge, 0, 16) // most units get about a dozen
	}
	u.fwd = append(u.fwd, depEdge{d, name})
}

// unitWarn records a warning systemd logs about the unit rather than a
// line of one of its files ("foo.service: message").
func (u *Unit) unitWarn(msg string) {
	u.Diags = append(u.Diags, &unit.Diag{File: u.ID, Msg: msg, Warning: true})
}

// documentationURLValid is systemd's documentation_url_is_valid():
// http(s)://, file:/, info: and man: URLs with something after the scheme,
// in ASCII.
func documentationURLValid(s string) bool {
	rest := ""
	switch {
	case strings.HasPrefix(s, "http://"):
		rest = s[len("http://"):]
	case strings.HasPrefix(s, "https://"):
		rest = s[len("https://"):]
	case strings.HasPrefix(s, "file:/"):
		rest = s[len("file:/"):]
	case strings.HasPrefix(s, "info:"):
		rest = s[len("info:"):]
	case strings.HasPrefix(s, "man:"):
		rest = s[len("man:"):]
	}
	if rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] >= 0x80 || rest[i] == 0 {
			return false
		}
	}
	return true
}

// parseDocumentation is config_parse_documentation: specifiers are
// expanded in the whole value first (failing drops the line), then the
// value is split into words (a quoting error keeps the words before it),
// and words that are not valid documentation URLs are dropped. Empty
// resets the list.
func (u *Unit) parseDocumentation(o *unit.Option) error {
	if o.Value == "" {
		u.Unit.Documentation = nil
		return nil
	}
	v, err := u.spec.Expand(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	var words []string
	rest := v
	for {
		w, r, ok, err := unit.ExtractWord(rest, "", unit.ExtractUnquote|unit.ExtractRetainEscape)
		if err != nil {
			u.diagWarn(o, "Invalid syntax, ignoring: "+v)
			break
		}
		if !ok {
			break
		}
		rest = r
		words = append(words, w)
	}
	for _, w := range words {
		if !documentationURLValid(w) {
			u.diagWarn(o, "Invalid URL, ignoring: "+w)
			continue
		}
		u.Unit.Documentation = append(u.Unit.Documentation, w)
	}
	return nil
}

func appendUnique(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}
