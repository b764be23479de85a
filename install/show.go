package install

import "path"

// ShowState returns the UnitFileState and UnitFilePreset properties that
// `systemctl show` prints for a loaded unit with that ID and fragment
// path: systemd asks for the state of the unit's ID (an instance name for
// instances) and for the preset of the fragment's file name, and leaves
// both empty for a unit without a fragment. presets may be nil when they
// could not be read.
func (in *Installer) ShowState(id, fragmentPath string, presets *Presets) (state, preset string) {
	if fragmentPath == "" {
		return "", ""
	}
	name := path.Base(fragmentPath)
	s, err := in.State(id)
	if err != nil {
		state = "bad"
	} else {
		state = s.String()
	}
	if presets != nil {
		preset = "disabled"
		if presets.QueryPreset(name) {
			preset = "enabled"
		}
	}
	return state, preset
}
