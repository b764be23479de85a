package unit

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseBool(t *testing.T) {
	for _, s := range []string{"1", "yes", "y", "true", "t", "on", "YES", "On", "TrUe"} {
		if v, err := ParseBool(s); err != nil || !v {
			t.Errorf("ParseBool(%q) = %v %v", s, v, err)
		}
	}
	for _, s := range []string{"0", "no", "n", "false", "f", "off", "NO", "Off"} {
		if v, err := ParseBool(s); err != nil || v {
			t.Errorf("ParseBool(%q) = %v %v", s, v, err)
		}
	}
	for _, s := range []string{"", "2", "yes ", " no", "enable", "ja"} {
		if _, err := ParseBool(s); err == nil {
			t.Errorf("ParseBool(%q) accepted", s)
		}
	}
}

// timespanCases were produced by `systemd-analyze timespan` (systemd 252):
// "μs:" is the parsed value, "Human:" what format_timespan(.., 0) printed;
// "EINVAL"/"ERANGE" are its failures.
var timespanCases = []struct{ in, usec, human string }{
	{"90s", "90000000", "1min 30s"},
	{"1.5s", "1500000", "1.500000s"},
	{"1min 30s", "90000000", "1min 30s"},
	{"100ms", "100000", "100ms"},
	{"1.5h", "5400000000", "1h 30min"},
	{"500", "500000000", "8min 20s"},
	{"infinity", "18446744073709551615", "infinity"},
	{"0", "0", "0"},
	{"1y 1M", "34187400000000", "1y 1month"},
	{"1.234567s", "1234567", "1.234567s"},
	{"61.5s", "61500000", "1min 1.500000s"},
	{"5 3", "8000000", "8s"},
	{".5s", "500000", "500ms"},
	{"3.sec", "EINVAL", ""},
	{"1µs", "1", "1us"},
	{"2w", "1209600000000", "2w"},
	{"+5", "5000000", "5s"},
	{"1d 1us", "86400000001", "1d 1us"},
	{"90061000001us", "90061000001", "1d 1h 1min 1.000001s"},
	{"5min 3.25s", "303250000", "5min 3.250000s"},
	{"1.999999999s", "1999999", "1.999999s"},
	{"3 s", "3000000", "3s"},
	{"1e3", "EINVAL", ""},
	{"0x10", "EINVAL", ""},
	{" -0", "ERANGE", ""},
	{"1h-1", "ERANGE", ""},
	{"12.34.56", "EINVAL", ""},
	{"12.34 .56", "12900000", "12.900000s"},
	{"12.34s.56", "12900000", "12.900000s"},
	{".", "EINVAL", ""},
	{"1.s", "EINVAL", ""},
	{"infinity ", "18446744073709551615", "infinity"},
	{" infinity", "18446744073709551615", "infinity"},
	{"infinityx", "EINVAL", ""},
	{"5 months", "13149000000000", "5month"},
	{"1year", "31557600000000", "1y"},
	{"1 y 2 M 3 w 4 d 5 h 6 m 7 s 8 ms 9 us", "38995567008009", "1y 2month 3w 4d 5h 6min 7.008009s"},
	{"18446744073709551615us", "ERANGE", ""},
	{"18446744073709551614us", "ERANGE", ""},
	{"584542y", "ERANGE", ""},
	{"9223372036854775807", "ERANGE", ""},
	{"10msec", "10000", "10ms"},
	{"1m1", "61000000", "1min 1s"},
	{"2hr", "7200000000", "2h"},
	{"3 weeks", "1814400000000", "3w"},
	{"7days", "604800000000", "1w"},
}

func TestTimespan(t *testing.T) {
	for _, tc := range timespanCases {
		t.Run(tc.in, func(t *testing.T) {
			v, err := ParseTimespan(tc.in, time.Second)
			switch tc.usec {
			case "EINVAL", "ERANGE":
				want := syscall.EINVAL
				if tc.usec == "ERANGE" {
					want = syscall.ERANGE
				}
				if !errors.Is(err, want) {
					t.Fatalf("ParseTimespan(%q) = %d, %v; want %s", tc.in, v, err, tc.usec)
				}
				return
			}
			if err != nil || strconv.FormatUint(v, 10) != tc.usec {
				t.Fatalf("ParseTimespan(%q) = %d, %v; want %s", tc.in, v, err, tc.usec)
			}
			if got := FormatTimespan(v, 0); got != tc.human {
				t.Errorf("FormatTimespan(%d, 0) = %q, want %q", v, got, tc.human)
			}
		})
	}
}

