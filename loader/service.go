package loader

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gosd/gosd/unit"
)

// Service holds the [Service] settings (systemd.service(5) of systemd
// 252). Time spans are in microseconds; Infinity means "infinity".
//
// Type and OOMPolicy stay "" until the unit has loaded: systemd derives
// them from the other settings then (see serviceExtras), and a unit that
// fails to parse shows them empty. NotifyAccess and TimeoutStartUSec are
// adjusted at the same point.
type Service struct {
	Type                       string // simple exec forking oneshot dbus notify idle
	ExitType                   string // main cgroup
	Restart                    string // no on-success on-failure on-abnormal on-watchdog on-abort always
	PIDFile                    string // absolute, simplified; /var/run/ already rewritten to /run/
	NotifyAccess               string // none main exec all
	RestartUSec                uint64
	TimeoutStartUSec           uint64
	TimeoutStopUSec            uint64
	TimeoutAbortUSec           uint64 // meaningful only when TimeoutAbortSet; see TimeoutAbort
	TimeoutAbortSet            bool
	RuntimeMaxUSec             uint64
	RuntimeRandomizedExtraUSec uint64
	WatchdogUSec               uint64
	RootDirectoryStartOnly     bool
	PermissionsStartOnly       bool
	RemainAfterExit            bool
	GuessMainPID               bool
	// NonBlocking= is a [Service] directive that systemd keeps in the exec
	// context (and shows with the exec properties).
	NonBlocking bool

	// rare holds the settings few services use (the exit status lists,
	// the USB function paths; see the methods of those names), nil while
	// none is set: the Service is a 448-byte allocation instead of 640.
	rare *serviceRare

	BusName                string
	FileDescriptorStoreMax uint32
	Sockets                []string // socket units named by Sockets=, in order, each once
	OOMPolicy              string   // continue stop kill

	ExecCondition []unit.ExecCommand
	ExecStartPre  []unit.ExecCommand
	ExecStart     []unit.ExecCommand
	ExecStartPost []unit.ExecCommand
	ExecReload    []unit.ExecCommand
	ExecStop      []unit.ExecCommand
	ExecStopPost  []unit.ExecCommand

	startTimeoutSet bool // TimeoutStartSec= or TimeoutSec= parsed
	busNameWatched  bool // the unit claimed BusName= (see claimBusName)
}

// serviceRare is the part of a Service that few services set.
type serviceRare struct {
	restartPrevent, restartForce, success ExitStatusSet
	usbDescriptors, usbStrings            string
	startFailureMode, stopFailureMode     string // "" for "terminate"
}

var noServiceRare serviceRare

// rareRO returns s's rare settings for reading.
func (s *Service) rareRO() *serviceRare { return readRare(s.rare, &noServiceRare) }

// rareRW returns s's rare settings for writing, made on first use.
func (s *Service) rareRW() *serviceRare { return writeRare(&s.rare, &noServiceRare) }

// RestartPreventExitStatus is RestartPreventExitStatus=.
func (s *Service) RestartPreventExitStatus() ExitStatusSet { return s.rareRO().restartPrevent }

// RestartForceExitStatus is RestartForceExitStatus=.
func (s *Service) RestartForceExitStatus() ExitStatusSet { return s.rareRO().restartForce }

// SuccessExitStatus is SuccessExitStatus=.
func (s *Service) SuccessExitStatus() ExitStatusSet { return s.rareRO().success }

// TimeoutStartFailureMode is TimeoutStartFailureMode=: terminate, abort
// or kill.
func (s *Service) TimeoutStartFailureMode() string {
	return cmp.Or(s.rareRO().startFailureMode, "terminate")
}

// TimeoutStopFailureMode is TimeoutStopFailureMode=.
func (s *Service) TimeoutStopFailureMode() string {
	return cmp.Or(s.rareRO().stopFailureMode, "terminate")
}

// USBFunctionDescriptors is USBFunctionDescriptors=.
func (s *Service) USBFunctionDescriptors() string { return s.rareRO().usbDescriptors }

// USBFunctionStrings is USBFunctionStrings=.
func (s *Service) USBFunctionStrings() string { return s.rareRO().usbStrings }

