package loader

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosd/gosd/unit"
)

// Timer holds the [Timer] settings (systemd.timer(5), systemd 252). Time
// spans are in microseconds.
type Timer struct {
	// Values are the On*= settings, the one read last first (systemd
	// keeps them in that order and shows them so). An empty On*= of any
	// kind removes all of them.
	Values []TimerValue

	AccuracyUSec        uint64
	RandomizedDelayUSec uint64
	FixedRandomDelay    bool
	OnClockChange       bool
	OnTimezoneChange    bool
	Persistent          bool
	WakeSystem          bool
	RemainAfterElapse   bool
	// Unit is the name Unit= gave ("" when not set); the unit the timer
	// activates is its Triggers= dependency.
	Unit string
}

// TimerValue is one On*= setting.
type TimerValue struct {
	// Base is the setting's name: OnActiveSec, OnBootSec, OnStartupSec,
	// OnUnitActiveSec, OnUnitInactiveSec or OnCalendar.
	Base     string
	USec     uint64        // the time span of the monotonic ones
	Calendar *CalendarSpec // OnCalendar= only, parsed
	Expr     string        // OnCalendar= only, as written (specifiers expanded)
}

// defaultTimerAccuracy is the manager's DefaultTimerAccuracySec=.
const defaultTimerAccuracy = 60_000_000

func newTimer() *Timer {
	return &Timer{AccuracyUSec: defaultTimerAccuracy, RemainAfterElapse: true}
}

var timerDirectives = []directive{
	{in: secTimer, name: "OnCalendar", parse: parseFunc(parseTimerValue)},
	{in: secTimer, name: "OnActiveSec", parse: parseFunc(parseTimerValue)},
	{in: secTimer, name: "OnBootSec", parse: parseFunc(parseTimerValue)},
	{in: secTimer, name: "OnStartupSec", parse: parseFunc(parseTimerValue)},
	{in: secTimer, name: "OnUnitActiveSec", parse: parseFunc(parseTimerValue)},
	{in: secTimer, name: "OnUnitInactiveSec", parse: parseFunc(parseTimerValue)},
	{in: secTimer, name: "OnClockChange", parse: boolField(func(u *Unit) *bool { return &u.Timer.OnClockChange })},
	{in: secTimer, name: "OnTimezoneChange", parse: boolField(func(u *Unit) *bool { return &u.Timer.OnTimezoneChange })},
	{in: secTimer, name: "Persistent", parse: boolField(func(u *Unit) *bool { return &u.Timer.Persistent })},
	{in: secTimer, name: "WakeSystem", parse: boolField(func(u *Unit) *bool { return &u.Timer.WakeSystem }), unsupported: "gosd does not wake the system from suspend"},
	{in: secTimer, name: "RemainAfterElapse", parse: boolField(func(u *Unit) *bool { return &u.Timer.RemainAfterElapse })},
	{in: secTimer, name: "FixedRandomDelay", parse: boolField(func(u *Unit) *bool { return &u.Timer.FixedRandomDelay })},
	{in: secTimer, name: "AccuracySec", parse: secField(func(u *Unit) *uint64 { return &u.Timer.AccuracyUSec })},
	{in: secTimer, name: "RandomizedDelaySec", parse: secField(func(u *Unit) *uint64 { return &u.Timer.RandomizedDelayUSec })},
	{in: secTimer, name: "Unit", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		name, err := parseTriggerUnit(u, o)
		if err == nil {
			u.Timer.Unit = name
		}
		return err
	})},
}

