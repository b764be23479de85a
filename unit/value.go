package unit

import (
	"math"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Errors of the value parsers are syscall.Errno values, as in systemd:
// EINVAL for malformed input, ERANGE for values out of range. Their
// Error() text is lower-case Go style; systemd's messages print
// "Invalid argument" / "Numerical result out of range".

// ParseBool is systemd's parse_boolean(): 1 yes y true t on and 0 no n
// false f off, in any case. Nothing is trimmed.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, syscall.EINVAL
}

// cIsSpace is C's isspace() in the C locale.
func cIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// cStrtou is the shared core of C's strtol/strtoul: leading isspace,
// an optional sign, then digits of base (0: "0x" hex, "0" octal, else
// decimal; 16 also takes "0x"). It returns the magnitude (saturated, with
// overflow set past 2^64-1), the sign and the index after the number (0
// when there are no digits, as C sets endptr to the start).
func cStrtou(s string, base int) (mag uint64, neg bool, end int, overflow bool) {
	i := 0
	for i < len(s) && cIsSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if (base == 0 || base == 16) && i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && digitVal(s[i+2]) < 16 {
		i += 2
		base = 16
	} else if base == 0 {
		if i < len(s) && s[i] == '0' {
			base = 8
		} else {
			base = 10
		}
	}
	start := i
	for i < len(s) && digitVal(s[i]) < base {
		d := uint64(digitVal(s[i]))
		if !overflow {
			if mag > (math.MaxUint64-d)/uint64(base) {
				overflow = true
				mag = math.MaxUint64
			} else {
				mag = mag*uint64(base) + d
			}
		}
		i++
	}
	if i == start {
		return 0, false, 0, false
	}
	return mag, neg, i, overflow
}

// mangleBase is systemd's mangle_base(): "0b" and "0o" prefixes when no
// base is given.
func mangleBase(s string, base int) (string, int) {
	if base != 0 {
		return s, base
	}
	if strings.HasPrefix(s, "0b") || strings.HasPrefix(s, "0B") {
		return s[2:], 2
	}
	if strings.HasPrefix(s, "0o") || strings.HasPrefix(s, "0O") {
		return s[2:], 8
	}
	return s, 0
}

// safeAtoi is systemd's safe_atoi().
func safeAtoi(s string) (int, error) {
	s = strings.TrimLeft(s, whitespace)
	s, base := mangleBase(s, 0)
	mag, neg, end, overflow := cStrtou(s, base)
	if end == 0 {
		return 0, syscall.EINVAL
	}
	// strtol: range of long.
	if overflow || !neg && mag > math.MaxInt64 || neg && mag > 1<<63 {
		return 0, syscall.ERANGE
	}
	if end != len(s) {
		return 0, syscall.EINVAL
	}
	v := int64(mag)
	if neg {
		v = -v
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, syscall.ERANGE
	}
	return int(v), nil
}

// safeAtou is systemd's safe_atou_full() with base 0 or 8 and optionally
// SAFE_ATO_REFUSE_PLUS_MINUS.
func safeAtou(s string, base int, refusePlusMinus bool) (uint32, error) {
	s = strings.TrimLeft(s, whitespace)
	if refusePlusMinus && s != "" && (s[0] == '+' || s[0] == '-') {
		return 0, syscall.EINVAL
	}
	s, base = mangleBase(s, base)
	mag, neg, end, overflow := cStrtou(s, base)
	if overflow {
		return 0, syscall.ERANGE
	}
	if end == 0 || end != len(s) {
		return 0, syscall.EINVAL
	}
	if mag != 0 && s[0] == '-' {
		return 0, syscall.ERANGE
	}
	if neg {
		mag = -mag // strtoul negates silently
	}
	if mag > math.MaxUint32 {
		return 0, syscall.ERANGE
	}
	return uint32(mag), nil
}

// Time units in microseconds, as systemd defines them.
const (
	usecPerMsec   = 1000
	usecPerSec    = 1000 * usecPerMsec
	usecPerMinute = 60 * usecPerSec
	usecPerHour   = 60 * usecPerMinute
	usecPerDay    = 24 * usecPerHour
	usecPerWeek   = 7 * usecPerDay
	usecPerMonth  = 2629800 * usecPerSec
	usecPerYear   = 31557600 * usecPerSec
)