func TestTimespanMore(t *testing.T) {
	if v, err := ParseTimespan("500", time.Millisecond); err != nil || v != 500000 {
		t.Errorf("default unit ms: %d %v", v, err)
	}
	if v, err := ParseTimespan("1.5", time.Minute); err != nil || v != 90000000 {
		t.Errorf("fraction in default unit: %d %v", v, err)
	}
	if _, err := ParseTimespan("", time.Second); err == nil {
		t.Error("empty accepted")
	}
	if _, err := ParseTimespan("   ", time.Second); err == nil {
		t.Error("blank accepted")
	}
	for _, tc := range []struct {
		usec, acc uint64
		want      string
	}{
		{1500000, 1000, "1.500s"},
		{1500000, 1000000, "1s"},
		{90500000, 1000000, "1min 30s"},
		{1, 0, "1us"},
		{1000, 0, "1ms"},
		{1001000, 0, "1.001000s"},
		{1001000, 1000, "1.001s"},
		{3600000001, 1000000, "1h"},
		// systemd-analyze timespan 18446744073709551us / 584541y:
		{18446744073709551, 0, "584y 6month 2w 1d 8h 34min 33.709551s"},
		{18446711061600000000, 0, "584541y"},
	} {
		if got := FormatTimespan(tc.usec, tc.acc); got != tc.want {
			t.Errorf("FormatTimespan(%d, %d) = %q, want %q", tc.usec, tc.acc, got, tc.want)
		}
	}
}

