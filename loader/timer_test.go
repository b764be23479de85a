package loader

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gosd/gosd/unit"
)

// TestCalendarSpec checks OnCalendar= parsing and normalisation against
// the "Normalized form" systemd 252's `systemd-analyze calendar` printed
// for the same expressions ("" where it refused them).
func TestCalendarSpec(t *testing.T) {
	tests := []struct{ in, want string }{
		{"daily", "*-*-* 00:00:00"},
		{"weekly", "Mon *-*-* 00:00:00"},
		{"minutely", "*-*-* *:*:00"},
		{"hourly", "*-*-* *:00:00"},
		{"monthly", "*-*-01 00:00:00"},
		{"yearly", "*-01-01 00:00:00"},
		{"anually", "*-01-01 00:00:00"},
		{"quarterly", "*-01,04,07,10-01 00:00:00"},
		{"semi-annually", "*-01,07-01 00:00:00"},
		{"bi-annually", "*-01,07-01 00:00:00"},
		{"DAILY", "*-*-* 00:00:00"},
		{"daily UTC", "*-*-* 00:00:00 UTC"},
		{"Mon..Fri 12:30", "Mon..Fri *-*-* 12:30:00"},
		{"*-*-* 6,18:00", "*-*-* 06,18:00:00"},
		{"Sun *-*-* 03:10:00", "Sun *-*-* 03:10:00"},
		{"Mon,Tue,Wed", "Mon..Wed *-*-* 00:00:00"},
		{"Mon-Wed,Fri", "Mon..Wed,Fri *-*-* 00:00:00"},
		{"Sat,Sun,Mon", "Mon,Sat,Sun *-*-* 00:00:00"},
		{"Mon..Sun", "*-*-* 00:00:00"},
		{"Mon,Tue", "Mon,Tue *-*-* 00:00:00"},
		{"Mon,", "Mon *-*-* 00:00:00"},
		{"MONDAY 12:00", "Mon *-*-* 12:00:00"},
		{"Mon..", ""},
		{"Fri..Mon", ""},
		{"Mon..Wed..Fri", ""},
		{"Mo", ""},
		{"12:30:1.5", "*-*-* 12:30:01.500000"},
		{"1:2:3.1234565", "*-*-* 01:02:03.123457"},
		{"0:0:59.9999999", ""},
		{"*:0/15", "*-*-* *:00/15:00"},
		{"*:*:*", "*-*-* *:*:*"},
		{"*:*:0/1", "*-*-* *:*:*"},
		{"*:*:0..59", "*-*-* *:*:00..59"},
		{"*:*:0/2.5", "*-*-* *:*:00/2.500000"},
		{"*:*:1.5..3", "*-*-* *:*:01.500000..02.500000"},
		{"0:0:1..1", ""},
		{"0:0:0.5..1", ""},
		{"0:0:3..5/5", "*-*-* 00:00:03"},
		{"1..1:00", "*-*-* 01:00:00"},
		{"10..10/1969:24", "*-*-* 10:24:00"},
		{"00..23/5:00", "*-*-* 00..20/5:00:00"},
		{"1..3,2:00", "*-*-* 01..03,02:00:00"},
		{"Mon,Mon 10,9,10:00", "Mon *-*-* 09,10:00:00"},
		{"0/0:00", ""},
		{"*/2:00", ""},
		{"2023-1-1", "2023-01-01 00:00:00"},
		{"12-1-1", "2012-01-01 00:00:00"},
		{"70-1-1", "1970-01-01 00:00:00"},
		{"1969-01-01", ""},
		{"2200-01-01", ""},
		{"2000-02-30", "2000-02-30 00:00:00"},
		{"*-02~03", "*-02~03 00:00:00"},
		{"*~1", "*-*~01 00:00:00"},
		{"*-*~1..3", "*-*~01..03 00:00:00"},
		{"*~29", ""},
		{"*~1/2", ""},
		{"10~23,12,24", ""},
		{"10~12,24", "*-10~12,24 00:00:00"},
		{"@1234567", "1970-01-15 06:56:07 UTC"},
		{"@0", "1970-01-01 00:00:00 UTC"},
		{"@9999999999999999999", ""}, // out of int64's range: "Numerical result out of range"
		{"12:00 UTC", "*-*-* 12:00:00 UTC"},
		{"12:00 utc", "*-*-* 12:00:00 UTC"},
		{"12:00 Europe/Berlin", "*-*-* 12:00:00 Europe/Berlin"},
		{"12:00 Europe//Berlin", ""},
		{"12:00 nonexist", ""},
		{" 12:00", ""},
		{"12", ""},
		{"2023-01", ""},
		{"24:00", ""},
		{"*:*:60", ""},
		{"*-*-* *:*:*.5", ""},
	}
	for _, tc := range tests {
		if strings.Contains(tc.in, "Europe/") {
			if _, err := os.Stat("/usr/share/zoneinfo/Europe/Berlin"); err != nil {
				continue // the zone must exist on this machine, as for systemd
			}
		}
		got := ""
		if c, err := ParseCalendarSpec(tc.in); err == nil {
			got = c.String()
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func timerShow(u *Unit) []string {
	var out []string
	for _, v := range u.Timer.Values {
		if v.Calendar != nil {
			out = append(out, v.Base+"="+v.Calendar.String())
		} else {
			out = append(out, v.Base+"="+unit.FormatTimespan(v.USec, 0))
		}
	}
	return out
}

// TestTimerDirectives checks the [Timer] parsers against what systemd 252
// logs and shows for the same lines.
func TestTimerDirectives(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		msgs  []string
		check func(t *testing.T, u *Unit)
	}{
		{
			name:  "defaults",
			lines: []string{"OnBootSec=1"},
			check: func(t *testing.T, u *Unit) {
				tm := u.Timer
				trigEq(t, []any{tm.AccuracyUSec, tm.RandomizedDelayUSec, tm.RemainAfterElapse, tm.Persistent, tm.WakeSystem},
					[]any{uint64(60_000_000), uint64(0), true, false, false})
			},
		},
		{
			// systemd prepends each value to its list and shows that list.
			name:  "values are kept last first",
			lines: []string{"OnCalendar=*-*-* 03:00:00", "OnCalendar=Mon..Fri 12:30", "OnBootSec=15min", "OnUnitActiveSec=1h 30m"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, timerShow(u), []string{"OnUnitActiveSec=1h 30min", "OnBootSec=15min", "OnCalendar=Mon..Fri *-*-* 12:30:00", "OnCalendar=*-*-* 03:00:00"})
			},
		},
		{
			name:  "an empty value of any kind removes all values",
			lines: []string{"OnCalendar=daily", "OnActiveSec=", "OnStartupSec=5"},
			check: func(t *testing.T, u *Unit) { trigEq(t, timerShow(u), []string{"OnStartupSec=5s"}) },
		},
		{
			name:  "bad values",
			lines: []string{"OnCalendar=bogus", "OnBootSec=x", "OnActiveSec=%z", "AccuracySec=x", "RandomizedDelaySec=", "Persistent=x", "OnUnitInactiveSec=infinity"},
			msgs: []string{"W: Failed to parse calendar specification, ignoring: bogus", "W: Failed to parse timer value, ignoring: x",
				"W: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot", "W: Failed to parse sec value, ignoring: x",
				"W: Failed to parse sec value, ignoring: ", "W: Failed to parse boolean value, ignoring: x"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Timer.Values[0].USec, Infinity) },
		},
		{
			name: "Unit= adds the trigger at once; later ones are refused",
			lines: []string{"OnBootSec=1", "Unit=foo.bogus", "Unit=foo.timer", "Unit=%z", "Unit=", "Unit=foo",
				"Unit=bar.service", "Unit=baz.service"},
			msgs: []string{"W: Unit type not valid, ignoring: foo.bogus", "W: Units cannot trigger themselves, ignoring: foo.timer",
				"W: Failed to resolve unit specifiers in %z, ignoring: Invalid slot", "W: Unit type not valid, ignoring: ",
				"W: Unit type not valid, ignoring: foo", "W: Multiple units to trigger specified, ignoring: baz.service"},
			check: func(t *testing.T, u *Unit) {
				trigEq(t, u.Timer.Unit, "bar.service")
				trigEq(t, u.Deps.Of(Triggers), []string{"bar.service"})
				trigEq(t, u.Deps.Of(Before), []string{"bar.service"})
			},
		},
		{
			name:  "a template in Unit= takes the timer's name as instance",
			lines: []string{"OnBootSec=1", "Unit=bar@.service"},
			check: func(t *testing.T, u *Unit) { trigEq(t, u.Deps.Of(Triggers), []string{"bar@foo.service"}) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := trigSection(t, "foo.timer", tc.lines...)
			if got := trigMsgs(u); !slices.Equal(got, tc.msgs) {
				t.Errorf("messages:\n got %q\nwant %q", got, tc.msgs)
			}
			if tc.check != nil {
				tc.check(t, u)
			}
		})
	}
}

