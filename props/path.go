package props

import "github.com/gosd/gosd/loader"

// pathProps is org.freedesktop.systemd1.Path.
var pathProps = []prop{
	{name: "Unit", get: triggerUnit},
	{name: "Paths", get: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, s := range u.Path.Specs {
			out = append(out, s.Path+" ("+s.Kind+")")
		}
		return out
	}},
	{name: "MakeDirectory", get: func(u *loader.Unit, _ *State) string { return yesno(u.Path.MakeDirectory) }},
	{name: "DirectoryMode", get: func(u *loader.Unit, _ *State) string { return octal(u.Path.DirectoryMode) }},
	{name: "Result", get: "success", runtime: true},
	{name: "TriggerLimitIntervalUSec", get: func(u *loader.Unit, _ *State) string { return usec(u.Path.TriggerLimitIntervalUSec) }},
	{name: "TriggerLimitBurst", get: func(u *loader.Unit, _ *State) string { return u64(uint64(u.Path.TriggerLimitBurst)) }},
}
