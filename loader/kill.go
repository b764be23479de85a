package loader

import (
	"fmt"
	"syscall"

	"github.com/gosd/gosd/unit"
)

// KillContext holds the settings of systemd.kill(5): how the processes of
// a service, socket, mount, swap or scope are stopped. Signals are Linux
// signal numbers.
type KillContext struct {
	KillMode    string // control-group, process, mixed, none
	KillSignal  int
	SendSIGKILL bool
	SendSIGHUP  bool
	// RestartKillSignal is 0 when not set: KillSignal is used then (see
	// RestartSignal).
	RestartKillSignal int
	FinalKillSignal   int
	WatchdogSignal    int
}

func newKillContext() *KillContext {
	return &KillContext{
		KillMode:        "control-group",
		KillSignal:      int(syscall.SIGTERM),
		SendSIGKILL:     true,
		FinalKillSignal: int(syscall.SIGKILL),
		WatchdogSignal:  int(syscall.SIGABRT),
	}
}

// RestartSignal is the signal sent to stop the unit when it is restarted:
// RestartKillSignal=, or KillSignal= when that is not set.
func (k *KillContext) RestartSignal() int {
	if k.RestartKillSignal != 0 {
		return k.RestartKillSignal
	}
	return k.KillSignal
}

var killModes = []string{"control-group", "process", "mixed", "none"}

// killDirectives is systemd 252's kill context table (KILL_CONTEXT_CONFIG_ITEMS).
var killDirectives = []directive{
	{in: secKill, name: "SendSIGKILL", parse: boolField(func(u *Unit) *bool { return &u.killCtx().SendSIGKILL })},
	{in: secKill, name: "SendSIGHUP", parse: boolField(func(u *Unit) *bool { return &u.killCtx().SendSIGHUP })},
	{in: secKill, name: "KillMode", parse: parseFunc(parseKillMode)},
	{in: secKill, name: "KillSignal", parse: signalField(func(k *KillContext) *int { return &k.KillSignal })},
	{in: secKill, name: "RestartKillSignal", parse: signalField(func(k *KillContext) *int { return &k.RestartKillSignal })},
	{in: secKill, name: "FinalKillSignal", parse: signalField(func(k *KillContext) *int { return &k.FinalKillSignal })},
	{in: secKill, name: "WatchdogSignal", parse: signalField(func(k *KillContext) *int { return &k.WatchdogSignal })},
}

// parseKillMode is config_parse_kill_mode: an empty value resets to
// control-group; "none" is accepted with systemd's deprecation warning.
func parseKillMode(u *Unit, o *unit.Option) error {
	if o.Value == "" {
		u.killCtx().KillMode = "control-group"
		return nil
	}
	for _, m := range killModes {
		if o.Value != m {
			continue
		}
		if m == "none" {
			u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Warning: true,
				Msg: "Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. " +
					"Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. " +
					"Support for KillMode=none is deprecated and will eventually be removed."})
		}
		u.killCtx().KillMode = m
		return nil
	}
	return fmt.Errorf("Failed to parse kill mode specification, ignoring: %s", o.Value)
}

// signalField is config_parse_signal: a signal name or number; an empty
// or invalid value is ignored with a warning (there is no reset).
type signalField func(k *KillContext) *int

func (field signalField) parse(u *Unit, o *unit.Option) error {
	n, err := unit.ParseSignal(o.Value)
	if err != nil || n <= 0 {
		return fmt.Errorf("Failed to parse signal name, ignoring: %s", o.Value)
	}
	*field(u.killCtx()) = n
	return nil
}
