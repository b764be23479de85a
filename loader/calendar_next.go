package loader

import "time"

// This file computes when an OnCalendar= expression elapses next. systemd
// does it by walking a broken-down time ("struct tm") forward field by
// field, letting mktime() normalise it after every step; where local time
// is skipped or repeated (DST), the result depends on exactly how glibc's
// mktime() resolves such times. gosd reproduces both: the walk
// (calendarSearch) and the libc conversions it relies on (calendarClock).

// Next returns the first time strictly after `after` that matches the
// spec, as systemd 252's calendar_spec_next_usec() computes it, and false
// when there is none: the expression does not match again before the end
// of 2199, or systemd would give up on it (it stops after 1000 steps of
// its search, e.g. for "*-02,04,06,09,11-31" from 2025 on).
//
// The spec is evaluated in its own zone: UTC, its tz database zone
// (loaded from the system's zoneinfo on every call; an unreadable zone is
// UTC, as for glibc), or time.Local. The result is in that zone too and
// has microsecond precision; `after` is truncated to the microsecond.
// A time before 1970 counts as the start of 1970-01-01 UTC, which systemd
// cannot go below.
func (c *CalendarSpec) Next(after time.Time) (time.Time, bool) {
	return c.nextIn(after, c.location(time.Local))
}

// location returns the zone the spec is evaluated in, given the local one.
func (c *CalendarSpec) location(local *time.Location) *time.Location {
	switch {
	case c.UTC:
		return time.UTC
	case c.Timezone != "":
		// systemd sets $TZ in a child process; glibc treats a zone it
		// cannot read as UTC.
		if l, err := time.LoadLocation(c.Timezone); err == nil {
			return l
		}
		return time.UTC
	}
	return local
}

// nextIn is Next in the zone loc (see location).
func (c *CalendarSpec) nextIn(after time.Time, loc *time.Location) (time.Time, bool) {
	if c.UTC {
		loc = time.UTC
	}
	// calendar_spec_next_usec() starts one microsecond after its argument.
	start := after.Unix()*usecPerSec + int64(after.Nanosecond()/1000) + 1
	if start < 0 {
		start = 0
	}
	s := calendarSearch{spec: c, clock: calendarClock{loc: loc, utc: c.UTC}}
	tm := s.clock.localtime(start / usecPerSec)
	usec := int(start % usecPerSec)
	if !s.find(&tm, &usec) {
		return time.Time{}, false
	}
	secs, ok := s.clock.mktime(&tm)
	if !ok || secs < 0 {
		return time.Time{}, false
	}
	return time.UnixMicro(secs*usecPerSec + int64(usec)).In(loc), true
}

// calendarMaxSteps is systemd's MAX_CALENDAR_ITERATIONS: find_next()
// gives up after this many restarts of its walk.
const calendarMaxSteps = 1000

// calendarTM is C's struct tm, the value systemd's search works on: until
// it is normalised, any field may be out of its range (minute 60, day 32).
type calendarTM struct {
	year                 int // the full year, not tm_year's year-1900
	mon                  int // 0 to 11
	mday, hour, min, sec int
	wday, yday           int // set by normalisation; Sunday is 0
	isdst                int // -1: unknown, let mktime decide
}

// calendarSearch is one run of systemd's find_next() for a spec.
type calendarSearch struct {
	spec  *CalendarSpec
	clock calendarClock
}

// walk outcomes of a bounds check (systemd's tm_within_bounds()).
const (
	calendarBoundsFail    = -1 // out of range or normalisation went backwards
	calendarBoundsMoved   = 0  // normalisation moved the time forward: restart
	calendarBoundsInRange = 1
)