// TestTimespanSystemdAnalyze compares with the host's systemd-analyze when
// it is installed.
func TestTimespanSystemdAnalyze(t *testing.T) {
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	inputs := []string{"1.25min", "0.000001s", "7.123456789s", "59.999999s", "3h 2.5min", "1M 1.1d", "45", "100y", "1 hour 2 minutes", "999ms 1001us"}
	for _, in := range inputs {
		out, err := exec.Command(bin, "timespan", in).CombinedOutput()
		if err != nil {
			t.Fatalf("systemd-analyze timespan %q: %v %s", in, err, out)
		}
		var usec, human string
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.TrimSpace(sc.Text())
			if v, ok := strings.CutPrefix(f, "μs: "); ok {
				usec = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(f, "Human: "); ok {
				human = strings.TrimSpace(v)
			}
		}
		v, err := ParseTimespan(in, time.Second)
		if err != nil || strconv.FormatUint(v, 10) != usec {
			t.Errorf("%q: ParseTimespan %d %v, systemd %s", in, v, err, usec)
		}
		if got := FormatTimespan(v, 0); got != human {
			t.Errorf("%q: FormatTimespan %q, systemd %q", in, got, human)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		base uint64
		want uint64
		err  syscall.Errno
	}{
		{"1024", 1024, 1024, 0},
		{"1K", 1024, 1024, 0},
		{"1K", 1000, 1000, 0},
		{"1.5K", 1024, 1536, 0},
		{"10.M", 1024, 10 << 20, 0},
		{"1G 512M", 1024, 1<<30 + 512<<20, 0},
		{"512M 1G", 1024, 0, syscall.EINVAL},
		{"3B", 1024, 3, 0},
		{"3 B", 1024, 3, 0},
		{" 7", 1024, 7, 0},
		{"7 ", 1024, 7, 0}, // the empty suffix matches after the blanks
		{"5K ", 1024, 0, syscall.EINVAL},
		{"5 3", 1024, 0, syscall.EINVAL},
		{"16E", 1024, 0, syscall.ERANGE},
		{"15E", 1024, 15 << 60, 0},
		{"1T", 1000, 1e12, 0},
		{"2P", 1024, 2 << 50, 0},
		{"-1", 1024, 0, syscall.ERANGE},
		{"-0", 1024, 0, syscall.ERANGE},
		{"+5", 1024, 5, 0},
		{"", 1024, 0, syscall.EINVAL},
		{"K", 1024, 0, syscall.EINVAL},
		{"1k", 1024, 0, syscall.EINVAL},
		{"1KB", 1024, 0, syscall.EINVAL},
		{"0.5", 1024, 0, 0},
		{"infinity", 1024, math.MaxUint64, 0},
		{"18446744073709551616", 1024, 0, syscall.ERANGE},
	}
	for _, tc := range tests {
		v, err := ParseSize(tc.in, tc.base)
		if tc.err != 0 {
			if !errors.Is(err, tc.err) {
				t.Errorf("ParseSize(%q, %d) = %d, %v; want %v", tc.in, tc.base, v, err, tc.err)
			}
			continue
		}
		if err != nil || v != tc.want {
			t.Errorf("ParseSize(%q, %d) = %d, %v; want %d", tc.in, tc.base, v, err, tc.want)
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		f    func(string) (int, error)
		in   string
		want int
		err  bool
	}{
		{ParsePercent, "50%", 50, false},
		{ParsePercent, "101%", 0, true},
		{ParsePercent, "50", 0, true},
		{ParsePercent, "-1%", 0, true},
		{ParsePermille, "50.5%", 505, false},
		{ParsePermille, "50.55%", 0, true},
		{ParsePermille, "7‰", 7, false},
		{ParsePermyriad, "50.55%", 5055, false},
		{ParsePermyriad, "50.5%", 5050, false},
		{ParsePermyriad, "50%", 5000, false},
		{ParsePermyriad, "12.3‰", 123, false},
		{ParsePermyriad, "42‱", 42, false},
		{ParsePermyriad, "100.01%", 0, true},
		{ParsePermyriad, "100%", 10000, false},
		{ParsePermyriad, "1.%", 0, true},
		{ParsePermyriad, "1.234%", 0, true},
		{ParsePermyriad, "010%", 800, false}, // C base detection: octal
		{ParsePermyriad, "0x10%", 1600, false},
		{ParsePermyriad, " 5%", 500, false},
	}
	for _, tc := range tests {
		v, err := tc.f(tc.in)
		if (err != nil) != tc.err || v != tc.want {
			t.Errorf("%q: %d %v, want %d err %v", tc.in, v, err, tc.want, tc.err)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]uint32{"0644": 0o644, "755": 0o755, "0": 0, "7777": 0o7777, " 0600": 0o600} {
		if v, err := ParseMode(in); err != nil || v != want {
			t.Errorf("ParseMode(%q) = %o %v", in, v, err)
		}
	}
	for _, in := range []string{"10000", "8", "+644", "-1", "0x1ff", "644 ", "", "rw"} {
		if v, err := ParseMode(in); err == nil {
			t.Errorf("ParseMode(%q) = %o accepted", in, v)
		}
	}
}

func TestSignals(t *testing.T) {
	for in, want := range map[string]int{
		"SIGTERM": 15, "TERM": 15, "15": 15, "9": 9, "SIGKILL": 9, "HUP": 1, "SIGRTMIN": 34, "RTMIN+3": 37,
		"SIGRTMAX": 64, "RTMAX-1": 63, "64": 64, "STKFLT": 16, "SIGSYS": 31, "+2": 2,
	} {
		if v, err := ParseSignal(in); err != nil || v != want {
			t.Errorf("ParseSignal(%q) = %d %v, want %d", in, v, err, want)
		}
	}
	for in, want := range map[string]syscall.Errno{
		"0": syscall.ERANGE, "65": syscall.ERANGE, "sigterm": syscall.EINVAL, "SIGFOO": syscall.EINVAL,
		"RTMIN+31": syscall.ERANGE, "RTMIN-1": syscall.EINVAL, "RTMAX+1": syscall.EINVAL, "IOT": syscall.EINVAL, "": syscall.EINVAL,
	} {
		if _, err := ParseSignal(in); !errors.Is(err, want) {
			t.Errorf("ParseSignal(%q) err %v, want %v", in, err, want)
		}
	}
	for n, want := range map[int]string{15: "TERM", 9: "KILL", 34: "RTMIN+0", 64: "RTMIN+30", 32: "32", 0: "0"} {
		if got := SignalName(n); got != want {
			t.Errorf("SignalName(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestExitStatus(t *testing.T) {
	for in, want := range map[string]int{
		"0": 0, "255": 255, "SUCCESS": 0, "FAILURE": 1, "TEMPFAIL": 75, "USAGE": 64, "CONFIG": 78,
		"INVALIDARGUMENT": 2, "NOTRUNNING": 7, "CHDIR": 200, "STDERR": 222, "PAM": 224, "APPARMOR": 231,
		"CHOWN": 235, "BPF": 244, "EXCEPTION": 255, "0x10": 16, "010": 8,
	} {
		if v, err := ParseExitStatus(in); err != nil || v != want {
			t.Errorf("ParseExitStatus(%q) = %d %v, want %d", in, v, err, want)
		}
	}
	for _, in := range []string{"256", "-1", "tempfail", "TERM", "", "223x"} {
		if v, err := ParseExitStatus(in); err == nil {
			t.Errorf("ParseExitStatus(%q) = %d accepted", in, v)
		}
	}
	if ExitStatusName(223) != "" || ExitStatusName(226) != "NAMESPACE" || ExitStatusName(100) != "" {
		t.Error("ExitStatusName")
	}
	set, warns := ParseExitStatusSet("SuccessExitStatus", "143 SIGTERM TEMPFAIL 1 HUP bogus RTMIN+1")
	if strings.Join(intsToStrings(set.Status), " ") != "143 75 1" ||
		strings.Join(intsToStrings(set.Signals), " ") != "15 1 35" {
		t.Errorf("set %+v", set)
	}
	if len(warns) != 1 || warns[0].Msg != "Failed to parse value, ignoring: bogus" {
		t.Errorf("warnings %v", warns)
	}
	_, warns = ParseExitStatusSet("SuccessExitStatus", `1 2\`)
	if len(warns) != 1 || warns[0].Msg != `Failed to parse SuccessExitStatus=1 2\, ignoring: Invalid argument` {
		t.Errorf("warnings %v", warns)
	}
}

func intsToStrings(v []int) []string {
	out := make([]string, len(v))
	for i, n := range v {
		out[i] = strconv.Itoa(n)
	}
	return out
}
