package main

// The unit-file methods of org.freedesktop.systemd1.Manager on the
// private bus: what Debian's systemctl (and so Ansible) calls for
// is-enabled, enable, disable, reenable, link, preset, preset-all, mask,
// unmask, set-default, get-default and list-unit-files when a manager is
// running. The install package does the work, as it does for gosd's own
// systemctl offline; this file turns its results into the replies and
// errors systemd 252 sends (observed under shared/oracle/nsboot, see
// busfiles_test.go).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gosd/gosd/graph"
	"github.com/gosd/gosd/install"
)

// D-Bus error names of the unit-file methods.
const (
	busErrInvalidArgs  = graph.ErrInvalidArgs
	busErrBadMessage   = "org.freedesktop.DBus.Error.InconsistentMessage"
	busErrNoSuchUnit   = graph.ErrNoSuchUnit
	busErrUnitExists   = busIfacePrefix + "UnitExists"
	busErrUnitMasked   = busIfacePrefix + "UnitMasked"
	busErrUnitGen      = busIfacePrefix + "UnitGenerated"
	busErrUnitBadPath  = busIfacePrefix + "UnitBadPath"
	busErrUnitLinked   = busIfacePrefix + "UnitLinked"
	busErrBadUnitSetup = busIfacePrefix + "BadUnitSetting"
)

// busUnitFileSig is the signature of the arguments of a unit-file method
// (ok false for any other method).
func busUnitFileSig(member string) (sig string, ok bool) {
	switch member {
	case "GetUnitFileState":
		return "s", true
	case "GetDefaultTarget", "ListUnitFiles":
		return "", true
	case "ListUnitFilesByPatterns":
		return "asas", true
	case "EnableUnitFiles", "ReenableUnitFiles", "LinkUnitFiles", "PresetUnitFiles", "MaskUnitFiles":
		return "asbb", true
	case "DisableUnitFiles", "UnmaskUnitFiles":
		return "asb", true
	case "PresetUnitFilesWithMode":
		return "assbb", true
	case "PresetAllUnitFiles":
		return "sbb", true
	case "SetDefaultTarget":
		return "sb", true
	}
	return "", false
}

// busUnitFileCall answers the Manager's unit-file methods (ok false for any other method).
func busUnitFileCall(m *busMsg, in *install.Installer) (typ byte, sig string, body []byte, ok bool) {
	want, ok := busUnitFileSig(m.member)
	if !ok {
		return 0, "", nil, false
	}
	fail := func(name, text string) (byte, string, []byte, bool) {
		return busError, name, []byte(text), true
	}
	if m.sig != want {
		return fail(busErrInvalidArgs, fmt.Sprintf("Invalid arguments '%s' to call %s.%s(), expecting '%s'.", m.sig, busManagerIface, m.member, want))
	}
	args, err := busReadArgs(m.body, m.order, want)
	if err != nil {
		// sd-bus refuses a body that does not hold its signature's
		// values with EBADMSG, not with InvalidArgs
		return fail(busErrBadMessage, "Bad message")
	}
	names := func(i int) []string { return args[i].([]string) }
	str := func(i int) string { return args[i].(string) }
	flag := func(i int) bool { return args[i].(bool) }
	opts := func(i int) install.Options { return install.Options{Runtime: flag(i), Force: flag(i + 1)} }

	var res install.Result
	withInfo := false // the reply is (ba(sss)): whether the units carried [Install] rules, then the changes
	switch m.member {
	case "GetUnitFileState":
		st, err := in.State(str(0))
		if err != nil {
			return fail(busErrnoError(err))
		}
		return busReturn, "s", busString(nil, st.String()), true
	case "GetDefaultTarget":
		name, err := in.GetDefault()
		if err != nil {
			return fail(busErrnoError(err))
		}
		return busReturn, "s", busString(nil, name), true
	case "ListUnitFiles", "ListUnitFilesByPatterns":
		var states, patterns []string
		if len(args) == 2 {
			states, patterns = names(0), names(1)
		}
		files, err := in.ListUnitFiles(states, patterns)
		if err != nil {
			return fail(busErrnoError(err))
		}
		rows := make([][]string, len(files))
		for i, f := range files {
			rows[i] = []string{f.Path, f.State.String()}
		}
		return busReturn, "a(ss)", busStructs(nil, rows), true
	case "EnableUnitFiles":
		res, err = in.Enable(names(0), opts(1))
		withInfo = true
	case "ReenableUnitFiles":
		res, err = in.Reenable(names(0), opts(1))
		withInfo = true
	case "DisableUnitFiles":
		res, err = in.Disable(names(0), install.Options{Runtime: flag(1)})
	case "LinkUnitFiles":
		res, err = in.Link(names(0), opts(1))
	case "MaskUnitFiles":
		res, err = in.Mask(names(0), opts(1))
	case "UnmaskUnitFiles":
		res, err = in.Unmask(names(0), install.Options{Runtime: flag(1)})
	case "SetDefaultTarget":
		res, err = in.SetDefault(str(0), flag(1))
	case "PresetUnitFiles":
		res, err = in.Preset(names(0), install.PresetFull, opts(1))
		withInfo = true
	case "PresetUnitFilesWithMode":
		mode, perr := install.ParsePresetMode(str(1))
		if perr != nil {
			return fail(busErrnoError(perr))
		}
		res, err = in.Preset(names(0), mode, opts(2))
		withInfo = true
	case "PresetAllUnitFiles":
		mode, perr := install.ParsePresetMode(str(0))
		if perr != nil {
			return fail(busErrnoError(perr))
		}
		res, err = in.PresetAll(mode, opts(1))
	}
	if name, text, failed := busInstallFailure(res.Changes, err); failed {
		return fail(name, text)
	}
	if withInfo {
		return busReturn, "ba(sss)", busChanges(busValue(nil, res.Carried > 0), res.Changes), true
	}
	return busReturn, "a(sss)", busChanges(nil, res.Changes), true
}