// ExitStatusSet is the value of SuccessExitStatus=, RestartPreventExitStatus=
// and RestartForceExitStatus=: exit statuses and signal numbers, each
// sorted and without duplicates, as systemd keeps them (in bitmaps).
type ExitStatusSet struct {
	Status  []int
	Signals []int
}

// Empty reports whether the set holds nothing.
func (e ExitStatusSet) Empty() bool { return len(e.Status) == 0 && len(e.Signals) == 0 }

// TimeoutAbort is the time systemd waits after the watchdog aborted the
// service: TimeoutAbortSec= if given, TimeoutStopSec= otherwise.
func (s *Service) TimeoutAbort() uint64 {
	if s.TimeoutAbortSet {
		return s.TimeoutAbortUSec
	}
	return s.TimeoutStopUSec
}

// Manager defaults of systemd 252's system instance with an empty
// system.conf (conformance/testdata/manager.show).
const (
	defaultTimeoutStartUSec = 90_000_000
	defaultTimeoutStopUSec  = 90_000_000
	defaultRestartUSec      = 100_000
	defaultOOMPolicy        = "stop"
)

// init sets s to a service's defaults.
func (s *Service) init() {
	*s = Service{
		ExitType:         "main",
		Restart:          "no",
		NotifyAccess:     "none",
		RestartUSec:      defaultRestartUSec,
		TimeoutStartUSec: defaultTimeoutStartUSec,
		TimeoutStopUSec:  defaultTimeoutStopUSec,
		RuntimeMaxUSec:   Infinity,
		GuessMainPID:     true,
	}
}

// Values systemd 252 accepts for the [Service] enumerations.
var (
	serviceTypes        = []string{"simple", "exec", "forking", "oneshot", "dbus", "notify", "idle"}
	serviceExitTypes    = []string{"main", "cgroup"}
	serviceRestarts     = []string{"no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"}
	timeoutFailureModes = []string{"terminate", "abort", "kill"}
	notifyAccessValues  = []string{"none", "main", "exec", "all"}
	oomPolicies         = []string{"continue", "stop", "kill"}
)