// find moves *tm and *usec forward to the first time that matches, as
// systemd's find_next() does; false when there is none.
func (s *calendarSearch) find(tm *calendarTM, usec *int) bool {
	c := s.spec
	t := *tm
	us := *usec
	// zeroBelow clears every field finer than the named one.
	zeroBelowYear := func() { t.mon, t.mday, t.hour, t.min, t.sec, us = 0, 1, 0, 0, 0, 0 }
	zeroBelowMonth := func() { t.mday, t.hour, t.min, t.sec, us = 1, 0, 0, 0, 0 }
	zeroBelowDay := func() { t.hour, t.min, t.sec, us = 0, 0, 0, 0 }
	zeroBelowHour := func() { t.min, t.sec, us = 0, 0, 0 }
	zeroBelowMinute := func() { t.sec, us = 0, 0 }

	keepDST := false
	for step := 0; step < calendarMaxSteps; step++ {
		s.clock.mktime(&t) // a failure leaves t as it was, as in C
		if !keepDST {
			t.isdst = c.DST
		}

		moved, ok := s.match(c.Year, false, t, &t.year)
		if !ok {
			return false
		}
		if moved {
			zeroBelowYear()
		}
		if s.bounds(&t) != calendarBoundsInRange {
			return false
		}

		mon := t.mon + 1
		moved, ok = s.match(c.Month, false, t, &mon)
		t.mon = mon - 1
		if moved {
			zeroBelowMonth()
		}
		if b := s.boundsIf(ok, &t); b == calendarBoundsFail {
			t.year++
			zeroBelowYear()
			continue
		} else if b == calendarBoundsMoved {
			continue
		}

		moved, ok = s.match(c.Day, c.EndOfMonth, t, &t.mday)
		if moved {
			zeroBelowDay()
		}
		if b := s.boundsIf(ok, &t); b == calendarBoundsFail {
			t.mon++
			zeroBelowMonth()
			continue
		} else if b == calendarBoundsMoved {
			continue
		}

		if !s.weekdayMatches(t) {
			t.mday++
			zeroBelowDay()
			continue
		}

		moved, ok = s.match(c.Hour, false, t, &t.hour)
		if moved {
			zeroBelowHour()
		}
		if b := s.boundsIf(ok, &t); b == calendarBoundsFail {
			t.mday++
			zeroBelowDay()
			continue
		} else if b == calendarBoundsMoved {
			// The hour may not exist on this day (DST): start over
			// from the normalised time.
			continue
		}

		moved, ok = s.match(c.Minute, false, t, &t.min)
		if moved {
			zeroBelowMinute()
		}
		if b := s.boundsIf(ok, &t); b == calendarBoundsFail {
			t.hour++
			zeroBelowHour()
			continue
		} else if b == calendarBoundsMoved {
			continue
		}

		x := t.sec*usecPerSec + us
		_, ok = s.match(c.Second, false, t, &x)
		t.sec, us = x/usecPerSec, x%usecPerSec
		if b := s.boundsIf(ok, &t); b == calendarBoundsFail {
			t.min++
			zeroBelowMinute()
			continue
		} else if b == calendarBoundsMoved {
			continue
		}

		if calendarBefore(t, us, *tm, *usec) {
			// Normalising a skipped local time went backwards (a zone
			// whose DST is negative, as Europe/Dublin's, or not an
			// hour). The systemd 252.38 of Debian 12 then tries an
			// hour later and from there on keeps the DST flag mktime()
			// found (seen in its mktime() calls); the v252 release
			// returned the earlier time.
			t.hour++
			keepDST = true
			continue
		}
		*tm, *usec = t, us
		return true
	}
	// systemd logs "Infinite loop in calendar calculation" here.
	return false
}

// match moves *val to the earliest value at or after it that the chain
// allows (systemd's find_matching_component()): moved when it changed,
// false when no value is left. A nil chain ("*") allows every value.
// Days counted from the end of the month (endOfMonth) are resolved
// against t's month.
func (s *calendarSearch) match(l []CalendarComponent, endOfMonth bool, t calendarTM, val *int) (moved, ok bool) {
	if l == nil {
		return false, true
	}
	best, found := 0, false
	for _, x := range l {
		start, stop := x.Start, x.Stop
		if endOfMonth {
			start, stop = s.endOfMonth(t, start), s.endOfMonth(t, stop)
			if stop > 0 {
				start, stop = stop, start
			}
		}
		switch {
		case start >= *val:
			if !found || start < best {
				best, found = start, true
			}
		case x.Repeat > 0:
			k := start + x.Repeat*((*val-start+x.Repeat-1)/x.Repeat)
			if (!found || k < best) && (stop < 0 || k <= stop) {
				best, found = k, true
			}
		}
	}
	if !found {
		return false, false
	}
	moved = *val != best
	*val = best
	return moved, true
}

// endOfMonth returns the day of t's month that is `back` days before the
// month's end (1: the last day), or -1 when there is no such day.
func (s *calendarSearch) endOfMonth(t calendarTM, back int) int {
	x := t
	x.mon++
	x.mday = 1 - back
	if _, ok := s.clock.mktime(&x); !ok || x.mon != t.mon {
		return -1
	}
	return x.mday
}