// busInstallFailure is how systemd 252 answers a unit-file operation
// that failed (err) or whose every change was a failure: with the error
// of its first failed change, else of err's errno. An operation that
// failed in part but changed something succeeds, with the changes it
// made.
func busInstallFailure(changes []install.Change, err error) (name, text string, failed bool) {
	var first *install.Change
	good := false
	for i := range changes {
		if changes[i].Type != install.Failed {
			good = true
		} else if first == nil {
			first = &changes[i]
		}
	}
	switch {
	case first != nil && (err != nil || !good):
		name, text = busChangeError(*first)
		return name, text, true
	case err != nil:
		name, text = busErrnoError(err)
		return name, text, true
	}
	return "", "", false
}

// busChangeError is the D-Bus error of a failed change.
func busChangeError(c install.Change) (name, text string) {
	switch c.Err {
	case syscall.EEXIST:
		if c.Source != "" {
			return busErrUnitExists, fmt.Sprintf("File %s already exists and is a symlink to %s.", c.Path, c.Source)
		}
		return busErrUnitExists, fmt.Sprintf("File %s already exists.", c.Path)
	case syscall.ERFKILL:
		return busErrUnitMasked, fmt.Sprintf("Unit file %s is masked.", c.Path)
	case syscall.EADDRNOTAVAIL:
		return busErrUnitGen, fmt.Sprintf("Unit %s is transient or generated.", c.Path)
	case syscall.ETXTBSY:
		return busErrUnitBadPath, fmt.Sprintf("File %s is under the systemd unit hierarchy already.", c.Path)
	case syscall.EBADSLT:
		return busErrBadUnitSetup, fmt.Sprintf("Invalid specifier in %s.", c.Path)
	case syscall.EIDRM:
		return busErrBadUnitSetup, fmt.Sprintf("Destination unit %s is a non-template unit.", c.Path)
	case syscall.EUCLEAN:
		return busErrBadUnitSetup, fmt.Sprintf("\"%s\" is not a valid unit name.", c.Path)
	case syscall.ELOOP:
		return busErrUnitLinked, fmt.Sprintf("Refusing to operate on alias name or linked unit file: %s", c.Path)
	case syscall.EXDEV:
		if c.Source != "" {
			return busErrBadUnitSetup, fmt.Sprintf("Cannot alias %s as %s.", c.Source, c.Path)
		}
		return busErrBadUnitSetup, fmt.Sprintf("Invalid unit reference %s.", c.Path)
	case syscall.ENOENT:
		return busErrNoSuchUnit, fmt.Sprintf("Unit file %s does not exist.", c.Path)
	case syscall.EUNATCH:
		return busErrBadUnitSetup, fmt.Sprintf("Cannot resolve specifiers in %s.", c.Path)
	}
	return busErrnoName(c.Err), fmt.Sprintf("File %s: %s", c.Path, install.Strerror(c.Err))
}

// busErrnoError is the error sd-bus makes of an errno: a name for it and
// strerror's text.
func busErrnoError(err error) (name, text string) {
	e := install.Errno(err)
	return busErrnoName(e), install.Strerror(e)
}

