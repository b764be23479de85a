package loader

import (
	"fmt"
	"strings"
	"time"

	"github.com/gosd/gosd/unit"
)

// UnitSection holds the [Unit] settings (systemd.unit(5)). Time spans
// are in microseconds, as systemd keeps them; Infinity means "infinity".
type UnitSection struct {
	Description         string
	Documentation       []string
	RequiresMountsFor   []string
	StopWhenUnneeded    bool
	RefuseManualStart   bool
	RefuseManualStop    bool
	AllowIsolate        bool
	DefaultDependencies bool
	IgnoreOnIsolate     bool
	OnSuccessJobMode    string
	OnFailureJobMode    string
	CollectMode         string

	JobTimeoutUSec           uint64
	JobRunningTimeoutUSec    uint64
	JobTimeoutAction         string
	JobTimeoutRebootArgument string

	StartLimitIntervalUSec  uint64
	StartLimitBurst         uint64
	StartLimitAction        string
	FailureAction           string
	SuccessAction           string
	FailureActionExitStatus int // -1: not set
	SuccessActionExitStatus int // -1: not set
	RebootArgument          string

	Conditions []Condition
	Asserts    []Condition
}

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
		DefaultDependencies:     true,
		OnSuccessJobMode:        "fail",
		OnFailureJobMode:        "replace",
		CollectMode:             "inactive",
		JobTimeoutUSec:          Infinity,
		JobRunningTimeoutUSec:   Infinity,
		JobTimeoutAction:        "none",
		StartLimitIntervalUSec:  defaultStartLimitInterval,
		StartLimitBurst:         defaultStartLimitBurst,
		StartLimitAction:        "none",
		FailureAction:           "none",
		SuccessAction:           "none",
		FailureActionExitStatus: -1,
		SuccessActionExitStatus: -1,
	}
}

// InstallSection holds [Install]. It does not affect a loaded unit; the
// install package reads these settings from the files itself.
type InstallSection struct {
	WantedBy, RequiredBy, UpheldBy, Alias, Also []string
	DefaultInstance                             string
}

func depDirective(name string, d Dep) directive {
	return directive{in: secUnit, name: name, parse: func(u *Unit, o *unit.Option) error { return u.parseDeps(o, d) }}
}

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

func timeDirective(in sections, name string, field func(u *Unit) *uint64) directive {
	return directive{in: in, name: name, parse: func(u *Unit, o *unit.Option) error {
		v, err := unit.ParseTimespan(o.Value, time.Second)
		if err != nil {
			return fmt.Errorf("Failed to parse %s= parameter, ignoring: %s", o.Name, o.Value)
		}
		*field(u) = v
		return nil
	}}
}

func enumDirective(in sections, name string, values []string, field func(u *Unit) *string) directive {
	return directive{in: in, name: name, parse: func(u *Unit, o *unit.Option) error {
		for _, v := range values {
			if o.Value == v {
				*field(u) = v
				return nil
			}
		}
		return fmt.Errorf("Failed to parse %s, ignoring: %s", strings.ToLower(name), o.Value)
	}}
}

var jobModes = []string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements"}
var emergencyActions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate", "exit", "exit-force", "soft-reboot", "soft-reboot-force", "kexec", "kexec-force", "halt", "halt-force", "halt-immediate"}