// parseTimerValue is systemd's config_parse_timer().
func parseTimerValue(u *Unit, o *unit.Option) error {
	t := u.Timer
	if o.Value == "" {
		t.Values = nil
		return nil
	}
	v, err := u.spec.Expand(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	tv := TimerValue{Base: o.Name}
	if o.Name == "OnCalendar" {
		c, err := ParseCalendarSpec(v)
		if err != nil {
			return fmt.Errorf("Failed to parse calendar specification, ignoring: %s", v)
		}
		tv.Calendar, tv.Expr = c, v
	} else {
		tv.USec, err = unit.ParseTimespan(v, time.Second)
		if err != nil {
			return fmt.Errorf("Failed to parse timer value, ignoring: %s", v)
		}
	}
	t.Values = append([]TimerValue{tv}, t.Values...)
	return nil
}

// parseTriggerUnit is systemd's config_parse_trigger_unit() (Unit= of
// timers and paths): it adds Before= and Triggers= on the unit at once
// and returns its name. A template is instantiated with this unit's
// instance, or its prefix when it has none.
func parseTriggerUnit(u *Unit, o *unit.Option) (string, error) {
	if u.hasFwd(Triggers) {
		return "", fmt.Errorf("Multiple units to trigger specified, ignoring: %s", o.Value)
	}
	name, err := u.spec.ExpandName(o.Value)
	if err != nil {
		return "", fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %v", o.Value, err)
	}
	if !unit.IsValidName(name) {
		return "", fmt.Errorf("Unit type not valid, ignoring: %s", o.Value)
	}
	for _, n := range u.Names {
		if n == name {
			return "", fmt.Errorf("Units cannot trigger themselves, ignoring: %s", o.Value)
		}
	}
	if unit.IsTemplate(name) {
		inst := u.Instance()
		if inst == "" {
			inst, _, _ = strings.Cut(u.ID, ".")
		}
		if x, err := unit.Instantiate(name, inst); err == nil {
			name = x
		}
	}
	u.addDep(Before, name)
	u.addDep(Triggers, name)
	return name, nil
}

// timerExtras adds what systemd 252's timer_load() adds, then refuses a
// timer without any On*= setting as timer_verify() does.
func (u *Unit) timerExtras(s *Set) {
	t := u.Timer
	if !u.hasFwd(Triggers) {
		svc := trigRelatedName(u.ID, ".service")
		u.addDep(Before, svc)
		u.addDep(Triggers, svc)
	}
	if t.Persistent {
		trigRequireMountsFor(u, "/var/lib/systemd/timers")
	}
	if u.Unit.DefaultDependencies {
		u.addDep(Before, timersTarget)
		u.addSystemDefaults()
		// Calendar timers wait for the clock to be set.
		for _, v := range t.Values {
			if v.Calendar != nil {
				u.addDep(After, timeSyncTarget)
				u.addDep(After, timeSetTarget)
				break
			}
		}
	}
	if len(t.Values) == 0 && !t.OnClockChange && !t.OnTimezoneChange {
		trigRefuse(u, "Timer unit lacks value setting. Refusing.")
	}
}

// CalendarSpec is a parsed OnCalendar= expression (systemd.time(7)).
// String gives systemd's normalised form.
type CalendarSpec struct {
	// Weekdays has bit 0 for Monday ... bit 6 for Sunday; 0 means any day.
	Weekdays   int
	EndOfMonth bool // the day is counted from the end of the month ("~")
	UTC        bool
	// DST is 0 or 1 when the expression ended in the local time zone's
	// standard or daylight saving abbreviation, -1 otherwise.
	DST      int
	Timezone string // a tz database name ("" for local time or UTC)
	// The components; nil means "*". Seconds are in microseconds.
	Year, Month, Day, Hour, Minute, Second []CalendarComponent
}

// CalendarComponent is one value, range or repetition: Start, or
// Start..Stop, every Repeat (0: just Start). Stop is -1 when there is no
// range.
type CalendarComponent struct {
	Start, Stop, Repeat int
}

const (
	calendarMinYear = 1970
	calendarMaxYear = 2199
	calendarMaxComp = 240 // systemd's CALENDARSPEC_COMPONENTS_MAX
	usecPerSec      = 1_000_000
)

var calendarDays = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

var calendarDayNames = [...]struct {
	name string
	nr   int
}{
	{"Monday", 0}, {"Mon", 0}, {"Tuesday", 1}, {"Tue", 1}, {"Wednesday", 2}, {"Wed", 2},
	{"Thursday", 3}, {"Thu", 3}, {"Friday", 4}, {"Fri", 4}, {"Saturday", 5}, {"Sat", 5},
	{"Sunday", 6}, {"Sun", 6},
}

// calendarShorthands are the named expressions and what they stand for.
var calendarShorthands = [...]struct{ name, expr string }{
	{"minutely", "*-*-* *:*:00"},
	{"hourly", "*-*-* *:00:00"},
	{"daily", "*-*-* 00:00:00"},
	{"monthly", "*-*-01 00:00:00"},
	{"weekly", "Mon *-*-* 00:00:00"},
	{"yearly", "*-01-01 00:00:00"},
	{"annually", "*-01-01 00:00:00"},
	{"anually", "*-01-01 00:00:00"},
	{"quarterly", "*-01,04,07,10-01 00:00:00"},
	{"semiannually", "*-01,07-01 00:00:00"},
	{"semi-annually", "*-01,07-01 00:00:00"},
	{"biannually", "*-01,07-01 00:00:00"},
	{"bi-annually", "*-01,07-01 00:00:00"},
}

// ParseCalendarSpec parses an OnCalendar= expression as systemd 252's
// calendar_spec_from_string() does. A time zone suffix is "UTC", one of
// the local zone's abbreviations, or a zone of /usr/share/zoneinfo on
// this machine (as systemd, gosd looks at the system it runs on).
func ParseCalendarSpec(s string) (*CalendarSpec, error) {
	c := &CalendarSpec{DST: -1}
	p := s
	if len(p) >= 4 && strings.EqualFold(p[len(p)-4:], " UTC") {
		c.UTC = true
		p = p[:len(p)-4]
	} else {
		std, dst := localZoneNames()
		found := false
		for j, z := range []string{std, dst} {
			if z == "" || len(p) <= len(z) || !strings.EqualFold(p[len(p)-len(z):], z) || p[len(p)-len(z)-1] != ' ' {
				continue
			}
			c.DST = j
			p = p[:len(p)-len(z)-1]
			found = true
			break
		}
		if !found {
			if i := strings.LastIndexByte(p, ' '); i >= 0 && timezoneValid(p[i+1:]) {
				c.Timezone = p[i+1:]
				p = p[:i]
			}
		}
	}
	if p == "" {
		return nil, errCalendar
	}
	lp := strings.ToLower(p)
	for _, sh := range calendarShorthands {
		if sh.name == lp {
			p = sh.expr
			break
		}
	}
	cp := &calendarParser{s: p}
	if err := cp.weekdays(c); err != nil {
		return nil, err
	}
	done, err := cp.date(c)
	if err != nil {
		return nil, err
	}
	if !done {
		if err := cp.time(c); err != nil {
			return nil, err
		}
	}
	if cp.s != "" {
		return nil, errCalendar
	}
	c.normalize()
	if !c.valid() {
		return nil, errCalendar
	}
	return c, nil
}

var errCalendar = errors.New("invalid calendar specification")

// localZoneNames returns the local time zone's abbreviations for
// standard and daylight saving time, as tzset() sets tzname[].
func localZoneNames() (std, dst string) {
	y := time.Now().Year()
	n1, o1 := time.Date(y, 1, 1, 0, 0, 0, 0, time.Local).Zone()
	n2, o2 := time.Date(y, 7, 1, 0, 0, 0, 0, time.Local).Zone()
	switch {
	case o1 == o2:
		return n1, n1
	case o1 < o2:
		return n1, n2
	default:
		return n2, n1
	}
}

// timezoneValid is systemd's timezone_is_valid(): a tz database name
// whose file exists and starts with the TZif magic.
func timezoneValid(name string) bool {
	if name == "" || name[0] == '/' {
		return false
	}
	if name == "UTC" {
		return true
	}
	slash := false
	for _, c := range []byte(name) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_+/", c) >= 0) {
			return false
		}
		if c == '/' {
			if slash {
				return false
			}
			slash = true
		} else {
			slash = false
		}
	}
	if slash || len(name) >= 4096 {
		return false
	}
	f, err := os.Open("/usr/share/zoneinfo/" + name)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	var magic [4]byte
	if _, err := f.Read(magic[:]); err != nil {
		return false
	}
	return string(magic[:]) == "TZif"
}