// boundsIf is bounds after a match that may have failed (!ok).
func (s *calendarSearch) boundsIf(ok bool, t *calendarTM) int {
	if !ok {
		return calendarBoundsFail
	}
	return s.bounds(t)
}

// bounds is systemd's tm_within_bounds(): it fails past the last year or
// when normalising t would go backwards; when normalising moves t forward
// it stores the normalised time, with the field below the first one that
// changed reset, and reports calendarBoundsMoved.
func (s *calendarSearch) bounds(t *calendarTM) int {
	if t.year > calendarMaxYear {
		return calendarBoundsFail
	}
	n := *t
	if _, ok := s.clock.mktime(&n); !ok {
		return calendarBoundsFail
	}
	cmp := 0
	switch {
	case n.year != t.year:
		cmp = calendarCmp(n.year, t.year)
		n.mon = 0
	case n.mon != t.mon:
		cmp = calendarCmp(n.mon, t.mon)
		n.mday = 1
	case n.mday != t.mday:
		cmp = calendarCmp(n.mday, t.mday)
		n.hour = 0
	case n.hour != t.hour:
		cmp = calendarCmp(n.hour, t.hour)
		n.min = 0
	case n.min != t.min:
		cmp = calendarCmp(n.min, t.min)
		n.sec = 0
	default:
		cmp = calendarCmp(n.sec, t.sec)
	}
	switch {
	case cmp < 0:
		return calendarBoundsFail
	case cmp > 0:
		*t = n
		return calendarBoundsMoved
	}
	return calendarBoundsInRange
}

// calendarBefore reports whether a (with microseconds au) reads as an
// earlier time than b, comparing field by field from the year down.
func calendarBefore(a calendarTM, au int, b calendarTM, bu int) bool {
	for _, d := range [...]int{a.year - b.year, a.mon - b.mon, a.mday - b.mday, a.hour - b.hour, a.min - b.min, a.sec - b.sec, au - bu} {
		if d != 0 {
			return d < 0
		}
	}
	return false
}

func calendarCmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// weekdayMatches is systemd's matches_weekday().
func (s *calendarSearch) weekdayMatches(t calendarTM) bool {
	w := s.spec.Weekdays
	if w <= 0 || w >= 1<<7-1 {
		return true
	}
	if _, ok := s.clock.mktime(&t); !ok {
		return false
	}
	return w&(1<<((t.wday+6)%7)) != 0
}

// calendarClock converts between Unix seconds and broken-down time in one
// zone the way glibc 2.36's localtime_r() and mktime() do (gmtime_r() and
// timegm() for UTC), so that skipped and repeated local times resolve as
// they do under systemd.
type calendarClock struct {
	loc *time.Location
	utc bool
	// offset is mktime()'s memory of its last result (the result minus
	// the requested time read as UTC); its first guess for the next call
	// starts from it, which decides how a repeated local time resolves.
	// glibc keeps it in a static variable. The first conversion of a
	// search has an exact tm_isdst and so does not depend on it.
	offset int64
}

// localtime is localtime_r() (gmtime_r() for UTC).
func (k *calendarClock) localtime(secs int64) calendarTM {
	tt := time.Unix(secs, 0).In(k.loc)
	y, m, d := tt.Date()
	h, mi, sec := tt.Clock()
	dst := 0
	if !k.utc && tt.IsDST() {
		dst = 1
	}
	return calendarTM{year: y, mon: int(m) - 1, mday: d, hour: h, min: mi, sec: sec,
		wday: int(tt.Weekday()), yday: tt.YearDay() - 1, isdst: dst}
}

// Probing constants of glibc's mktime(): the step, in seconds, between
// the times it looks at for one with the requested tm_isdst, and how far
// it looks.
const (
	calendarMktimeStride      = 601200
	calendarMktimeDurationMax = 457243200
)

