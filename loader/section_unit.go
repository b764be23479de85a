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

// unitDeps is a dependency setting of its kind.
type unitDeps Dep

func (d unitDeps) parse(u *Unit, o *unit.Option) error { return u.parseDeps(o, Dep(d)) }

// obsoleteDeps is a dependency setting systemd 252 still reads under its
// old name, with a warning.
type obsoleteDeps Dep

func (d obsoleteDeps) parse(u *Unit, o *unit.Option) error {
	u.diagWarn(o, fmt.Sprintf("Unit dependency type %s= is obsolete, replacing by %s=, please update your unit file", o.Name, Dep(d)))
	return u.parseDeps(o, Dep(d))
}

// parseRemoved is config_parse_warn_compat(DISABLED_LEGACY): a directive
// systemd 252 accepts and ignores with a warning.
func parseRemoved(_ *Unit, o *unit.Option) error {
	return fmt.Errorf("Support for option %s= has been removed and it is ignored", o.Name)
}

// boolField is config_parse_bool into the field it returns.
type boolField func(u *Unit) *bool

func (field boolField) parse(u *Unit, o *unit.Option) error {
	b, err := unit.ParseBool(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse boolean value, ignoring: %s", o.Value)
	}
	*field(u) = b
	return nil
}

// secField is config_parse_sec: a time span, with systemd's generic
// message; the empty string is an error, not a reset.
type secField func(u *Unit) *uint64

func (field secField) parse(u *Unit, o *unit.Option) error {
	v, err := unit.ParseTimespan(o.Value, time.Second)
	if err != nil {
		return fmt.Errorf("Failed to parse sec value, ignoring: %s", o.Value)
	}
	*field(u) = v
	return nil
}

// enumField is DEFINE_CONFIG_PARSE_ENUM: one of values, with
// emptyDefault (when set) standing for the empty string, and with
// withBool (values starting "no", "yes") any boolean too. Anything else,
// the empty string included, is ignored with systemd's message, msg
// followed by ", ignoring: " and the value.
type enumField struct {
	msg          string
	values       []string
	withBool     bool
	emptyDefault string
	field        func(u *Unit) *string
}

func (p enumField) parse(u *Unit, o *unit.Option) error {
	v := o.Value
	if v == "" && p.emptyDefault != "" {
		v = p.emptyDefault
	}
	i := slices.Index(p.values, v)
	if i < 0 && p.withBool {
		if b, err := unit.ParseBool(v); err == nil {
			i = 0
			if b {
				i = 1
			}
		}
	}
	if i < 0 {
		return fmt.Errorf("%s, ignoring: %s", p.msg, o.Value)
	}
	*p.field(u) = p.values[i]
	return nil
}

// actionField is config_parse_emergency_action for the system manager.
type actionField func(u *Unit) *string

func (field actionField) parse(u *Unit, o *unit.Option) error {
	if !slices.Contains(emergencyActions, o.Value) {
		return fmt.Errorf("Failed to parse %s=, ignoring: %s", o.Name, o.Value)
	}
	*field(u) = o.Value
	return nil
}

// jobModes are systemd 252's job modes.
var jobModes = []string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements", "triggering"}

// emergencyActions are the actions systemd 252 knows (kexec, halt and
// soft-reboot came later).
var emergencyActions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate", "exit", "exit-force"}