type calendarParser struct{ s string }

func (cp *calendarParser) at(i int) byte {
	if i < len(cp.s) {
		return cp.s[i]
	}
	return 0
}

func (cp *calendarParser) skipSpaces() { cp.s = strings.TrimLeft(cp.s, " ") }

// weekdays parses the optional leading "Mon,Wed..Fri" part.
func (cp *calendarParser) weekdays(c *CalendarSpec) error {
	l := -1
	first := true
	for {
		nr, skip := -1, 0
		for _, d := range calendarDayNames {
			if len(cp.s) >= len(d.name) && strings.EqualFold(cp.s[:len(d.name)], d.name) {
				nr, skip = d.nr, len(d.name)
				break
			}
		}
		if nr < 0 {
			if first {
				return nil
			}
			return errCalendar
		}
		if next := cp.at(skip); next != 0 && strings.IndexByte("-.,  ", next) < 0 {
			return errCalendar
		}
		c.Weekdays |= 1 << nr
		if l >= 0 {
			if l > nr {
				return errCalendar
			}
			for j := l + 1; j < nr; j++ {
				c.Weekdays |= 1 << j
			}
		}
		cp.s = cp.s[skip:]
		switch cp.at(0) {
		case 0:
			return nil
		case ' ':
			cp.skipSpaces()
			return nil
		case '.':
			if l >= 0 || cp.at(1) != '.' {
				return errCalendar
			}
			l = nr
			cp.s = cp.s[2:]
		case '-':
			// "-" ranges are still accepted for compatibility.
			if l >= 0 {
				return errCalendar
			}
			l = nr
			cp.s = cp.s[1:]
		case ',':
			l = -1
			cp.s = cp.s[1:]
		}
		if b := cp.at(0); b == 0 || b == ' ' {
			cp.skipSpaces()
			if l >= 0 {
				return errCalendar
			}
			return nil
		}
		first = false
	}
}