// mktime normalises *t and returns its Unix time as glibc's mktime() does
// (timegm() for UTC), false where that fails; a failure leaves *t alone.
//
// A local time that is skipped (spring forward) comes out shifted by the
// size of the gap: to the DST side when t.isdst is -1 (backwards where
// DST is negative, as in Europe/Dublin), else to the side whose isdst
// differs from t.isdst. One that is repeated (fall back) takes the UTC
// offset of the previous result unless t.isdst says which. A t.isdst of 0
// or 1 that the zone does not have at that time borrows the UTC offset of
// the nearest time that has it.
func (k *calendarClock) mktime(t *calendarTM) (int64, bool) {
	isdst := t.isdst
	if k.utc {
		isdst = 0
	}
	year := t.year + calendarFloorDiv(t.mon, 12)
	yday := calendarMonthDays(year, calendarFloorMod(t.mon, 12)) + t.mday - 1
	// Leap seconds are possible for glibc: it solves for a second in
	// 0..59 and adds the rest afterwards.
	sec := min(max(t.sec, 0), 59)
	want := calendarNaiveSeconds(year, yday, t.hour, t.min, sec)
	diff := func(got calendarTM) int64 {
		return want - calendarNaiveSeconds(got.year, got.yday, got.hour, got.min, got.sec)
	}

	guess := want + k.offset
	secs, t1, t2 := guess, guess, guess
	dst2 := false // whether the previous probe was DST
	got := k.localtime(secs)
	probes := 6
	resolved := false
	for {
		dt := diff(got)
		if dt == 0 {
			break
		}
		// Oscillating between two times: the requested one falls in a
		// gap. Take one of them: the DST one when no isdst was asked
		// for, else the one whose isdst differs from the request.
		if secs == t1 && secs != t2 {
			gotDST := got.isdst != 0
			if isdst < 0 && calendarBit(dst2) <= calendarBit(gotDST) || isdst >= 0 && (isdst != 0) != gotDST {
				resolved = true
				break
			}
		}
		probes--
		if probes == 0 {
			return 0, false
		}
		t1, t2, secs, dst2 = t2, secs, secs+dt, got.isdst != 0
		got = k.localtime(secs)
	}
	if !resolved && calendarDSTDiffer(isdst, got.isdst) {
		// Borrow the offset of the nearest time with the requested
		// isdst; failing that, assume DST is one hour.
		found := false
		for delta := int64(calendarMktimeStride); delta < calendarMktimeDurationMax/2+calendarMktimeStride && !found; delta += calendarMktimeStride {
			for _, dir := range [2]int64{-1, 1} {
				ot := secs + delta*dir
				otm := k.localtime(ot)
				if !calendarDSTDiffer(isdst, otm.isdst) {
					secs = ot + diff(otm)
					got = k.localtime(secs)
					found = true
					break
				}
			}
		}
		if !found {
			secs += 3600 * int64(calendarBit(isdst == 0)-calendarBit(got.isdst == 0))
			got = k.localtime(secs)
		}
	}
	k.offset = secs - want
	if t.sec != got.sec {
		adj := int64(t.sec - sec)
		if sec == 0 && got.sec == 60 {
			adj++
		}
		secs += adj
		got = k.localtime(secs)
	}
	*t = got
	return secs, true
}

// calendarDSTDiffer is glibc's test: two tm_isdst values differ when both are
// known and exactly one is zero.
func calendarDSTDiffer(a, b int) bool {
	return (a == 0) != (b == 0) && a >= 0 && b >= 0
}

func calendarBit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// calendarNaiveSeconds is the Unix time of a date and time read as UTC; yday,
// hour, minute and second may be out of range.
func calendarNaiveSeconds(year, yday, hour, minute, sec int) int64 {
	days := calendarDaysBeforeYear(year) - calendarDaysBeforeYear(1970) + int64(yday)
	return ((days*24+int64(hour))*60+int64(minute))*60 + int64(sec)
}

// calendarDaysBeforeYear counts the days from 0001-01-01 (proleptic Gregorian)
// to January 1st of year.
func calendarDaysBeforeYear(year int) int64 {
	y := int64(year) - 1
	return 365*y + calendarFloorDiv64(y, 4) - calendarFloorDiv64(y, 100) + calendarFloorDiv64(y, 400)
}

// calendarMonthDays returns the number of days of year before month
// mon (0 to 11).
func calendarMonthDays(year, mon int) int {
	before := [12]int{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}[mon]
	if mon >= 2 && (year%4 == 0 && (year%100 != 0 || year%400 == 0)) {
		before++
	}
	return before
}

func calendarFloorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func calendarFloorMod(a, b int) int { return a - calendarFloorDiv(a, b)*b }

func calendarFloorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