// serviceDirectives is systemd 252's [Service] table (the exec, kill and
// cgroup settings are in their own tables; the StartLimit*= and
// FailureAction=/RebootArgument= compatibility names in unitDirectives).
var serviceDirectives = []directive{
	{in: secService, name: "PIDFile", parse: parseFunc(parsePIDFile)},
	{in: secService, name: "ExecCondition", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecCondition })},
	{in: secService, name: "ExecStartPre", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecStartPre })},
	{in: secService, name: "ExecStart", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecStart })},
	{in: secService, name: "ExecStartPost", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecStartPost })},
	{in: secService, name: "ExecReload", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecReload })},
	{in: secService, name: "ExecStop", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecStop })},
	{in: secService, name: "ExecStopPost", parse: execField(func(u *Unit) *[]unit.ExecCommand { return &u.Service.ExecStopPost })},
	{in: secService, name: "RestartSec", parse: secField(func(u *Unit) *uint64 { return &u.Service.RestartUSec })},
	{in: secService, name: "TimeoutSec", parse: parseFunc(parseServiceTimeout)},
	{in: secService, name: "TimeoutStartSec", parse: parseFunc(parseServiceTimeout)},
	{in: secService, name: "TimeoutStopSec", parse: secFix0Field(func(u *Unit) *uint64 { return &u.Service.TimeoutStopUSec })},
	{in: secService, name: "TimeoutAbortSec", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		s := u.Service
		if o.Value == "" {
			s.TimeoutAbortUSec, s.TimeoutAbortSet = 0, false
			return nil
		}
		v, err := unit.ParseTimespan(o.Value, time.Second)
		if err != nil {
			return fmt.Errorf("Failed to parse %s= setting, ignoring: %s", o.Name, o.Value)
		}
		s.TimeoutAbortUSec, s.TimeoutAbortSet = v, true
		return nil
	})},
	{in: secService, name: "TimeoutStartFailureMode", parse: enumField{msg: "Failed to parse timeout failure mode", values: timeoutFailureModes, field: func(u *Unit) *string { return &u.Service.rareRW().startFailureMode }}},
	{in: secService, name: "TimeoutStopFailureMode", parse: enumField{msg: "Failed to parse timeout failure mode", values: timeoutFailureModes, field: func(u *Unit) *string { return &u.Service.rareRW().stopFailureMode }}},
	{in: secService, name: "RuntimeMaxSec", parse: secField(func(u *Unit) *uint64 { return &u.Service.RuntimeMaxUSec })},
	{in: secService, name: "RuntimeRandomizedExtraSec", parse: secField(func(u *Unit) *uint64 { return &u.Service.RuntimeRandomizedExtraUSec })},
	{in: secService, name: "WatchdogSec", parse: secField(func(u *Unit) *uint64 { return &u.Service.WatchdogUSec })},
	{in: secService, name: "Type", parse: enumField{msg: "Failed to parse service type", values: serviceTypes, field: func(u *Unit) *string { return &u.Service.Type }}},
	{in: secService, name: "ExitType", parse: enumField{msg: "Failed to parse service exit type", values: serviceExitTypes, field: func(u *Unit) *string { return &u.Service.ExitType }}},
	{in: secService, name: "Restart", parse: enumField{msg: "Failed to parse service restart specifier", values: serviceRestarts, field: func(u *Unit) *string { return &u.Service.Restart }}},
	{in: secService, name: "PermissionsStartOnly", parse: boolField(func(u *Unit) *bool { return &u.Service.PermissionsStartOnly })},
	{in: secService, name: "RootDirectoryStartOnly", parse: boolField(func(u *Unit) *bool { return &u.Service.RootDirectoryStartOnly })},
	{in: secService, name: "RemainAfterExit", parse: boolField(func(u *Unit) *bool { return &u.Service.RemainAfterExit })},
	{in: secService, name: "GuessMainPID", parse: boolField(func(u *Unit) *bool { return &u.Service.GuessMainPID })},
	{in: secService, name: "RestartPreventExitStatus", parse: exitStatusField(func(s *Service) *ExitStatusSet { return &s.rareRW().restartPrevent })},
	{in: secService, name: "RestartForceExitStatus", parse: exitStatusField(func(s *Service) *ExitStatusSet { return &s.rareRW().restartForce })},
	{in: secService, name: "SuccessExitStatus", parse: exitStatusField(func(s *Service) *ExitStatusSet { return &s.rareRW().success })},
	{in: secService, name: "SysVStartPriority", parse: parseFunc(parseRemoved)},
	{in: secService, name: "NonBlocking", parse: boolField(func(u *Unit) *bool { return &u.Service.NonBlocking })},
	{in: secService, name: "BusName", parse: parseFunc(parseBusName)},
	{in: secService, name: "FileDescriptorStoreMax", parse: parseFunc(func(u *Unit, o *unit.Option) error {
		v, err := parseUnsigned(o.Value)
		if err != nil {
			return fmt.Errorf("Failed to parse unsigned value, ignoring: %s", o.Value)
		}
		u.Service.FileDescriptorStoreMax = v
		return nil
	})},
	{in: secService, name: "NotifyAccess", parse: enumField{msg: "Failed to parse notify access specifier", values: notifyAccessValues, field: func(u *Unit) *string { return &u.Service.NotifyAccess }}},
	{in: secService, name: "Sockets", parse: parseFunc(parseServiceSockets)},
	{in: secService, name: "BusPolicy", parse: parseFunc(parseRemoved)},
	{in: secService, name: "USBFunctionDescriptors", parse: usbPathField(func(s *Service) *string { return &s.rareRW().usbDescriptors }),
		unsupported: "gosd does not write USB FunctionFS descriptors"},
	{in: secService, name: "USBFunctionStrings", parse: usbPathField(func(s *Service) *string { return &s.rareRW().usbStrings }),
		unsupported: "gosd does not write USB FunctionFS descriptors"},
	{in: secService, name: "OOMPolicy", parse: enumField{msg: "Failed to parse OOM policy", values: oomPolicies, field: func(u *Unit) *string { return &u.Service.OOMPolicy }}},
}

// parseSecFix0 is systemd's parse_sec_fix_0(): like a time span, but 0
// means no timeout (infinity).
func parseSecFix0(s string) (uint64, error) {
	v, err := unit.ParseTimespan(s, time.Second)
	if err != nil {
		return 0, err
	}
	if v == 0 {
		return Infinity, nil
	}
	return v, nil
}

