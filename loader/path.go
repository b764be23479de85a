package loader

import (
	"fmt"

	"github.com/gosd/gosd/unit"
)

// PathUnit holds the [Path] settings (systemd.path(5), systemd 252).
type PathUnit struct {
	// Specs are the watched paths, the one read last first (systemd keeps
	// them in that order and shows them so). An empty setting of any of
	// the five kinds removes all of them.
	Specs         []PathSpec
	MakeDirectory bool
	DirectoryMode uint32
	// Unit is the name Unit= gave ("" when not set); the unit the path
	// unit activates is its Triggers= dependency.
	Unit string
	// The trigger limit is unset (Infinity, MaxUint32) until the unit is
	// loaded; then systemd's defaults fill in (2s, 200).
	TriggerLimitIntervalUSec uint64
	TriggerLimitBurst        uint32
}

// PathSpec is one watched path.
type PathSpec struct {
	// Kind is the setting: PathExists, PathExistsGlob, PathChanged,
	// PathModified or DirectoryNotEmpty.
	Kind string
	Path string // absolute and simplified
}

func newPathUnit() *PathUnit {
	return &PathUnit{
		DirectoryMode:            0o755,
		TriggerLimitIntervalUSec: triggerLimitIntervalUnset,
		TriggerLimitBurst:        triggerLimitBurstUnset,
	}
}

var pathDirectives = []directive{
	{in: secPath, name: "PathExists", parse: parseFunc(parsePathSpec)},
	{in: secPath, name: "PathExistsGlob", parse: parseFunc(parsePathSpec)},
	{in: secPath, name: "PathChanged", parse: parseFunc(parsePathSpec)},
	{in: secPath, name: "PathModified", parse: parseFunc(parsePathSpec)},
	{in: secPath, name: "DirectoryNotEmpty", parse: parseFunc(parsePathSpec)},
	{in: secPath, name: "Unit", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		name, err := parseTriggerUnit(u, o)
		if err == nil {
			u.Path.Unit = name
		}
		return err
	})},
	{in: secPath, name: "MakeDirectory", parse: boolField(func(u *Unit) *bool { return &u.Path.MakeDirectory })},
	{in: secPath, name: "DirectoryMode", parse: modeField(func(u *Unit) *uint32 { return &u.Path.DirectoryMode })},
	{in: secPath, name: "TriggerLimitIntervalSec", parse: secField(func(u *Unit) *uint64 { return &u.Path.TriggerLimitIntervalUSec })},
	{in: secPath, name: "TriggerLimitBurst", parse: uintField(func(u *Unit) *uint32 { return &u.Path.TriggerLimitBurst })},
}

// parsePathSpec is systemd's config_parse_path_spec().
func parsePathSpec(u *Unit, o *unit.Option) error {
	p := u.Path
	if o.Value == "" {
		p.Specs = nil
		return nil
	}
	v, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %v", o.Value, err)
	}
	v, msg := trigSimplifyPath(o.Name, v)
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	p.Specs = append([]PathSpec{{Kind: o.Name, Path: v}}, p.Specs...)
	return nil
}

// pathExtras adds what systemd 252's path_add_extras() adds, then refuses
// a path unit without paths as path_verify() does.
func (u *Unit) pathExtras(s *Set) {
	p := u.Path
	if p.TriggerLimitIntervalUSec == triggerLimitIntervalUnset {
		p.TriggerLimitIntervalUSec = 2_000_000
	}
	if p.TriggerLimitBurst == triggerLimitBurstUnset {
		p.TriggerLimitBurst = 200
	}
	if !u.hasFwd(Triggers) {
		svc := trigRelatedName(u.ID, ".service")
		u.addDep(Before, svc)
		u.addDep(Triggers, svc)
	}
	for _, sp := range p.Specs {
		trigRequireMountsFor(u, sp.Path)
	}
	if u.Unit.DefaultDependencies {
		u.addDep(Before, pathsTarget)
		u.addSystemDefaults()
	}
	if len(p.Specs) == 0 {
		trigRefuse(u, "Path unit lacks path setting. Refusing.")
	}
}