// USecInfinity is systemd's USEC_INFINITY, what "infinity" parses to.
const USecInfinity = math.MaxUint64

// timeUnits is systemd's suffix table, in its matching order (first
// prefix match wins).
func timeUnit(s string) (rest string, mult uint64, ok bool) {
	for _, u := range [...]struct {
		suffix string
		usec   uint64
	}{
		{"seconds", usecPerSec}, {"second", usecPerSec}, {"sec", usecPerSec}, {"s", usecPerSec},
		{"minutes", usecPerMinute}, {"minute", usecPerMinute}, {"min", usecPerMinute},
		{"months", usecPerMonth}, {"month", usecPerMonth}, {"M", usecPerMonth},
		{"msec", usecPerMsec}, {"ms", usecPerMsec}, {"m", usecPerMinute},
		{"hours", usecPerHour}, {"hour", usecPerHour}, {"hr", usecPerHour}, {"h", usecPerHour},
		{"days", usecPerDay}, {"day", usecPerDay}, {"d", usecPerDay},
		{"weeks", usecPerWeek}, {"week", usecPerWeek}, {"w", usecPerWeek},
		{"years", usecPerYear}, {"year", usecPerYear}, {"y", usecPerYear},
		{"usec", 1}, {"us", 1}, {"µs", 1},
	} {
		if strings.HasPrefix(s, u.suffix) {
			return s[len(u.suffix):], u.usec, true
		}
	}
	return s, 0, false
}

// ParseTimespan is systemd's parse_time(): a sum of numbers, each
// optionally fractional ("1.5h", ".5s") and followed by a unit (us usec
// µs ms msec s sec second(s) m min minute(s) h hr hour(s) d day(s) w
// week(s) M month(s) y year(s); a month is 30.44 days, a year 365.25
// days), or "infinity" (USecInfinity). A number without unit is in
// defaultUnit (time.Second for most settings; at least 1µs). Negative
// values and overflow are ERANGE, the rest EINVAL.
func ParseTimespan(s string, defaultUnit time.Duration) (uint64, error) {
	def := uint64(defaultUnit / time.Microsecond)
	if def == 0 {
		def = 1
	}
	p := strings.TrimLeft(s, whitespace)
	if rest, ok := strings.CutPrefix(p, "infinity"); ok {
		if strings.TrimLeft(rest, whitespace) != "" {
			return 0, syscall.EINVAL
		}
		return USecInfinity, nil
	}
	var r uint64
	something := false
	for {
		p = strings.TrimLeft(p, whitespace)
		if p == "" {
			if !something {
				return 0, syscall.EINVAL
			}
			return r, nil
		}
		if p[0] == '-' {
			return 0, syscall.ERANGE
		}
		mag, neg, end, overflow := cStrtou(p, 10)
		if overflow || !neg && mag > math.MaxInt64 || neg && mag > 1<<63 {
			return 0, syscall.ERANGE
		}
		if neg && mag != 0 {
			return 0, syscall.ERANGE
		}
		l := mag
		e := end // index of strtoll's endptr in p (0 when no digits)
		var frac string
		hasDot := e < len(p) && p[e] == '.'
		if hasDot {
			j := e + 1
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			frac = p[e+1 : j]
			p = p[j:]
		} else if e == 0 {
			return 0, syscall.EINVAL
		} else {
			p = p[e:]
		}
		afterWS := strings.TrimLeft(p, whitespace)
		rest, mult, ok := timeUnit(afterWS)
		if !ok {
			mult = def
			if len(afterWS) == len(p) && p != "" {
				// Not "12.34.56", but "12.34 .56" and "12.34s.56" are fine.
				return 0, syscall.EINVAL
			}
		}
		p = rest
		if l >= USecInfinity/mult {
			return 0, syscall.ERANGE
		}
		k := l * mult
		if k >= USecInfinity-r {
			return 0, syscall.ERANGE
		}
		r += k
		something = true
		if hasDot {
			m := mult / 10
			for i := 0; i < len(frac); i++ {
				k = uint64(frac[i]-'0') * m
				if k >= USecInfinity-r {
					return 0, syscall.ERANGE
				}
				r += k
				m /= 10
			}
			if frac == "" {
				return 0, syscall.EINVAL // "3.sec", "3. 1"
			}
		}
	}
}

