package props

import (
	"strings"

	"github.com/gosd/gosd/loader"
)

// triggerUnit is the Unit= property of timers and paths: the unit they
// trigger ("" when there is none, e.g. when the unit did not load).
func triggerUnit(u *loader.Unit, _ *State) string {
	if l := u.Deps.Of(loader.Triggers); len(l) > 0 {
		return l[0]
	}
	return ""
}

// timerProps is org.freedesktop.systemd1.Timer. The next_elapse parts of
// TimersMonotonic and TimersCalendar are those of a timer that has not
// been started: 0 and (null).
var timerProps = []prop{
	{name: "Unit", get: triggerUnit},
	{name: "TimersMonotonic", get: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, v := range u.Timer.Values {
			if v.Calendar == nil {
				out = append(out, "{ "+strings.TrimSuffix(v.Base, "Sec")+"USec="+usec(v.USec)+" ; next_elapse=0 }")
			}
		}
		return out
	}},
	{name: "TimersCalendar", get: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, v := range u.Timer.Values {
			if v.Calendar != nil {
				out = append(out, "{ OnCalendar="+v.Calendar.String()+" ; next_elapse=(null) }")
			}
		}
		return out
	}},
	{name: "OnClockChange", get: func(t *loader.Timer) bool { return t.OnClockChange }},
	{name: "OnTimezoneChange", get: func(t *loader.Timer) bool { return t.OnTimezoneChange }},
	{name: "NextElapseUSecRealtime", get: "", runtime: true},
	{name: "NextElapseUSecMonotonic", get: "infinity", runtime: true},
	{name: "LastTriggerUSec", get: "", runtime: true},
	{name: "LastTriggerUSecMonotonic", get: "0", runtime: true},
	{name: "Result", get: "success", runtime: true},
	{name: "AccuracyUSec", get: func(t *loader.Timer) string { return usec(t.AccuracyUSec) }},
	{name: "RandomizedDelayUSec", get: func(t *loader.Timer) string { return usec(t.RandomizedDelayUSec) }},
	{name: "FixedRandomDelay", get: func(t *loader.Timer) bool { return t.FixedRandomDelay }},
	{name: "Persistent", get: func(t *loader.Timer) bool { return t.Persistent }},
	{name: "WakeSystem", get: func(t *loader.Timer) bool { return t.WakeSystem }},
	{name: "RemainAfterElapse", get: func(t *loader.Timer) bool { return t.RemainAfterElapse }},
}
