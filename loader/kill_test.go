package loader

import (
	"slices"
	"testing"
)

// TestKillDirectives checks the [Service] (and [Socket], [Mount], [Swap],
// [Scope]) kill settings of systemd.kill(5) against systemd 252's parser
// (config_parse_kill_mode, config_parse_signal, config_parse_bool). The
// helpers exSvc, exMsgs and exEq are in exec_test.go.
func TestKillDirectives(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		msgs  []string
		want  KillContext
	}{
		{name: "defaults (kill_context_init)", want: *newKillContext()},
		{
			name:  "signals by name and number; RestartKillSignal falls back to KillSignal",
			lines: []string{"KillSignal=SIGINT", "FinalKillSignal=10", "WatchdogSignal=bogus"},
			msgs:  []string{"W: Failed to parse signal name, ignoring: bogus"},
			want:  KillContext{KillMode: "control-group", KillSignal: 2, SendSIGKILL: true, FinalKillSignal: 10, WatchdogSignal: 6},
		},
		{
			// An empty KillMode= resets it; "none" is accepted with a warning.
			name:  "KillMode",
			lines: []string{"KillMode=process", "KillMode=", "KillMode=none", "KillMode=bogus", "SendSIGHUP=yes", "SendSIGKILL=no"},
			msgs: []string{"W: Unit uses KillMode=none. This is unsafe, as it disables systemd's process lifecycle management for the service. " +
				"Please update the service to use a safer KillMode=, such as 'mixed' or 'control-group'. " +
				"Support for KillMode=none is deprecated and will eventually be removed.",
				"W: Failed to parse kill mode specification, ignoring: bogus"},
			want: KillContext{KillMode: "none", KillSignal: 15, SendSIGHUP: true, FinalKillSignal: 9, WatchdogSignal: 6},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := exSvc(t, tc.lines...)
			if got := exMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages\n got %q\nwant %q", got, tc.msgs)
			}
			exEq(t, *u.Kill, tc.want)
			exEq(t, u.Kill.RestartSignal(), u.Kill.KillSignal)
		})
	}
}