// FormatTimespan is systemd's format_timespan() as `systemctl show` and
// `systemd-analyze timespan` print time spans: "infinity", "0", or units
// from y month w d h min s ms us separated by spaces ("1min 30s"). Below a
// minute, a remainder finer than the unit is shown as a fraction
// ("1.500000s" with accuracy 0 or 1, "1.500s" with accuracy 1000). Units
// below accuracy (in µs) are left out once something was printed.
func FormatTimespan(usec uint64, accuracy uint64) string {
	if usec == USecInfinity {
		return "infinity"
	}
	if usec == 0 {
		return "0"
	}
	table := [...]struct {
		suffix string
		usec   uint64
	}{
		{"y", usecPerYear}, {"month", usecPerMonth}, {"w", usecPerWeek}, {"d", usecPerDay},
		{"h", usecPerHour}, {"min", usecPerMinute}, {"s", usecPerSec}, {"ms", usecPerMsec}, {"us", 1},
	}
	b := make([]byte, 0, 32)
	t := usec
	something := false
	for _, u := range table {
		if t == 0 {
			break
		}
		if t < accuracy && something {
			break
		}
		if t < u.usec {
			continue
		}
		a, rem := t/u.usec, t%u.usec
		if len(b) > 0 {
			b = append(b, ' ')
		}
		done := false
		if t < usecPerMinute && rem > 0 {
			j := 0
			for cc := u.usec; cc > 1; cc /= 10 {
				j++
			}
			for cc := accuracy; cc > 1; cc /= 10 {
				rem /= 10
				j--
			}
			if j > 0 {
				b = strconv.AppendUint(b, a, 10)
				b = append(b, '.')
				f := strconv.FormatUint(rem, 10)
				for k := len(f); k < j; k++ {
					b = append(b, '0')
				}
				b = append(b, f...)
				b = append(b, u.suffix...)
				t = 0
				done = true
			}
		}
		if !done {
			b = strconv.AppendUint(b, a, 10)
			b = append(b, u.suffix...)
			t = rem
		}
		something = true
	}
	return string(b)
}

// ParseSize is systemd's parse_size(): a sum of numbers with optional
// fraction, each with a suffix K M G T P E (powers of base, which must be
// 1024 or 1000) or B or none, the suffixes in descending order ("1G 512M";
// a suffixless part must be last). Negative values and overflow are
// ERANGE. In addition "infinity" gives math.MaxUint64, as the settings
// that accept it (MemoryMax=, ...) check before calling parse_size.
func ParseSize(s string, base uint64) (uint64, error) {
	if s == "infinity" {
		return math.MaxUint64, nil
	}
	if base != 1000 && base != 1024 {
		return 0, syscall.EINVAL
	}
	suffixes := [...]string{"E", "P", "T", "G", "M", "K", "B", ""}
	factor := func(i int) uint64 {
		f := uint64(1)
		for k := i; k < 6; k++ {
			f *= base
		}
		return f
	}
	var r uint64
	start := 0
	p := s
	for {
		p = strings.TrimLeft(p, whitespace)
		mag, neg, end, overflow := cStrtou(p, 10)
		if overflow {
			return 0, syscall.ERANGE
		}
		if end == 0 {
			return 0, syscall.EINVAL
		}
		if p[0] == '-' {
			return 0, syscall.ERANGE
		}
		if neg {
			mag = -mag // strtoull negates silently (after leading isspace)
		}
		l := mag
		e := end
		var frac float64
		if e < len(p) && p[e] == '.' {
			e++
			if e < len(p) && p[e] >= '0' && p[e] <= '9' {
				l2, _, e2, ovf := cStrtou(p[e:], 10)
				if ovf {
					return 0, syscall.ERANGE
				}
				frac = float64(l2)
				for k := 0; k < e2; k++ {
					frac /= 10
				}
				e += e2
			}
		}
		rest := strings.TrimLeft(p[e:], whitespace)
		i := start
		for ; i < len(suffixes); i++ {
			if strings.HasPrefix(rest, suffixes[i]) {
				break
			}
		}
		if i >= len(suffixes) {
			return 0, syscall.EINVAL
		}
		f := factor(i)
		extra := uint64(0)
		if frac > 0 {
			extra = 1
		}
		if l+extra > math.MaxUint64/f { // wraps like the C code for l = 2^64-1
			return 0, syscall.ERANGE
		}
		tmp := l*f + uint64(frac*float64(f))
		if tmp > math.MaxUint64-r {
			return 0, syscall.ERANGE
		}
		r += tmp
		p = rest[len(suffixes[i]):]
		start = i + 1
		if p == "" {
			return r, nil
		}
	}
}