var conditionTypes = []string{
	"Architecture", "Firmware", "Virtualization", "Host", "KernelCommandLine", "KernelVersion",
	"Credential", "Security", "Capability", "ACPower", "NeedsUpdate", "FirstBoot", "PathExists",
	"PathExistsGlob", "PathIsDirectory", "PathIsSymbolicLink", "PathIsMountPoint", "PathIsReadWrite",
	"PathIsEncrypted", "DirectoryNotEmpty", "FileNotEmpty", "FileIsExecutable", "User", "Group",
	"ControlGroupController", "Memory", "CPUs", "CPUFeature", "OSRelease", "MemoryPressure",
	"CPUPressure", "IOPressure", "Environment",
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
			u.SourcePath = o.Value
			return nil
		}},
		{in: secUnit, name: "RequiresMountsFor", parse: func(u *Unit, o *unit.Option) error {
			if o.Value == "" {
				u.Unit.RequiresMountsFor = nil
				return nil
			}
			words, err := unit.SplitWords(o.Value)
			if err != nil {
				return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
			}
			for _, w := range words {
				p, err := u.spec.ExpandPath(w)
				if err != nil || !strings.HasPrefix(p, "/") {
					u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: "Path '" + w + "' is not absolute, ignoring.", Warning: true})
					continue
				}
				u.Unit.RequiresMountsFor = appendUnique(u.Unit.RequiresMountsFor, unit.PathSimplify(p))
			}
			return nil
		}},
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
		boolDirective(secUnit, "StopWhenUnneeded", func(u *Unit) *bool { return &u.Unit.StopWhenUnneeded }),
		boolDirective(secUnit, "RefuseManualStart", func(u *Unit) *bool { return &u.Unit.RefuseManualStart }),
		boolDirective(secUnit, "RefuseManualStop", func(u *Unit) *bool { return &u.Unit.RefuseManualStop }),
		boolDirective(secUnit, "AllowIsolate", func(u *Unit) *bool { return &u.Unit.AllowIsolate }),
		boolDirective(secUnit, "DefaultDependencies", func(u *Unit) *bool { return &u.Unit.DefaultDependencies }),
		boolDirective(secUnit, "IgnoreOnIsolate", func(u *Unit) *bool { return &u.Unit.IgnoreOnIsolate }),
		enumDirective(secUnit, "OnSuccessJobMode", jobModes, func(u *Unit) *string { return &u.Unit.OnSuccessJobMode }),
		enumDirective(secUnit, "OnFailureJobMode", jobModes, func(u *Unit) *string { return &u.Unit.OnFailureJobMode }),
		{in: secUnit, name: "OnFailureIsolate", parse: func(u *Unit, o *unit.Option) error {
			b, err := unit.ParseBool(o.Value)
			if err != nil {
				return fmt.Errorf("Failed to parse boolean value, ignoring: %s", o.Value)
			}
			if b {
				u.Unit.OnFailureJobMode = "isolate"
			} else {
				u.Unit.OnFailureJobMode = "replace"
			}
			return nil
		}},
		enumDirective(secUnit, "CollectMode", []string{"inactive", "inactive-or-failed"}, func(u *Unit) *string { return &u.Unit.CollectMode }),
		timeDirective(secUnit, "JobTimeoutSec", func(u *Unit) *uint64 { return &u.Unit.JobTimeoutUSec }),
		timeDirective(secUnit, "JobRunningTimeoutSec", func(u *Unit) *uint64 { return &u.Unit.JobRunningTimeoutUSec }),
		enumDirective(secUnit, "JobTimeoutAction", emergencyActions, func(u *Unit) *string { return &u.Unit.JobTimeoutAction }),
		{in: secUnit, name: "JobTimeoutRebootArgument", parse: func(u *Unit, o *unit.Option) error {
			u.Unit.JobTimeoutRebootArgument = o.Value
			return nil
		}},
		timeDirective(secUnit|secService, "StartLimitIntervalSec", func(u *Unit) *uint64 { return &u.Unit.StartLimitIntervalUSec }),
		timeDirective(secService, "StartLimitInterval", func(u *Unit) *uint64 { return &u.Unit.StartLimitIntervalUSec }),
		{in: secUnit | secService, name: "StartLimitBurst", parse: func(u *Unit, o *unit.Option) error {
			var n uint64
			if _, err := fmt.Sscanf(o.Value, "%d", &n); err != nil || fmt.Sprint(n) != o.Value {
				return fmt.Errorf("Failed to parse %s, ignoring: %s", o.Name, o.Value)
			}
			u.Unit.StartLimitBurst = n
			return nil
		}},
		enumDirective(secUnit|secService, "StartLimitAction", emergencyActions, func(u *Unit) *string { return &u.Unit.StartLimitAction }),
		enumDirective(secUnit|secService, "FailureAction", emergencyActions, func(u *Unit) *string { return &u.Unit.FailureAction }),
		enumDirective(secUnit|secService, "SuccessAction", emergencyActions, func(u *Unit) *string { return &u.Unit.SuccessAction }),
		{in: secUnit, name: "FailureActionExitStatus", parse: func(u *Unit, o *unit.Option) error { return parseExitStatus(o, &u.Unit.FailureActionExitStatus) }},
		{in: secUnit, name: "SuccessActionExitStatus", parse: func(u *Unit, o *unit.Option) error { return parseExitStatus(o, &u.Unit.SuccessActionExitStatus) }},
		{in: secUnit | secService, name: "RebootArgument", parse: func(u *Unit, o *unit.Option) error {
			u.Unit.RebootArgument = o.Value
			return nil
		}},
	}
	for _, c := range conditionTypes {
		t = append(t,
			directive{in: secUnit, name: "Condition" + c, parse: condParser(c, false)},
			directive{in: secUnit, name: "Assert" + c, parse: condParser(c, true)})
	}
	return t
}()

