package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func fixedClock() time.Time { return time.Date(2026, 11, 22, 10, 51, 32, 338_000_000, time.Local) }

// TestConsoleLog: events written by zerolog come out as the manager's
// readable lines: time, level, message, the error first and the other
// fields by name, strings quoted where a space or a special byte would
// make the line ambiguous, other values as their JSON.
func TestConsoleLog(t *testing.T) {
	var out bytes.Buffer
	log := zerolog.New(&consoleLog{out: &out, now: fixedClock}).Level(zerolog.DebugLevel)
	log.Info().Int("pid", 1).Str("unit", "bench.target").Msg("gosd starting")
	log.Warn().Str("unit", "a b.service").Err(errors.New("line 3: \"x\"\tbad")).Msg("cannot load")
	log.Debug().Bool("ok", true).Float64("f", 1.5).Strs("l", []string{"a", "b c"}).Str("empty", "").Msg("")
	log.Error().Str("u", "é\u2028\x01").Interface("m", map[string]any{"k": []int{1, 2}}).Msg("tab\there")
	log.Log().Str("x", "y").Msg("no level")
	want := strings.Join([]string{
		`10:51:32.338 INF gosd starting pid=1 unit=bench.target`,
		`10:51:32.338 WRN cannot load error="line 3: \"x\"\tbad" unit="a b.service"`,
		`10:51:32.338 DBG empty="" f=1.5 l=["a","b c"] ok=true`,
		`10:51:32.338 ERR tab	here m={"k":[1,2]} u="é\u2028\x01"`,
		`10:51:32.338 ??? no level x=y`,
		``}, "\n")
	if got := out.String(); got != want {
		t.Errorf("console lines:\n%s\nwant:\n%s", got, want)
	}
}

// TestConsoleLogColor: on a TTY the time is gray, the level colored, the
// field names cyan and the error red.
func TestConsoleLogColor(t *testing.T) {
	var out bytes.Buffer
	log := zerolog.New(&consoleLog{out: &out, color: true, now: fixedClock})
	log.Warn().Err(errors.New("boom")).Int("n", 2).Msg("m")
	want := ansiGray + "10:51:32.338" + ansiReset + " " + ansiRed + "WRN" + ansiReset + " m " +
		ansiCyan + "error=" + ansiReset + ansiRed + "boom" + ansiReset + " " + ansiCyan + "n=" + ansiReset + "2\n"
	if got := out.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestConsoleLogUnreadable: what is not one JSON object is written as it
// came, never dropped.
func TestConsoleLogUnreadable(t *testing.T) {
	for _, in := range []string{
		"plain text\n",
		"",
		`{"level":"info"`,
		`{"level":"info",}` + "\n",
		`{"level":"info"} trailing` + "\n",
		`{"level":info}` + "\n",
		`{"a":"\q"}` + "\n",
		`{"a":"\u12"}` + "\n",
		`{"a":[1,2}` + "\n",
		`{"a":tru}` + "\n",
		`{"a":1x}` + "\n",
		`{"a":"x` + "\n",
		`{level:"info"}` + "\n",
		`{"a" "b"}` + "\n",
		"{\"a\":\"x\ny\"}\n",
	} {
		var out bytes.Buffer
		c := &consoleLog{out: &out, now: fixedClock}
		if n, err := c.Write([]byte(in)); n != len(in) || err != nil {
			t.Errorf("Write(%q) = %d, %v", in, n, err)
		}
		if out.String() != in {
			t.Errorf("Write(%q) wrote %q; want the event as it came", in, out.String())
		}
	}
}

// TestParseEvent: JSON string escapes, including surrogate pairs, and
// nested values kept whole.
func TestParseEvent(t *testing.T) {
	f, ok := parseEvent([]byte(` { "a" : "\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x" , "b":{"c":["}",{}]},"d":-1e3 , "e":null}` + "\n"))
	if !ok {
		t.Fatal("not parsed")
	}
	want := []consoleField{
		{"a", "\"\\/\b\f\n\r\té😀\ufffdx", true},
		{"b", `{"c":["}",{}]}`, false},
		{"d", "-1e3", false},
		{"e", "null", false},
	}
	if len(f) != len(want) {
		t.Fatalf("fields %+v; want %+v", f, want)
	}
	for i := range want {
		if f[i] != want[i] {
			t.Errorf("field %d = %+v; want %+v", i, f[i], want[i])
		}
	}
	if f, ok := parseEvent([]byte("{}\n")); !ok || len(f) != 0 {
		t.Errorf("{} = %v, %v", f, ok)
	}
}