// ParsePercent is systemd's parse_percent(): "N%" with 0 <= N <= 100.
func ParsePercent(s string) (int, error) {
	v, err := partsWhole(s, "%")
	if err == nil && v > 100 {
		return 0, syscall.ERANGE
	}
	return v, err
}

// ParsePermille is systemd's parse_permille(): "N‰", or "N%"/"N.N%",
// in tenths of a percent, at most 1000.
func ParsePermille(s string) (int, error) {
	var v int
	var err error
	if strings.HasSuffix(s, "‰") {
		v, err = partsWhole(s, "‰")
	} else {
		v, err = partsFrac(s, "%", 1)
	}
	if err == nil && v > 1000 {
		return 0, syscall.ERANGE
	}
	return v, err
}

// ParsePermyriad is systemd's parse_permyriad(): "N‱", "N‰"/"N.N‰", or
// "N%", "N.N%", "N.NN%", in hundredths of a percent, at most 10000. The
// number is read as C does with base detection ("010%" is 8%).
func ParsePermyriad(s string) (int, error) {
	var v int
	var err error
	switch {
	case strings.HasSuffix(s, "‱"):
		v, err = partsWhole(s, "‱")
	case strings.HasSuffix(s, "‰"):
		v, err = partsFrac(s, "‰", 1)
	default:
		v, err = partsFrac(s, "%", 2)
	}
	if err == nil && v > 10000 {
		return 0, syscall.ERANGE
	}
	return v, err
}

func partsWhole(s, symbol string) (int, error) {
	n, ok := strings.CutSuffix(s, symbol)
	if !ok {
		return 0, syscall.EINVAL
	}
	v, err := safeAtoi(n)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, syscall.ERANGE
	}
	return v, nil
}

// partsFrac parses "N[.D{1,places}]symbol" scaled by 10^places.
func partsFrac(s, symbol string, places int) (int, error) {
	n, ok := strings.CutSuffix(s, symbol)
	if !ok {
		return 0, syscall.EINVAL
	}
	scale := 10
	if places == 2 {
		scale = 100
	}
	q := 0
	if dot := strings.IndexByte(n, '.'); dot >= 0 {
		d := n[dot+1:]
		if len(d) < 1 || len(d) > places {
			return 0, syscall.EINVAL
		}
		for i := 0; i < len(d); i++ {
			if d[i] < '0' || d[i] > '9' {
				return 0, syscall.EINVAL
			}
		}
		q = int(d[0] - '0')
		if places == 2 {
			q *= 10
			if len(d) == 2 {
				q += int(d[1] - '0')
			}
		}
		n = n[:dot]
	}
	v, err := safeAtoi(n)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, syscall.ERANGE
	}
	if v > (math.MaxInt32-q)/scale {
		return 0, syscall.ERANGE
	}
	return v*scale + q, nil
}

// ParseMode is systemd's parse_mode(): an octal number up to 07777,
// leading blanks allowed, no sign.
func ParseMode(s string) (uint32, error) {
	m, err := safeAtou(s, 8, true)
	if err != nil {
		return 0, err
	}
	if m > 0o7777 {
		return 0, syscall.ERANGE
	}
	return m, nil
}