// decimal parses one number; seconds (usec) may have a fraction.
func (cp *calendarParser) decimal(usec bool) (int, error) {
	i := 0
	for i < len(cp.s) && cp.s[i] >= '0' && cp.s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, errCalendar
	}
	var v uint64
	for _, d := range []byte(cp.s[:i]) {
		v = v*10 + uint64(d-'0')
		if v > 1<<40 {
			return 0, errCalendar
		}
	}
	cp.s = cp.s[i:]
	if usec {
		v *= usecPerSec
		if cp.at(0) == '.' && cp.at(1) != '.' {
			cp.s = cp.s[1:]
			if cp.at(0) < '0' || cp.at(0) > '9' {
				return 0, errCalendar
			}
			var frac uint64
			n := 0
			for ; n < 6 && cp.at(0) >= '0' && cp.at(0) <= '9'; n++ {
				frac = frac*10 + uint64(cp.s[0]-'0')
				cp.s = cp.s[1:]
			}
			for ; n < 6; n++ {
				frac *= 10
			}
			if b := cp.at(0); b >= '5' && b <= '9' {
				frac++
			}
			cp.s = strings.TrimLeft(cp.s, "0123456789")
			v += frac
		}
	}
	if v > 1<<31-1 {
		return 0, errCalendar
	}
	return int(v), nil
}

// chain parses "*" or a comma-separated list of components.
func (cp *calendarParser) chain(usec bool) ([]CalendarComponent, error) {
	if cp.at(0) == '*' {
		cp.s = cp.s[1:]
		if usec {
			return []CalendarComponent{{Start: 0, Stop: -1, Repeat: usecPerSec}}, nil
		}
		return nil, nil
	}
	var out []CalendarComponent
	for {
		if len(out) > calendarMaxComp {
			return nil, errCalendar
		}
		c := CalendarComponent{Stop: -1}
		var err error
		if c.Start, err = cp.decimal(usec); err != nil {
			return nil, err
		}
		if cp.at(0) == '.' && cp.at(1) == '.' {
			cp.s = cp.s[2:]
			if c.Stop, err = cp.decimal(usec); err != nil {
				return nil, err
			}
			c.Repeat = 1
			if usec {
				c.Repeat = usecPerSec
			}
		}
		if cp.at(0) == '/' {
			cp.s = cp.s[1:]
			if c.Repeat, err = cp.decimal(usec); err != nil {
				return nil, err
			}
			if c.Repeat == 0 {
				return nil, errCalendar
			}
		} else if c.Start > 1<<31-1-c.Repeat || usec && c.Stop >= 0 && c.Start+c.Repeat > c.Stop {
			// A seconds range without "/" steps by whole seconds, so it
			// must span at least one.
			return nil, errCalendar
		}
		if b := cp.at(0); b != 0 && strings.IndexByte(" ,-~:", b) < 0 {
			return nil, errCalendar
		}
		out = append(out, c)
		if cp.at(0) != ',' {
			return out, nil
		}
		cp.s = cp.s[1:]
	}
}