// parseServiceTimeout handles TimeoutStartSec= and TimeoutSec= (which sets
// the stop timeout too). Either marks the start timeout as explicitly
// set, so that oneshot services keep it.
func parseServiceTimeout(u *Unit, o *unit.Option) error {
	v, err := parseSecFix0(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to parse %s= parameter, ignoring: %s", o.Name, o.Value)
	}
	s := u.Service
	s.startTimeoutSet = true
	s.TimeoutStartUSec = v
	if o.Name == "TimeoutSec" {
		s.TimeoutStopUSec = v
	}
	return nil
}

// execField parses an Exec*= line of a service or socket and appends its
// commands; an empty value resets the list. A problem in a command line
// whose command is not "-"-prefixed is fatal (the unit becomes
// bad-setting); the commands of the line before the bad one are kept, as
// systemd keeps them.
type execField func(u *Unit) *[]unit.ExecCommand

func (field execField) parse(u *Unit, o *unit.Option) error { return u.parseExecInto(o, field(u)) }

// exitStatusField adds exit statuses and signals to a set; an empty value
// empties it.
type exitStatusField func(s *Service) *ExitStatusSet

func (field exitStatusField) parse(u *Unit, o *unit.Option) error {
	set := field(u.Service)
	if o.Value == "" {
		*set = ExitStatusSet{}
		return nil
	}
	v, warnings := unit.ParseExitStatusSet(o.Name, o.Value)
	for _, w := range warnings {
		u.diagWarn(o, w.Msg)
	}
	set.Status = addSorted(set.Status, v.Status...)
	set.Signals = addSorted(set.Signals, v.Signals...)
	return nil
}

// addSorted inserts values into a sorted list without duplicates.
func addSorted(l []int, values ...int) []int {
	for _, v := range values {
		i, found := slices.BinarySearch(l, v)
		if !found {
			l = slices.Insert(l, i, v)
		}
	}
	return l
}

// runtimeDirectoryPrefix is where a relative PIDFile= goes (systemd's
// runtime directory prefix of the system manager).
const runtimeDirectoryPrefix = "/run"

// parsePIDFile is systemd's config_parse_pid_file: specifiers, relative
// paths made absolute below /run, and /var/run/ rewritten to /run/ with a
// notice. A path that is invalid once simplified stops the parse of the
// unit (LoadState error, not bad-setting), as in systemd.
func parsePIDFile(u *Unit, o *unit.Option) error {
	s := u.Service
	if o.Value == "" {
		s.PIDFile = ""
		return nil
	}
	k, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	if !strings.HasPrefix(k, "/") {
		k = runtimeDirectoryPrefix + "/" + k
	}
	p, msg := simplifyAbsolutePath(o.Name, k)
	if msg != "" {
		u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Msg: msg})
		if u.LoadState == StateLoaded {
			u.LoadState = StateError
			u.LoadError = errInvalidArgument
		}
		return nil
	}
	if rest, ok := strings.CutPrefix(p+"/", "/var/run/"); ok {
		n := "/run/" + strings.TrimSuffix(rest, "/")
		u.Diags = append(u.Diags, &unit.Diag{File: o.File, Line: o.Line, Directive: o.Name, Warning: true,
			Msg: fmt.Sprintf("%s= references a path below legacy directory /var/run/, updating %s → %s; please update the unit file accordingly.", o.Name, p, n)})
		p = n
	}
	s.PIDFile = p
	return nil
}

// errnoError is a load failure systemd reports by its errno, worded as
// strerror() words it.
type errnoError struct {
	errno syscall.Errno
	text  string
}

func (e *errnoError) Error() string        { return e.text }
func (e *errnoError) Is(target error) bool { return target == e.errno }

var (
	errInvalidArgument = &errnoError{syscall.EINVAL, "Invalid argument"}
	errFileExists      = &errnoError{syscall.EEXIST, "File exists"}
)

