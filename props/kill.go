package props

import (
	"strconv"

	"github.com/gosd/gosd/loader"
)

// killProps is the org.freedesktop.systemd1.Kill interface of systemd 252
// (dbus-kill.c); signals are shown as numbers.
var killProps = []prop{
	{name: "KillMode", get: func(k *loader.KillContext) string { return k.KillMode }},
	{name: "KillSignal", get: func(k *loader.KillContext) string { return strconv.Itoa(k.KillSignal) }},
	{name: "RestartKillSignal", get: func(k *loader.KillContext) string { return strconv.Itoa(k.RestartSignal()) }},
	{name: "FinalKillSignal", get: func(k *loader.KillContext) string { return strconv.Itoa(k.FinalKillSignal) }},
	{name: "SendSIGKILL", get: func(k *loader.KillContext) bool { return k.SendSIGKILL }},
	{name: "SendSIGHUP", get: func(k *loader.KillContext) bool { return k.SendSIGHUP }},
	{name: "WatchdogSignal", get: func(k *loader.KillContext) string { return strconv.Itoa(k.WatchdogSignal) }},
}
