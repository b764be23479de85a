package install

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
)

// ChangeType says what a Change records.
type ChangeType int

// The kinds of change systemd's install code reports (InstallChangeType),
// plus Failed for errors that name a file.
const (
	Symlink               ChangeType = iota + 1 // a symlink was created
	Unlink                                      // a symlink or file was removed
	IsMasked                                    // a unit that was asked for is masked
	IsMaskedGenerator                           // a unit is masked by a generator
	IsDangling                                  // a name is an alias to a missing unit
	DestinationNotPresent                       // WantedBy=/RequiredBy= names a missing unit
	AuxiliaryFailed                             // the Also= unit Path could not be enabled
	Failed                                      // Err names what went wrong with Path
)

// Change is one file-system change or problem, in the order they happened.
// Path and Source are as systemctl prints them: Path includes the root
// directory, Source (a symlink target) is relative to it.
type Change struct {
	Type   ChangeType
	Path   string
	Source string
	Err    syscall.Errno // for Failed
}

// OpError is the error an operation returns: what it was doing (systemctl's
// verb, e.g. "enable"), the unit or file it was working on when it
// stopped, if any, and the cause (usually a syscall.Errno).
type OpError struct {
	Op   string
	Unit string
	Err  error
}

func (e *OpError) Error() string {
	if e.Unit != "" {
		return fmt.Sprintf("failed to %s %s: %s", e.Op, e.Unit, errText(e.Err))
	}
	return fmt.Sprintf("failed to %s: %s", e.Op, errText(e.Err))
}

func (e *OpError) Unwrap() error { return e.Err }

// ConfigError is a problem with a unit file's [Install] section or a preset
// file: the file, the line (0 when none applies) and what is wrong.
type ConfigError struct {
	File string
	Line int
	Msg  string
	Err  error // the cause, may be nil
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Errno extracts the errno systemd would report for err (EIO when there is
// none).
func Errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, fs.ErrExist):
		return syscall.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return syscall.EACCES
	}
	if err != nil && strings.Contains(err.Error(), "too many levels of symbolic links") {
		return syscall.ELOOP
	}
	return syscall.EIO
}

// Strerror is glibc's strerror() text for the errnos this package reports,
// as systemd's "%m" prints them.
func Strerror(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "Operation not permitted"
	case syscall.ENOENT:
		return "No such file or directory"
	case syscall.EIO:
		return "Input/output error"
	case syscall.ENXIO:
		return "No such device or address"
	case syscall.ENOMEM:
		return "Cannot allocate memory"
	case syscall.EACCES:
		return "Permission denied"
	case syscall.EEXIST:
		return "File exists"
	case syscall.EXDEV:
		return "Invalid cross-device link"
	case syscall.ENOTDIR:
		return "Not a directory"
	case syscall.EISDIR:
		return "Is a directory"
	case syscall.EINVAL:
		return "Invalid argument"
	case syscall.ENOTTY:
		return "Inappropriate ioctl for device"
	case syscall.ETXTBSY:
		return "Text file busy"
	case syscall.EROFS:
		return "Read-only file system"
	case syscall.ENAMETOOLONG:
		return "File name too long"
	case syscall.ENOTEMPTY:
		return "Directory not empty"
	case syscall.ELOOP:
		return "Too many levels of symbolic links"
	case syscall.EIDRM:
		return "Identifier removed"
	case syscall.EUNATCH:
		return "Protocol driver not attached"
	case syscall.EBADSLT:
		return "Invalid slot"
	case syscall.ENOLINK:
		return "Link has been severed"
	case syscall.EBADMSG:
		return "Bad message"
	case syscall.EBADFD:
		return "File descriptor in bad state"
	case syscall.ENOBUFS:
		return "No buffer space available"
	case syscall.EADDRNOTAVAIL:
		return "Cannot assign requested address"
	case syscall.EUCLEAN:
		return "Structure needs cleaning"
	case syscall.ERFKILL:
		return "Operation not possible due to RF-kill"
	case syscall.EBADE:
		return "Invalid exchange"
	}
	return e.Error()
}