// simplifyAbsolutePath is systemd's path_simplify_and_warn() with
// PATH_CHECK_ABSOLUTE: it returns the simplified path, or the message
// saying why p is refused.
func simplifyAbsolutePath(lvalue, p string) (string, string) {
	if !utf8.ValidString(p) {
		return "", "String is not UTF-8 clean, ignoring assignment: " + unit.CEscape(p)
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Sprintf("%s= path is not absolute, ignoring: %s", lvalue, p)
	}
	p = unit.PathSimplify(p)
	if len(p) >= 4096 {
		return "", fmt.Sprintf("%s= path has invalid length (%d bytes), ignoring.", lvalue, len(p))
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > 255 {
			return "", fmt.Sprintf("%s= path has invalid length (%d bytes), ignoring.", lvalue, len(p))
		}
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return "", fmt.Sprintf("%s= path is not normalized, ignoring: %s", lvalue, p)
		}
	}
	return p, ""
}

// usbPathField parses USBFunctionDescriptors= and USBFunctionStrings=: an
// absolute path with specifiers; empty resets.
type usbPathField func(s *Service) *string

func (field usbPathField) parse(u *Unit, o *unit.Option) error {
	k, err := u.spec.ExpandPath(o.Value)
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in '%s', ignoring: %v", o.Value, err)
	}
	if k == "" {
		*field(u.Service) = ""
		return nil
	}
	p, msg := simplifyAbsolutePath(o.Name, k)
	if msg != "" {
		return errors.New(msg)
	}
	*field(u.Service) = p
	return nil
}

// busNameMax is D-Bus's limit on the length of a name.
const busNameMax = 255

// parseBusName takes a well-known (or unique) D-Bus name, with
// specifiers. An empty value is refused like any invalid name: systemd
// 252 offers no way to reset BusName=.
func parseBusName(u *Unit, o *unit.Option) error {
	k, err := u.spec.Expand(o.Value)
	if err == nil && len(k) > busNameMax {
		err = &unit.SpecifierError{Errno: syscall.ENAMETOOLONG}
	}
	if err != nil {
		return fmt.Errorf("Failed to resolve unit specifiers in %s, ignoring: %v", o.Value, err)
	}
	if !busNameValid(k) {
		return fmt.Errorf("Invalid bus name, ignoring: %s", k)
	}
	u.Service.BusName = k
	return nil
}

// busNameValid is sd-bus's service_name_is_valid(): dot-separated
// elements of ASCII letters, digits, "_" and "-", at least two of them,
// no element starting with a digit (unless the name is a unique ":" name).
func busNameValid(p string) bool {
	if p == "" {
		return false
	}
	unique := p[0] == ':'
	q := p
	if unique {
		q = p[1:]
	}
	dot, foundDot := true, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '.' {
			if dot {
				return false
			}
			foundDot, dot = true, true
			continue
		}
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if !alpha && !(digit && (!dot || unique)) && c != '_' && c != '-' {
			return false
		}
		dot = false
	}
	return len(p) <= busNameMax && !dot && foundDot
}

// parseUnsigned is systemd's safe_atou(): leading blanks allowed, C base
// prefixes ("0x", "0" octal) and "0b"/"0o", no sign, 32 bits.
func parseUnsigned(s string) (uint32, error) {
	s = strings.TrimLeft(s, " \t\n\r")
	base := 0
	switch {
	case strings.HasPrefix(s, "0b") || strings.HasPrefix(s, "0B"):
		s, base = s[2:], 2
	case strings.HasPrefix(s, "0o") || strings.HasPrefix(s, "0O"):
		s, base = s[2:], 8
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 0 {
		switch {
		case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
			s, base = s[2:], 16
		case len(s) > 1 && s[0] == '0':
			s, base = s[1:], 8
		default:
			base = 10
		}
	}
	if s == "" {
		return 0, syscall.EINVAL
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			return 0, syscall.EINVAL
		}
		v = v*uint64(base) + uint64(d)
		if v > 1<<32-1 {
			return 0, syscall.ERANGE
		}
	}
	if neg && v != 0 {
		return 0, syscall.ERANGE
	}
	return uint32(v), nil
}