var unitDirectives = []directive{
	{in: secUnit, name: "Description", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		s, err := u.spec.Expand(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %w", o.Value, err)
		}
		u.Unit.Description = s
		return nil
	})},
	{in: secUnit, name: "Documentation", parse: parseFunc((*Unit).parseDocumentation)},
	{in: secUnit, name: "SourcePath", parse: parseFunc(func(u *Unit, o *unit.Option) error {
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
	})},
	{in: secUnit, name: "RequiresMountsFor", parse: parseFunc((*Unit).parseRequiresMountsFor)},
	{in: secUnit, name: "Requires", parse: unitDeps(Requires)},
	{in: secUnit, name: "Requisite", parse: unitDeps(Requisite)},
	{in: secUnit, name: "Wants", parse: unitDeps(Wants)},
	{in: secUnit, name: "BindsTo", parse: unitDeps(BindsTo)},
	{in: secUnit, name: "BindTo", parse: unitDeps(BindsTo)},
	{in: secUnit, name: "Upholds", parse: unitDeps(Upholds)},
	{in: secUnit, name: "PartOf", parse: unitDeps(PartOf)},
	{in: secUnit, name: "Conflicts", parse: unitDeps(Conflicts)},
	{in: secUnit, name: "Before", parse: unitDeps(Before)},
	{in: secUnit, name: "After", parse: unitDeps(After)},
	{in: secUnit, name: "OnSuccess", parse: unitDeps(OnSuccess)},
	{in: secUnit, name: "OnFailure", parse: unitDeps(OnFailure)},
	{in: secUnit, name: "PropagatesReloadTo", parse: unitDeps(PropagatesReloadTo)},
	{in: secUnit, name: "PropagateReloadTo", parse: unitDeps(PropagatesReloadTo)},
	{in: secUnit, name: "ReloadPropagatedFrom", parse: unitDeps(ReloadPropagatedFrom)},
	{in: secUnit, name: "PropagateReloadFrom", parse: unitDeps(ReloadPropagatedFrom)},
	{in: secUnit, name: "PropagatesStopTo", parse: unitDeps(PropagatesStopTo)},
	{in: secUnit, name: "StopPropagatedFrom", parse: unitDeps(StopPropagatedFrom)},
	{in: secUnit, name: "JoinsNamespaceOf", parse: unitDeps(JoinsNamespaceOf)},
	{in: secUnit, name: "RequiresOverridable", parse: obsoleteDeps(Requires)},
	{in: secUnit, name: "RequisiteOverridable", parse: obsoleteDeps(Requisite)},
	{in: secUnit, name: "StopWhenUnneeded", parse: boolField(func(u *Unit) *bool { return &u.Unit.StopWhenUnneeded })},
	{in: secUnit, name: "RefuseManualStart", parse: boolField(func(u *Unit) *bool { return &u.Unit.RefuseManualStart })},
	{in: secUnit, name: "RefuseManualStop", parse: boolField(func(u *Unit) *bool { return &u.Unit.RefuseManualStop })},
	{in: secUnit, name: "AllowIsolate", parse: boolField(func(u *Unit) *bool { return &u.Unit.AllowIsolate })},
	{in: secUnit, name: "DefaultDependencies", parse: boolField(func(u *Unit) *bool { return &u.Unit.DefaultDependencies })},
	{in: secUnit, name: "IgnoreOnIsolate", parse: boolField(func(u *Unit) *bool { return &u.Unit.IgnoreOnIsolate })},
	{in: secUnit, name: "IgnoreOnSnapshot", parse: parseFunc(parseRemoved)},
	{in: secUnit, name: "OnSuccessJobMode", parse: enumField{msg: "Failed to parse job mode", values: jobModes, field: func(u *Unit) *string { return &u.Unit.jobsRW().onSuccessJobMode }}},
	{in: secUnit, name: "OnFailureJobMode", parse: enumField{msg: "Failed to parse job mode", values: jobModes, field: func(u *Unit) *string { return &u.Unit.jobsRW().onFailureJobMode }}},
	{in: secUnit, name: "OnFailureIsolate", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		b, err := unit.ParseBool(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to parse boolean, ignoring: %s", o.Value)
		}
		u.Unit.jobsRW().onFailureJobMode = "replace"
		if b {
			u.Unit.jobsRW().onFailureJobMode = "isolate"
		}
		return nil
	})},
	{in: secUnit, name: "CollectMode", parse: enumField{msg: "Failed to parse garbage collection mode", values: []string{"inactive", "inactive-or-failed"}, field: func(u *Unit) *string { return &u.Unit.jobsRW().collectMode }}},
	// JobTimeoutSec= also sets the running timeout, unless
	// JobRunningTimeoutSec= is given (in any order); 0 is "infinity".
	{in: secUnit, name: "JobTimeoutSec", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		v, err := parseSecFix0Unit(o)
		if err != nil {
			return err
		}
		u.Unit.jobsRW().jobTimeoutUSec = v
		if !u.Unit.jobsRO().jobRunningTimeoutSet {
			u.Unit.jobsRW().jobRunningTimeoutUSec = v
		}
		return nil
	})},
	{in: secUnit, name: "JobRunningTimeoutSec", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		v, err := parseSecFix0Unit(o)
		if err != nil {
			return err
		}
		u.Unit.jobsRW().jobRunningTimeoutUSec = v
		u.Unit.jobsRW().jobRunningTimeoutSet = true
		return nil
	})},
	{in: secUnit, name: "JobTimeoutAction", parse: actionField(func(u *Unit) *string { return &u.Unit.jobsRW().jobTimeoutAction })},
	{in: secUnit, name: "JobTimeoutRebootArgument", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		return parseRebootArgument(o, &u.Unit.jobsRW().jobTimeoutRebootArgument)
	})},
	{in: secUnit, name: "StartLimitIntervalSec", parse: secField(func(u *Unit) *uint64 { return &u.Unit.StartLimitIntervalUSec })},
	{in: secUnit | secService, name: "StartLimitInterval", parse: secField(func(u *Unit) *uint64 { return &u.Unit.StartLimitIntervalUSec })},
	{in: secUnit | secService, name: "StartLimitBurst", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		n, err := cgAtou64(o.Value)
		if err != nil || n > 1<<32-1 {
			return fmt.Errorf("Failed to parse unsigned value, ignoring: %s", o.Value)
		}
		u.Unit.StartLimitBurst = n
		return nil
	})},
	{in: secUnit | secService, name: "StartLimitAction", parse: actionField(func(u *Unit) *string { return &u.Unit.jobsRW().startLimitAction })},
	{in: secUnit | secService, name: "FailureAction", parse: actionField(func(u *Unit) *string { return &u.Unit.jobsRW().failureAction })},
	{in: secUnit, name: "SuccessAction", parse: actionField(func(u *Unit) *string { return &u.Unit.jobsRW().successAction })},
	{in: secUnit, name: "FailureActionExitStatus", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		return parseExitStatus(o, &u.Unit.jobsRW().failureActionExitStatus)
	})},
	{in: secUnit, name: "SuccessActionExitStatus", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		return parseExitStatus(o, &u.Unit.jobsRW().successActionExitStatus)
	})},
	{in: secUnit | secService, name: "RebootArgument", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		return parseRebootArgument(o, &u.Unit.jobsRW().rebootArgument)
	})},
	// The Condition*= and Assert*= kinds of systemd 252. Every one but
	// Firmware exists as both.
	{in: secUnit, name: "ConditionArchitecture", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertArchitecture", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionFirmware", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionVirtualization", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertVirtualization", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionHost", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertHost", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionKernelCommandLine", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertKernelCommandLine", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionKernelVersion", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertKernelVersion", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionCredential", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertCredential", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionSecurity", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertSecurity", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionCapability", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertCapability", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionACPower", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertACPower", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionNeedsUpdate", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertNeedsUpdate", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionFirstBoot", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertFirstBoot", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionPathExists", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathExists", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionPathExistsGlob", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathExistsGlob", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionPathIsDirectory", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathIsDirectory", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionPathIsSymbolicLink", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathIsSymbolicLink", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionPathIsMountPoint", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathIsMountPoint", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionPathIsReadWrite", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathIsReadWrite", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionPathIsEncrypted", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertPathIsEncrypted", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionDirectoryNotEmpty", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertDirectoryNotEmpty", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionFileNotEmpty", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertFileNotEmpty", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionFileIsExecutable", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "AssertFileIsExecutable", parse: parseFunc(parsePathCondition)},
	{in: secUnit, name: "ConditionUser", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertUser", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionGroup", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertGroup", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionControlGroupController", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertControlGroupController", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionMemory", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertMemory", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionCPUs", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertCPUs", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionCPUFeature", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertCPUFeature", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionOSRelease", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertOSRelease", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionMemoryPressure", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertMemoryPressure", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionCPUPressure", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertCPUPressure", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionIOPressure", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertIOPressure", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "ConditionEnvironment", parse: parseFunc(parseCondition)},
	{in: secUnit, name: "AssertEnvironment", parse: parseFunc(parseCondition)},
}

// installDirectives is [Install]. Its settings do not affect a loaded
// unit and are not kept (the install package reads them from the files
// itself), but they are checked as systemd checks them on load: a list
// that does not split into words is reported.
var installDirectives = []directive{
	{in: secInstall, name: "WantedBy", parse: parseFunc(parseInstallList)},
	{in: secInstall, name: "RequiredBy", parse: parseFunc(parseInstallList)},
	{in: secInstall, name: "Alias", parse: parseFunc(parseInstallList)},
	{in: secInstall, name: "Also", parse: parseFunc(parseInstallList)},
	{in: secInstall, name: "DefaultInstance", parse: parseFunc(func(*Unit, *unit.Option) error { return nil })},
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
	v, err := parseSecFix0(o.Value)
	if err != nil {
		return 0, fmt.Errorf("Failed to parse %s= parameter, ignoring: %s", o.Name, o.Value)
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

// parseCondition parses a Condition*= or Assert*= whose kind takes no
// path, parsePathCondition one whose kind does (it must be absolute). An
// empty value removes the conditions of that kind only. A leading "|"
// marks a triggering condition and a following "!" negates it; systemd
// skips no blanks between them.
func parseCondition(u *Unit, o *unit.Option) error { return u.addCondition(o, false) }

func parsePathCondition(u *Unit, o *unit.Option) error { return u.addCondition(o, true) }

func (u *Unit) addCondition(o *unit.Option, isPath bool) error {
	list := &u.Unit.Conditions
	typ, assert := strings.CutPrefix(o.Name, "Assert")
	if assert {
		list = &u.Unit.Asserts
	} else {
		typ = strings.TrimPrefix(o.Name, "Condition")
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
