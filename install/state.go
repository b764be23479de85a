package install

// State is a unit file's enablement state (systemd's UnitFileState).
type State int

// The states, named as is-enabled prints them.
const (
	Enabled        State = iota + 1 // "enabled"
	EnabledRuntime                  // "enabled-runtime"
	Linked                          // "linked"
	LinkedRuntime                   // "linked-runtime"
	Alias                           // "alias"
	Masked                          // "masked"
	MaskedRuntime                   // "masked-runtime"
	Static                          // "static"
	Disabled                        // "disabled"
	Indirect                        // "indirect"
	Generated                       // "generated"
	Transient                       // "transient"
	Bad                             // "bad"
)

func (s State) String() string {
	switch s {
	case Enabled:
		return "enabled"
	case EnabledRuntime:
		return "enabled-runtime"
	case Linked:
		return "linked"
	case LinkedRuntime:
		return "linked-runtime"
	case Alias:
		return "alias"
	case Masked:
		return "masked"
	case MaskedRuntime:
		return "masked-runtime"
	case Static:
		return "static"
	case Disabled:
		return "disabled"
	case Indirect:
		return "indirect"
	case Generated:
		return "generated"
	case Transient:
		return "transient"
	case Bad:
		return "bad"
	}
	return "unknown"
}

// IsEnabled reports whether is-enabled counts the state as enabled (exit
// status 0): enabled, enabled-runtime, static, alias, indirect and
// generated. Linked, masked, disabled, transient and bad units are not.
func (s State) IsEnabled() bool {
	switch s {
	case Enabled, EnabledRuntime, Static, Alias, Indirect, Generated:
		return true
	}
	return false
}

// ShowsPreset reports whether list-unit-files prints a preset for the
// state (it prints "-" for alias, static, generated and transient).
func (s State) ShowsPreset() bool {
	switch s {
	case Alias, Static, Generated, Transient:
		return false
	}
	return true
}