// Linux (glibc) signal numbers: SIGRTMIN is 34 because glibc reserves
// 32 and 33; _NSIG is 65.
const (
	sigRTMin = 34
	sigRTMax = 64
	nSig     = 65
)

func staticSignalName(n int) string {
	switch n {
	case 1:
		return "HUP"
	case 2:
		return "INT"
	case 3:
		return "QUIT"
	case 4:
		return "ILL"
	case 5:
		return "TRAP"
	case 6:
		return "ABRT"
	case 7:
		return "BUS"
	case 8:
		return "FPE"
	case 9:
		return "KILL"
	case 10:
		return "USR1"
	case 11:
		return "SEGV"
	case 12:
		return "USR2"
	case 13:
		return "PIPE"
	case 14:
		return "ALRM"
	case 15:
		return "TERM"
	case 16:
		return "STKFLT"
	case 17:
		return "CHLD"
	case 18:
		return "CONT"
	case 19:
		return "STOP"
	case 20:
		return "TSTP"
	case 21:
		return "TTIN"
	case 22:
		return "TTOU"
	case 23:
		return "URG"
	case 24:
		return "XCPU"
	case 25:
		return "XFSZ"
	case 26:
		return "VTALRM"
	case 27:
		return "PROF"
	case 28:
		return "WINCH"
	case 29:
		return "IO"
	case 30:
		return "PWR"
	case 31:
		return "SYS"
	}
	return ""
}

// ParseSignal is systemd's signal_from_string(): a number 1..64, or a
// name with or without "SIG" (case-sensitive: "TERM", "SIGTERM"), or
// RTMIN, RTMIN+n, RTMAX, RTMAX-n. Out-of-range numbers are ERANGE, other
// input EINVAL.
func ParseSignal(s string) (int, error) {
	if n, err := safeAtoi(s); err == nil {
		if n > 0 && n < nSig {
			return n, nil
		}
		return 0, syscall.ERANGE
	}
	s = strings.TrimPrefix(s, "SIG")
	for n := 1; n < 32; n++ {
		if staticSignalName(n) == s {
			return n, nil
		}
	}
	if p, ok := strings.CutPrefix(s, "RTMIN"); ok {
		if p == "" {
			return sigRTMin, nil
		}
		if p[0] != '+' {
			return 0, syscall.EINVAL
		}
		n, err := safeAtoi(p)
		if err != nil {
			return 0, err
		}
		if n < 0 || n > sigRTMax-sigRTMin {
			return 0, syscall.ERANGE
		}
		return n + sigRTMin, nil
	}
	if p, ok := strings.CutPrefix(s, "RTMAX"); ok {
		if p == "" {
			return sigRTMax, nil
		}
		if p[0] != '-' {
			return 0, syscall.EINVAL
		}
		n, err := safeAtoi(p)
		if err != nil {
			return 0, err
		}
		if n > 0 || n < sigRTMin-sigRTMax {
			return 0, syscall.ERANGE
		}
		return n + sigRTMax, nil
	}
	return 0, syscall.EINVAL
}

// SignalName is systemd's signal_to_string() without "SIG": "TERM",
// "RTMIN+3", or the number for others. `systemctl show` prints
// KillSignal= as a number; the "SIG" form is what systemd's logs use.
func SignalName(n int) string {
	if s := staticSignalName(n); s != "" {
		return s
	}
	if n >= sigRTMin && n <= sigRTMax {
		return "RTMIN+" + strconv.Itoa(n-sigRTMin)
	}
	return strconv.Itoa(n)
}