// TestTimerExtras checks the dependencies systemd 252 gives timers: the
// same-named service, timers.target and the system defaults, the clock
// targets for calendar timers only, and the stamp directory of
// Persistent= ones.
func TestTimerExtras(t *testing.T) {
	svc := "[Service]\nExecStart=/bin/true\n"
	u := trigLoad(t, map[string]string{"foo.timer": "[Timer]\nOnCalendar=daily\nPersistent=yes\n", "foo.service": svc}, "foo.timer")
	trigEq(t, u.Deps.Of(Before), []string{"foo.service", "shutdown.target", "timers.target"})
	trigEq(t, u.Deps.Of(After), []string{"sysinit.target", "time-set.target", "time-sync.target"})
	trigEq(t, u.Deps.Of(Requires), []string{"sysinit.target"})
	trigEq(t, u.Deps.Of(Conflicts), []string{"shutdown.target"})
	trigEq(t, u.Deps.Of(Triggers), []string{"foo.service"})
	trigEq(t, u.Unit.RequiresMountsFor, []string{"/var/lib/systemd/timers"})

	u = trigLoad(t, map[string]string{"foo.timer": "[Timer]\nOnBootSec=1\nUnit=bar.service\n", "bar.service": svc}, "foo.timer")
	trigEq(t, u.Deps.Of(After), []string{"sysinit.target"})
	trigEq(t, u.Deps.Of(Triggers), []string{"bar.service"})
	trigEq(t, u.Unit.RequiresMountsFor, []string(nil))

	u = trigLoad(t, map[string]string{"foo.timer": "[Unit]\nDefaultDependencies=no\n[Timer]\nOnClockChange=yes\n"}, "foo.timer")
	trigEq(t, u.LoadState, StateLoaded)
	trigEq(t, u.Deps.Of(After), []string(nil))

	u = trigLoad(t, map[string]string{"foo.timer": "[Timer]\nOnCalendar=daily\nOnCalendar=\n"}, "foo.timer")
	trigEq(t, u.LoadState, StateBadSetting)
	trigEq(t, u.Diags[len(u.Diags)-1].Error(), "foo.timer: Timer unit lacks value setting. Refusing.")
}
