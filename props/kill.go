package props

import (
	"strconv"

	"github.com/gosd/gosd/loader"
)

//go:noinline
func killProp(name string, get func(k *loader.KillContext) string) prop {
	return prop{name: name, get: func(u *loader.Unit, _ *State) string { return get(u.Kill) }}
}

// killProps is the org.freedesktop.systemd1.Kill interface of systemd 252
// (dbus-kill.c); signals are shown as numbers.
var killProps = []prop{
	killProp("KillMode", func(k *loader.KillContext) string { return k.KillMode }),
	killProp("KillSignal", func(k *loader.KillContext) string { return strconv.Itoa(k.KillSignal) }),
	killProp("RestartKillSignal", func(k *loader.KillContext) string { return strconv.Itoa(k.RestartSignal()) }),
	killProp("FinalKillSignal", func(k *loader.KillContext) string { return strconv.Itoa(k.FinalKillSignal) }),
	killProp("SendSIGKILL", func(k *loader.KillContext) string { return yesno(k.SendSIGKILL) }),
	killProp("SendSIGHUP", func(k *loader.KillContext) string { return yesno(k.SendSIGHUP) }),
	killProp("WatchdogSignal", func(k *loader.KillContext) string { return strconv.Itoa(k.WatchdogSignal) }),
}