// date parses the optional "[YEAR-]MONTH-DAY" part; done is set for
// "@SECONDS", which needs no time.
func (cp *calendarParser) date(c *CalendarSpec) (done bool, err error) {
	if cp.s == "" {
		return false, nil
	}
	if cp.s[0] == '@' {
		i := 1
		for i < len(cp.s) && cp.s[i] >= '0' && cp.s[i] <= '9' {
			i++
		}
		if i == 1 || i > 19 {
			return false, errCalendar
		}
		secs, err := strconv.ParseInt(cp.s[1:i], 10, 64)
		if err != nil {
			return false, errCalendar // out of range, as systemd 252 says
		}
		t := time.Unix(secs, 0).UTC()
		one := func(v int) []CalendarComponent { return []CalendarComponent{{Start: v, Stop: -1}} }
		c.UTC = true
		c.Year, c.Month, c.Day = one(t.Year()), one(int(t.Month())), one(t.Day())
		c.Hour, c.Minute, c.Second = one(t.Hour()), one(t.Minute()), one(t.Second()*usecPerSec)
		cp.s = cp.s[i:]
		return true, nil
	}
	save := cp.s
	first, err := cp.chain(false)
	if err != nil {
		return false, err
	}
	if b := cp.at(0); b == 0 || b == ':' {
		cp.s = save // it was a time
		return false, nil
	}
	switch cp.at(0) {
	case '~':
		c.EndOfMonth = true
	case '-':
	default:
		return false, errCalendar
	}
	cp.s = cp.s[1:]
	second, err := cp.chain(false)
	if err != nil {
		return false, err
	}
	if b := cp.at(0); b == 0 || b == ' ' {
		cp.skipSpaces()
		c.Month, c.Day = first, second
		return false, nil
	}
	if c.EndOfMonth {
		return false, errCalendar
	}
	switch cp.at(0) {
	case '~':
		c.EndOfMonth = true
	case '-':
	default:
		return false, errCalendar
	}
	cp.s = cp.s[1:]
	third, err := cp.chain(false)
	if err != nil {
		return false, err
	}
	if b := cp.at(0); b != 0 && b != ' ' {
		return false, errCalendar
	}
	cp.skipSpaces()
	c.Year, c.Month, c.Day = first, second, third
	return false, nil
}

// time parses "HOUR:MINUTE[:SECOND]"; nothing at all means 00:00:00.
func (cp *calendarParser) time(c *CalendarSpec) error {
	zero := func() []CalendarComponent { return []CalendarComponent{{Start: 0, Stop: -1}} }
	if cp.s == "" {
		c.Hour, c.Minute, c.Second = zero(), zero(), zero()
		return nil
	}
	h, err := cp.chain(false)
	if err != nil {
		return err
	}
	if cp.at(0) != ':' {
		return errCalendar
	}
	cp.s = cp.s[1:]
	m, err := cp.chain(false)
	if err != nil {
		return err
	}
	sec := zero()
	if cp.s != "" {
		if cp.at(0) != ':' {
			return errCalendar
		}
		cp.s = cp.s[1:]
		if sec, err = cp.chain(true); err != nil {
			return err
		}
		if cp.s != "" {
			return errCalendar
		}
	}
	c.Hour, c.Minute, c.Second = h, m, sec
	return nil
}

// normalize is systemd's calendar_spec_normalize().
func (c *CalendarSpec) normalize() {
	if c.Timezone == "UTC" {
		c.UTC = true
		c.Timezone = ""
	}
	if c.Weekdays >= 1<<7-1 {
		c.Weekdays = 0
	}
	if c.EndOfMonth && c.Day == nil {
		c.EndOfMonth = false
	}
	for i := range c.Year {
		for _, v := range []*int{&c.Year[i].Start, &c.Year[i].Stop} {
			switch {
			case *v >= 0 && *v < 70:
				*v += 2000
			case *v >= 70 && *v < 100:
				*v += 1900
			}
		}
	}
	for _, l := range []*[]CalendarComponent{&c.Year, &c.Month, &c.Day, &c.Hour, &c.Minute, &c.Second} {
		*l = normalizeCalendarChain(*l)
	}
}