var installDirectives = []directive{
	{in: secInstall, name: "WantedBy", parse: installList(func(i *InstallSection) *[]string { return &i.WantedBy })},
	{in: secInstall, name: "RequiredBy", parse: installList(func(i *InstallSection) *[]string { return &i.RequiredBy })},
	{in: secInstall, name: "UpheldBy", parse: installList(func(i *InstallSection) *[]string { return &i.UpheldBy })},
	{in: secInstall, name: "Alias", parse: installList(func(i *InstallSection) *[]string { return &i.Alias })},
	{in: secInstall, name: "Also", parse: installList(func(i *InstallSection) *[]string { return &i.Also })},
	{in: secInstall, name: "DefaultInstance", parse: func(u *Unit, o *unit.Option) error {
		u.Install.DefaultInstance = o.Value
		return nil
	}},
}

func installList(field func(*InstallSection) *[]string) func(u *Unit, o *unit.Option) error {
	return func(u *Unit, o *unit.Option) error {
		l := field(&u.Install)
		if o.Value == "" {
			*l = nil
			return nil
		}
		words, err := unit.SplitWords(o.Value)
		if err != nil {
			return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
		}
		*l = append(*l, words...)
		return nil
	}
}

func condParser(typ string, assert bool) func(u *Unit, o *unit.Option) error {
	return func(u *Unit, o *unit.Option) error {
		list := &u.Unit.Conditions
		if assert {
			list = &u.Unit.Asserts
		}
		v := o.Value
		if v == "" {
			*list = nil
			return nil
		}
		c := Condition{Type: typ}
		if strings.HasPrefix(v, "|") {
			c.Trigger = true
			v = strings.TrimLeft(v[1:], " \t")
		}
		if strings.HasPrefix(v, "!") {
			c.Negate = true
			v = strings.TrimLeft(v[1:], " \t")
		}
		p, err := u.spec.Expand(v)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %w", v, err)
		}
		c.Param = p
		*list = append(*list, c)
		return nil
	}
}

func parseExitStatus(o *unit.Option, dst *int) error {
	if o.Value == "" {
		*dst = -1
		return nil
	}
	var n int
	if _, err := fmt.Sscanf(o.Value, "%d", &n); err != nil || n < 0 || n > 255 || fmt.Sprint(n) != o.Value {
		return fmt.Errorf("Failed to parse exit status '%s', ignoring.", o.Value)
	}
	*dst = n
	return nil
}

// parseDeps adds the unit names of a dependency setting. Names are
// separated by whitespace and may use specifiers; invalid ones are
// reported and skipped.
func (u *Unit) parseDeps(o *unit.Option, d Dep) error {
	rest := o.Value
	for {
		w, r, ok, err := unit.ExtractWord(rest, "", unit.ExtractRetainEscape)
		if err != nil {
			return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		rest = r
		name, err := u.spec.ExpandName(w)
		if err != nil {
			u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: fmt.Sprintf("Failed to resolve unit specifiers in %s, ignoring: %v", w, err), Warning: true})
			continue
		}
		if !unit.IsValidName(name) {
			u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: fmt.Sprintf("Failed to add dependency on %s, ignoring: Invalid argument", name), Warning: true})
			continue
		}
		u.addDep(d, name)
	}
}

// addDep records a dependency; a unit never depends on itself.
func (u *Unit) addDep(d Dep, name string) {
	for _, n := range u.Names {
		if n == name {
			return
		}
	}
	u.fwd.Add(d, name)
}

// documentationSchemes are the URL kinds systemd accepts in Documentation=.
var documentationSchemes = []string{"http://", "https://", "file:", "info:", "man:"}

func (u *Unit) parseDocumentation(o *unit.Option) error {
	if o.Value == "" {
		u.Unit.Documentation = nil
		return nil
	}
	words, err := unit.SplitWords(o.Value)
	if err != nil {
		return fmt.Errorf("Invalid syntax, ignoring: %s", o.Value)
	}
	for _, w := range words {
		s, err := u.spec.Expand(w)
		if err != nil {
			u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: fmt.Sprintf("Failed to resolve unit specifiers in %s, ignoring: %v", w, err), Warning: true})
			continue
		}
		ok := false
		for _, p := range documentationSchemes {
			if strings.HasPrefix(s, p) && len(s) > len(p) {
				ok = true
			}
		}
		if !ok {
			u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: "Invalid URL, ignoring: " + s, Warning: true})
			continue
		}
		u.Unit.Documentation = append(u.Unit.Documentation, s)
	}
	return nil
}

func appendUnique(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}