func errText(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return Strerror(e)
	}
	return err.Error()
}

// FormatChanges renders changes the way systemctl's install_changes_dump()
// logs them for verb (e.g. "enable", "set default"). Every line goes to
// standard error. quiet drops the informational lines but keeps errors.
// failed reports whether an error line was printed.
func FormatChanges(verb string, changes []Change, quiet bool) (lines []string, failed bool) {
	info := func(s string) {
		if !quiet {
			lines = append(lines, s)
		}
	}
	fail := func(s string) {
		lines = append(lines, s)
		failed = true
	}
	for _, c := range changes {
		switch c.Type {
		case Symlink:
			info(fmt.Sprintf("Created symlink %s → %s.", c.Path, c.Source))
		case Unlink:
			info(fmt.Sprintf("Removed \"%s\".", c.Path))
		case IsMasked:
			info(fmt.Sprintf("Unit %s is masked, ignoring.", c.Path))
		case IsMaskedGenerator:
			info(fmt.Sprintf("Unit %s is masked via a generator and cannot be unmasked.", c.Path))
		case IsDangling:
			info(fmt.Sprintf("Unit %s is an alias to a unit that is not present, ignoring.", c.Path))
		case DestinationNotPresent:
			info(fmt.Sprintf("Unit %s is added as a dependency to a non-existent unit %s.", c.Source, c.Path))
		case AuxiliaryFailed:
			info(fmt.Sprintf("Failed to enable auxiliary unit %s, ignoring.", c.Path))
		case Failed:
			switch c.Err {
			case syscall.EEXIST:
				if c.Source != "" {
					fail(fmt.Sprintf("Failed to %s unit, file \"%s\" already exists and is a symlink to \"%s\".", verb, c.Path, c.Source))
				} else {
					fail(fmt.Sprintf("Failed to %s unit, file \"%s\" already exists.", verb, c.Path))
				}
			case syscall.ERFKILL:
				fail(fmt.Sprintf("Failed to %s unit, unit %s is masked.", verb, c.Path))
			case syscall.EADDRNOTAVAIL:
				fail(fmt.Sprintf("Failed to %s unit, unit %s is transient or generated.", verb, c.Path))
			case syscall.ETXTBSY:
				fail(fmt.Sprintf("Failed to %s unit, file %s is under the systemd unit hierarchy already.", verb, c.Path))
			case syscall.EBADSLT:
				fail(fmt.Sprintf("Failed to %s unit, invalid specifier in \"%s\".", verb, c.Path))
			case syscall.EIDRM:
				fail(fmt.Sprintf("Failed to %s %s, destination unit %s is a non-template unit.", verb, c.Source, c.Path))
			case syscall.EUCLEAN:
				fail(fmt.Sprintf("Failed to %s unit, \"%s\" is not a valid unit name.", verb, c.Path))
			case syscall.ELOOP:
				fail(fmt.Sprintf("Failed to %s unit, refusing to operate on linked unit file %s.", verb, c.Path))
			case syscall.EXDEV:
				if c.Source != "" {
					fail(fmt.Sprintf("Failed to %s unit, cannot alias %s as %s.", verb, c.Source, c.Path))
				} else {
					fail(fmt.Sprintf("Failed to %s unit, invalid unit reference \"%s\".", verb, c.Path))
				}
			case syscall.ENOENT:
				fail(fmt.Sprintf("Failed to %s unit, unit %s does not exist.", verb, c.Path))
			case syscall.EUNATCH:
				fail(fmt.Sprintf("Failed to %s unit, cannot resolve specifiers in \"%s\".", verb, c.Path))
			default:
				fail(fmt.Sprintf("Failed to %s unit, file \"%s\": %s", verb, c.Path, Strerror(c.Err)))
			}
		}
	}
	return lines, failed
}