// busErrnoName is sd-bus's name for the error of an errno: a D-Bus
// standard error for the errnos that have one, System.Error.EXXX for the
// others. Observed on systemd 252: EINVAL, ENOENT, EBADMSG, and EISDIR,
// EBADFD, ENOLINK, EROFS as System.Error; the rest is sd-bus's table.
func busErrnoName(e syscall.Errno) string {
	const std = "org.freedesktop.DBus.Error."
	switch e {
	case syscall.ENOMEM:
		return std + "NoMemory"
	case syscall.EPERM, syscall.EACCES:
		return std + "AccessDenied"
	case syscall.EINVAL:
		return busErrInvalidArgs
	case syscall.ESRCH:
		return std + "UnixProcessIdUnknown"
	case syscall.ENOENT:
		return std + "FileNotFound"
	case syscall.EEXIST:
		return std + "FileExists"
	case syscall.ETIMEDOUT, syscall.ETIME:
		return std + "Timeout"
	case syscall.EIO:
		return std + "IOError"
	case syscall.ENETRESET, syscall.ECONNABORTED, syscall.ECONNRESET:
		return std + "Disconnected"
	case syscall.EOPNOTSUPP:
		return std + "NotSupported"
	case syscall.EADDRNOTAVAIL:
		return std + "BadAddress"
	case syscall.ENOBUFS:
		return std + "LimitsExceeded"
	case syscall.EADDRINUSE:
		return std + "AddressInUse"
	case syscall.EBADMSG:
		return busErrBadMessage
	}
	if n := unix.ErrnoName(e); n != "" {
		return "System.Error." + n
	}
	return std + "Failed"
}

// busChangeType is the name systemd 252 gives a change on the bus.
func busChangeType(t install.ChangeType) string {
	switch t {
	case install.Symlink:
		return "symlink"
	case install.Unlink:
		return "unlink"
	case install.IsMasked:
		return "masked"
	case install.IsMaskedGenerator:
		return "masked by generator"
	case install.IsDangling:
		return "dangling"
	case install.DestinationNotPresent:
		return "destination not present"
	case install.AuxiliaryFailed:
		return "auxiliary unit failed"
	}
	return ""
}

// busChanges appends the a(sss) of changes, (type, path, source) each,
// to b (whose start is 8-aligned in the message). Failed changes are
// left out, as systemd leaves them out of a reply.
func busChanges(b []byte, changes []install.Change) []byte {
	rows := make([][]string, 0, len(changes))
	for _, c := range changes {
		if t := busChangeType(c.Type); t != "" {
			rows = append(rows, []string{t, c.Path, c.Source})
		}
	}
	return busStructs(b, rows)
}

// busStructs appends an array of structs of strings (a(ss), a(sss)) to
// b, whose start is 8-aligned in the message.
func busStructs(b []byte, rows [][]string) []byte {
	b = busPad(b, 4)
	at := len(b)
	b = busPad(append(b, 0, 0, 0, 0), 8) // the padding to the first struct is not counted
	start := len(b)
	for _, r := range rows {
		b = busPad(b, 8)
		for _, s := range r {
			b = busString(b, s)
		}
	}
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-start))
	return b
}

var errBusBody = errors.New("the body does not hold its signature's values")

// busReadArgs decodes a body of signature sig, made of strings (s),
// arrays of strings (as) and booleans (b): a string, []string or bool
// each. A value past the body's end, a string without its NUL, with a
// NUL inside or not UTF-8, or an array whose strings overrun it is an
// error, as sd-bus validates them. Bytes after the last value are
// ignored, as sd-bus does.
func busReadArgs(body []byte, order binary.ByteOrder, sig string) ([]any, error) {
	d := &busDecoder{b: body, order: order}
	var out []any
	for i := 0; i < len(sig); i++ {
		switch {
		case sig[i] == 's':
			out = append(out, busArgString(d))
		case sig[i] == 'b':
			// sd-bus 252 takes any non-zero value as true (observed)
			out = append(out, d.uint32() != 0)
		case sig[i] == 'a' && i+1 < len(sig) && sig[i+1] == 's':
			i++
			n := d.uint32()
			if d.err != nil || uint64(n) > uint64(len(d.b)-d.off) {
				return nil, errBusBody
			}
			end := d.off + int(n)
			ss := []string{}
			for d.err == nil && d.off < end {
				ss = append(ss, busArgString(d))
			}
			if d.off != end {
				return nil, errBusBody
			}
			out = append(out, ss)
		default:
			return nil, fmt.Errorf("signature %q: %w", sig, errBusBody)
		}
		if d.err != nil {
			return nil, errBusBody
		}
	}
	return out, nil
}

// busArgString reads a string argument, validated as sd-bus does.
func busArgString(d *busDecoder) string {
	n := d.uint32()
	p := d.take(1, uint64(n)+1)
	if p == nil {
		return ""
	}
	if p[n] != 0 || bytes.IndexByte(p[:n], 0) >= 0 || !utf8.Valid(p[:n]) {
		d.err = errBusBody
		return ""
	}
	return string(p[:n])
}