func digitValue(c byte) int {
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

// parseServiceSockets is Sockets=: socket units (specifiers allowed) the
// service wants and is ordered after, and is triggered by. There is no
// reset: an empty value adds nothing.
func parseServiceSockets(u *Unit, o *unit.Option) error {
	s := u.Service
	rest := o.Value
	for {
		w, r, ok, err := unit.ExtractWord(rest, "", 0)
		if err != nil {
			return fmt.Errorf("Trailing garbage in sockets, ignoring: %s", o.Value)
		}
		if !ok {
			return nil
		}
		rest = r
		warn := func(msg string) {
			u.diagWarn(o, msg)
		}
		k, err := u.spec.ExpandName(w)
		if err != nil {
			warn(fmt.Sprintf("Failed to resolve unit specifiers in '%s', ignoring: %v", w, err))
			continue
		}
		if !strings.HasSuffix(k, ".socket") {
			warn("Unit must be of type socket, ignoring: " + k)
			continue
		}
		if !unit.IsValidName(k) || unit.IsTemplate(k) {
			// systemd tries both dependencies and warns for each.
			warn("Failed to add dependency on " + k + ", ignoring: Invalid argument")
			warn("Failed to add dependency on " + k + ", ignoring: Invalid argument")
			continue
		}
		u.addDep(Wants, k)
		u.addDep(After, k)
		u.addDep(TriggeredBy, k)
		s.Sockets = appendUnique(s.Sockets, k)
	}
}

const dbusSocket = "dbus.socket"

// serviceExtras completes a service whose files parsed, as systemd's
// service_add_extras() and service_verify() do: it derives Type=,
// NotifyAccess=, OOMPolicy= and the oneshot start timeout, adds the
// default and D-Bus dependencies, and refuses (bad-setting) a service
// whose commands and type do not fit together. The dependencies stay even
// when the unit is refused, as in systemd. For a service with BusName=,
// the claim of the name and the refusal are left to claimBusName.
func (u *Unit) serviceExtras() {
	sv := u.Service
	if sv.Type == "" {
		switch {
		case sv.BusName != "":
			sv.Type = "dbus"
		case len(sv.ExecStart) > 0:
			sv.Type = "simple"
		default:
			sv.Type = "oneshot"
		}
	}
	if sv.Type == "oneshot" && !sv.startTimeoutSet {
		sv.TimeoutStartUSec = Infinity
	}
	if sv.NotifyAccess == "none" && (sv.Type == "notify" || sv.WatchdogUSec > 0 || sv.FileDescriptorStoreMax > 0) {
		sv.NotifyAccess = "main"
	}
	if sv.OOMPolicy == "" {
		// systemd lets a service that delegates its cgroup handle OOM itself.
		if u.delegates() {
			sv.OOMPolicy = "continue"
		} else {
			sv.OOMPolicy = defaultOOMPolicy
		}
	}
	if u.Unit.DefaultDependencies {
		u.addSystemDefaults()
		u.addDep(After, basicTarget)
	}
	if sv.BusName != "" {
		if sv.Type == "dbus" {
			u.addDep(Requires, dbusSocket)
			u.addDep(After, dbusSocket)
		}
		// The claim depends on the services loaded before: loadOne makes
		// it, and the rest of this, when it registers the unit. (What
		// read does meanwhile, execExtras, changes nothing verifyService
		// reads.)
		return
	}
	u.checkService()
}

// claimBusName ends serviceExtras for a service that claims a bus name,
// once loadOne has registered the unit (built ahead or not), in load
// order: two loaded services cannot both own a bus name, and the second
// one fails to load (systemd's unit_watch_bus_name()). It does nothing
// for other units: those without BusName= and those whose files did not
// load (serviceExtras, which ran for every unit still loaded, left them
// no claim).
func (u *Unit) claimBusName(s *Set) {
	sv := u.Service
	if sv == nil || sv.BusName == "" || u.LoadState != StateLoaded {
		return
	}
	for _, o := range s.order {
		if o != u && o.Service != nil && o.Service.busNameWatched && o.Service.BusName == sv.BusName {
			u.Diags = append(u.Diags, &unit.Diag{File: u.ID, Msg: fmt.Sprintf("Two services allocated for the same bus name %s, refusing operation.", sv.BusName)})
			u.LoadState, u.LoadError = StateError, errFileExists
			return
		}
	}
	sv.busNameWatched = true
	u.checkService()
}

// checkService ends serviceExtras: a service verifyService refuses is
// bad-setting, and the warnings of one it accepts are reported.
func (u *Unit) checkService() {
	if msg, warnings := u.verifyService(); msg != "" {
		u.LoadState = StateBadSetting
		u.LoadError = fatal(errors.New(msg))
	} else {
		for _, w := range warnings {
			u.Diags = append(u.Diags, &unit.Diag{File: u.ID, Msg: w, Warning: true})
		}
	}
}

// verifyService is systemd's service_verify(): it returns why the service
// is refused ("" if it is not) and the warnings of one that is accepted.
func (u *Unit) verifyService() (refused string, warnings []string) {
	sv := u.Service
	lists := []struct {
		name string
		cmds []unit.ExecCommand
	}{
		{"ExecCondition", sv.ExecCondition}, {"ExecStartPre", sv.ExecStartPre}, {"ExecStart", sv.ExecStart},
		{"ExecStartPost", sv.ExecStartPost}, {"ExecReload", sv.ExecReload}, {"ExecStop", sv.ExecStop},
		{"ExecStopPost", sv.ExecStopPost},
	}
	for _, l := range lists {
		for _, c := range l.cmds {
			// The parser refuses such commands already; systemd checks again
			// (and words the first message with path and setting swapped).
			if !strings.HasPrefix(c.Path, "/") && !filenameValid(c.Path) {
				return fmt.Sprintf("Service %s= binary path \"%s\" is neither a valid executable name nor an absolute path. Refusing.", c.Path, l.name), nil
			}
			if len(c.Argv) == 0 {
				return fmt.Sprintf("Service has an empty argv in %s=. Refusing.", l.name), nil
			}
		}
	}
	noStart := len(sv.ExecStart) == 0
	noSuccessAction := u.Unit.SuccessAction() == "none"
	oneshot := sv.Type == "oneshot"
	switch {
	case noStart && len(sv.ExecStop) == 0 && noSuccessAction:
		return "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.", nil
	case !oneshot && noStart:
		return "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.", nil
	case !sv.RemainAfterExit && noStart && noSuccessAction:
		return "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.", nil
	case !oneshot && len(sv.ExecStart) > 1:
		return "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.", nil
	case oneshot && (sv.Restart == "always" || sv.Restart == "on-success"):
		return "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.", nil
	case oneshot && !sv.RestartForceExitStatus().Empty():
		return "Service has RestartForceExitStatus= set, which isn't allowed for Type=oneshot services. Refusing.", nil
	case oneshot && sv.ExitType == "cgroup":
		return "Service has ExitType=cgroup set, which isn't allowed for Type=oneshot services. Refusing.", nil
	case sv.Type == "dbus" && sv.BusName == "":
		return "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.", nil
	case u.usesPAMWithoutGroupKill():
		return "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing.", nil
	}
	if sv.USBFunctionDescriptors() != "" && sv.USBFunctionStrings() == "" {
		warnings = append(warnings, "Service has USBFunctionDescriptors= setting, but no USBFunctionStrings=. Ignoring.")
	}
	if sv.USBFunctionDescriptors() == "" && sv.USBFunctionStrings() != "" {
		warnings = append(warnings, "Service has USBFunctionStrings= setting, but no USBFunctionDescriptors=. Ignoring.")
	}
	if sv.RuntimeMaxUSec != Infinity && oneshot {
		warnings = append(warnings, "RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring.")
	}
	if sv.RuntimeMaxUSec == Infinity && sv.RuntimeRandomizedExtraUSec != 0 {
		warnings = append(warnings, "Service has RuntimeRandomizedExtraSec= setting, but no RuntimeMaxSec=. Ignoring.")
	}
	// systemd also warns about ExitType=cgroup on cgroup v1; gosd assumes the unified hierarchy.
	return "", warnings
}

// filenameValid is systemd's filename_is_valid(): a single path component.
func filenameValid(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && len(s) <= 255
}

// delegates reports whether the unit delegates its cgroup (Delegate=).
func (u *Unit) delegates() bool {
	return u.CGroup != nil && u.CGroup.Delegate
}

// usesPAMWithoutGroupKill reports whether PAMName= is set while KillMode=
// is neither control-group nor mixed.
func (u *Unit) usesPAMWithoutGroupKill() bool {
	if u.Exec == nil || u.Exec.PAMName == "" || u.Kill == nil {
		return false
	}
	return u.Kill.KillMode != "control-group" && u.Kill.KillMode != "mixed"
}