func normalizeCalendarChain(l []CalendarComponent) []CalendarComponent {
	for i := range l {
		x := &l[i]
		if x.Stop > x.Start && x.Repeat > 0 {
			x.Stop -= (x.Stop - x.Start) % x.Repeat
		}
		// A repetition that cannot happen even once, or an empty range,
		// is a plain value.
		if x.Stop > x.Start && x.Repeat > 0 && x.Start+x.Repeat > x.Stop || x.Start == x.Stop {
			x.Repeat, x.Stop = 0, -1
		}
	}
	sort.Slice(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		if a.Stop != b.Stop {
			return a.Stop < b.Stop
		}
		return a.Repeat < b.Repeat
	})
	out := l[:0]
	for i, x := range l {
		if i == 0 || x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// valid is systemd's calendar_spec_valid().
func (c *CalendarSpec) valid() bool {
	return calendarChainValid(c.Year, calendarMinYear, calendarMaxYear, false) &&
		calendarChainValid(c.Month, 1, 12, false) &&
		calendarChainValid(c.Day, 1, 31, c.EndOfMonth) &&
		calendarChainValid(c.Hour, 0, 23, false) &&
		calendarChainValid(c.Minute, 0, 59, false) &&
		calendarChainValid(c.Second, 0, 60*usecPerSec-1, false)
}

func calendarChainValid(l []CalendarComponent, from, to int, endOfMonth bool) bool {
	for _, x := range l {
		// At most 28 days from the end of the month. systemd subtracts
		// again for each further value of the list, and so does gosd.
		if endOfMonth {
			to -= 3
		}
		if x.Start < from || x.Start > to || x.Repeat > to-from {
			return false
		}
		if x.Stop >= 0 {
			if x.Stop < from || x.Stop > to || x.Start+x.Repeat > x.Stop {
				return false
			}
		} else if endOfMonth && x.Start-x.Repeat < from || !endOfMonth && x.Start+x.Repeat > to {
			return false
		}
	}
	return true
}

// String returns the normalised form, as `systemd-analyze calendar`
// prints it and the TimersCalendar= property shows it.
func (c *CalendarSpec) String() string {
	var b strings.Builder
	if c.Weekdays > 0 {
		c.formatWeekdays(&b)
		b.WriteByte(' ')
	}
	formatCalendarChain(&b, 4, c.Year, false)
	b.WriteByte('-')
	formatCalendarChain(&b, 2, c.Month, false)
	if c.EndOfMonth {
		b.WriteByte('~')
	} else {
		b.WriteByte('-')
	}
	formatCalendarChain(&b, 2, c.Day, false)
	b.WriteByte(' ')
	formatCalendarChain(&b, 2, c.Hour, false)
	b.WriteByte(':')
	formatCalendarChain(&b, 2, c.Minute, false)
	b.WriteByte(':')
	formatCalendarChain(&b, 2, c.Second, true)
	switch {
	case c.UTC:
		b.WriteString(" UTC")
	case c.Timezone != "":
		b.WriteString(" " + c.Timezone)
	case c.DST == 0 || c.DST == 1:
		std, dst := localZoneNames()
		if z := [2]string{std, dst}[c.DST]; z != "" {
			b.WriteString(" " + z)
		}
	}
	return b.String()
}

func (c *CalendarSpec) formatWeekdays(b *strings.Builder) {
	l := -1
	comma := false
	x := 0
	for ; x < len(calendarDays); x++ {
		if c.Weekdays&(1<<x) != 0 {
			if l < 0 {
				if comma {
					b.WriteByte(',')
				}
				comma = true
				b.WriteString(calendarDays[x])
				l = x
			}
		} else if l >= 0 {
			if x > l+1 {
				if x > l+2 {
					b.WriteString("..")
				} else {
					b.WriteByte(',')
				}
				b.WriteString(calendarDays[x-1])
			}
			l = -1
		}
	}
	if l >= 0 && x > l+1 {
		if x > l+2 {
			b.WriteString("..")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(calendarDays[x-1])
	}
}

func formatCalendarChain(b *strings.Builder, width int, l []CalendarComponent, usec bool) {
	d := 1
	if usec {
		d = usecPerSec
	}
	if len(l) == 0 {
		b.WriteByte('*')
		return
	}
	if usec && len(l) == 1 && l[0].Start == 0 && l[0].Repeat == usecPerSec && l[0].Stop < 0 {
		b.WriteByte('*')
		return
	}
	for i, x := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, "%0*d", width, x.Start/d)
		if x.Start%d > 0 {
			fmt.Fprintf(b, ".%06d", x.Start%d)
		}
		if x.Stop > 0 {
			fmt.Fprintf(b, "..%0*d", width, x.Stop/d)
		}
		if x.Stop > 0 && x.Stop%d > 0 {
			fmt.Fprintf(b, ".%06d", x.Stop%d)
		}
		if x.Repeat > 0 && !(x.Stop > 0 && x.Repeat == d) {
			fmt.Fprintf(b, "/%d", x.Repeat/d)
		}
		if x.Repeat%d > 0 {
			fmt.Fprintf(b, ".%06d", x.Repeat%d)
		}
	}
}
