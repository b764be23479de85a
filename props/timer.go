package props

import (
	"strings"

	"github.com/gosd/gosd/loader"
)

//go:noinline
func tm(name string, get func(t *loader.Timer) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.Timer) }}
}

//go:noinline
func tmBool(name string, get func(t *loader.Timer) bool) prop {
	return tm(name, func(t *loader.Timer) string { return yesno(get(t)) })
}

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
	{name: "TimersMonotonic", multi: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, v := range u.Timer.Values {
			if v.Calendar == nil {
				out = append(out, "{ "+strings.TrimSuffix(v.Base, "Sec")+"USec="+usec(v.USec)+" ; next_elapse=0 }")
			}
		}
		return out
	}},
	{name: "TimersCalendar", multi: func(u *loader.Unit, _ *State) []string {
		var out []string
		for _, v := range u.Timer.Values {
			if v.Calendar != nil {
				out = append(out, "{ OnCalendar="+v.Calendar.String()+" ; next_elapse=(null) }")
			}
		}
		return out
	}},
	tmBool("OnClockChange", func(t *loader.Timer) bool { return t.OnClockChange }),
	tmBool("OnTimezoneChange", func(t *loader.Timer) bool { return t.OnTimezoneChange }),
	rt("NextElapseUSecRealtime", ""),
	rt("NextElapseUSecMonotonic", "infinity"),
	rt("LastTriggerUSec", ""),
	rt("LastTriggerUSecMonotonic", "0"),
	rt("Result", "success"),
	tm("AccuracyUSec", func(t *loader.Timer) string { return usec(t.AccuracyUSec) }),
	tm("RandomizedDelayUSec", func(t *loader.Timer) string { return usec(t.RandomizedDelayUSec) }),
	tmBool("FixedRandomDelay", func(t *loader.Timer) bool { return t.FixedRandomDelay }),
	tmBool("Persistent", func(t *loader.Timer) bool { return t.Persistent }),
	tmBool("WakeSystem", func(t *loader.Timer) bool { return t.WakeSystem }),
	tmBool("RemainAfterElapse", func(t *loader.Timer) bool { return t.RemainAfterElapse }),
}