func exitStatusName(code int) string {
	switch {
	case code == 0:
		return "SUCCESS"
	case code == 1:
		return "FAILURE"
	case code >= 2 && code <= 7:
		return [...]string{"INVALIDARGUMENT", "NOTIMPLEMENTED", "NOPERMISSION", "NOTINSTALLED", "NOTCONFIGURED", "NOTRUNNING"}[code-2]
	case code >= 64 && code <= 78:
		return [...]string{"USAGE", "DATAERR", "NOINPUT", "NOUSER", "NOHOST", "UNAVAILABLE", "SOFTWARE", "OSERR", "OSFILE", "CANTCREAT", "IOERR", "TEMPFAIL", "PROTOCOL", "NOPERM", "CONFIG"}[code-64]
	case code >= 200 && code <= 244:
		// 223 and 234 are reserved (formerly tcpwrap and kdbus).
		return [...]string{"CHDIR", "NICE", "FDS", "EXEC", "MEMORY", "LIMITS", "OOM_ADJUST", "SIGNAL_MASK", "STDIN", "STDOUT",
			"CHROOT", "IOPRIO", "TIMERSLACK", "SECUREBITS", "SETSCHEDULER", "CPUAFFINITY", "GROUP", "USER", "CAPABILITIES", "CGROUP",
			"SETSID", "CONFIRM", "STDERR", "", "PAM", "NETWORK", "NAMESPACE", "NO_NEW_PRIVILEGES", "SECCOMP", "SELINUX_CONTEXT",
			"PERSONALITY", "APPARMOR", "ADDRESS_FAMILIES", "RUNTIME_DIRECTORY", "", "CHOWN", "SMACK_PROCESS_LABEL", "KEYRING", "STATE_DIRECTORY", "CACHE_DIRECTORY",
			"LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY", "NUMA_POLICY", "CREDENTIALS", "BPF"}[code-200]
	case code == 255:
		return "EXCEPTION"
	}
	return ""
}

// ExitStatusName returns systemd's name for an exit status ("TEMPFAIL"
// for 75, "NAMESPACE" for 226), or "" when it has none.
func ExitStatusName(code int) string { return exitStatusName(code) }

// ParseExitStatus is systemd's exit_status_from_string(): one of
// systemd's exit status names (case-sensitive: SUCCESS FAILURE, the LSB
// names INVALIDARGUMENT..NOTRUNNING, the BSD sysexits names USAGE..CONFIG
// such as TEMPFAIL, systemd's own CHDIR..BPF and EXCEPTION), or a number
// 0..255 (C syntax: "0x10" is 16, "010" is 8).
func ParseExitStatus(s string) (int, error) {
	if s != "" {
		for code := 0; code < 256; code++ {
			if exitStatusName(code) == s {
				return code, nil
			}
		}
	}
	v, err := safeAtou(s, 0, false)
	if err != nil {
		return 0, err
	}
	if v > 255 {
		return 0, syscall.ERANGE
	}
	return int(v), nil
}

// ExitStatusSet is the value of SuccessExitStatus=,
// RestartPreventExitStatus= and RestartForceExitStatus=.
type ExitStatusSet struct {
	Status  []int // exit codes 0..255, in the order given
	Signals []int // signal numbers
}

// ParseExitStatusSet parses such a setting as systemd's
// config_parse_set_status(): words separated by blanks (backslash escapes
// the next character, no quoting), each an exit status (tried first, so
// numbers are statuses) or a signal. Words that are neither are skipped
// with a warning; a malformed word list stops with a warning. An empty
// value (which resets the set) is the caller's business. lvalue is used
// in messages.
func ParseExitStatusSet(lvalue, value string) (ExitStatusSet, []*Diag) {
	var set ExitStatusSet
	var warnings []*Diag
	w := NewWords(value)
	for {
		word, ok, err := w.Next("", 0)
		if err != nil {
			warnings = append(warnings, &Diag{Warning: true, Msg: "Failed to parse " + lvalue + "=" + value + ", ignoring: " + strerror(syscall.EINVAL)})
			return set, warnings
		}
		if !ok {
			return set, warnings
		}
		if c, err := ParseExitStatus(word); err == nil {
			set.Status = append(set.Status, c)
			continue
		}
		sig, err := ParseSignal(word)
		if err != nil {
			warnings = append(warnings, &Diag{Warning: true, Msg: "Failed to parse value, ignoring: " + word})
			continue
		}
		set.Signals = append(set.Signals, sig)
	}
}
