// Package notify is the manager's end of the sd_notify(3) protocol: the
// datagram socket services send READY=1, STATUS=, MAINPID= and the rest to,
// the parser for those datagrams, and the client side (Send, Barrier) used
// by the systemd-notify verb and by tests.
//
// The package only moves and parses datagrams. What a message means for a
// unit (NotifyAccess=, which fields to act on, whether received file
// descriptors are stored) is the engine's decision.
package notify

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDatagram is the largest datagram systemd 252 accepts; a longer one
// is ignored as a whole ("Received notify message exceeded maximum size").
const MaxDatagram = 4096

// Field is one KEY=VALUE assignment of a notification.
type Field struct {
	Key, Value string
}

func (f Field) String() string { return f.Key + "=" + f.Value }

// Errors for datagrams that are rejected as a whole, as systemd 252
// ignores them.
var (
	ErrTooLarge      = errors.New("notification message exceeds the maximum size of 4096 bytes")
	ErrEmbeddedNUL   = errors.New("notification message contains embedded NUL bytes")
	ErrNoCredentials = errors.New("notification message without valid credentials")
	ErrTruncated     = errors.New("notification message with truncated control data")
)

// BadLinesError lists the lines of a notification that are not KEY=VALUE
// assignments; the other lines of the datagram are still parsed.
type BadLinesError struct {
	Lines []string
}

func (e *BadLinesError) Error() string {
	q := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		q[i] = fmt.Sprintf("%q", l)
	}
	return "notification message: ignoring lines that are not KEY=VALUE: " + strings.Join(q, ", ")
}

// Parse splits a notification datagram into its assignments, in order.
//
// As systemd 252 does, lines are separated by '\n' or '\r' and empty
// lines are skipped; nothing is trimmed (" READY=1" is not READY=1). A
// datagram longer than MaxDatagram or with a NUL byte is rejected whole
// (no fields, ErrTooLarge or ErrEmbeddedNUL). A line without '=' (or with
// an empty key) is reported in a *BadLinesError and skipped; the fields
// of the other lines are returned with it. Values are not checked for
// UTF-8: systemd ignores a STATUS= that is not UTF-8 clean (see ValidUTF8).
// A key may repeat; systemd acts on the first occurrence (see Lookup).
func Parse(datagram []byte) ([]Field, error) {
	if len(datagram) > MaxDatagram {
		return nil, ErrTooLarge
	}
	for _, c := range datagram {
		if c == 0 {
			return nil, ErrEmbeddedNUL
		}
	}
	var fields []Field
	var bad []string
	rest := string(datagram)
	for rest != "" {
		i := strings.IndexAny(rest, "\n\r")
		line := rest
		if i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			bad = append(bad, line)
			continue
		}
		fields = append(fields, Field{Key: k, Value: v})
	}
	if bad != nil {
		return fields, &BadLinesError{Lines: bad}
	}
	return fields, nil
}

// Lookup returns the value of the first field named key, which is the one
// systemd 252 acts on when a key repeats (STATUS=one\nSTATUS=two sets
// "one").
func Lookup(fields []Field, key string) (string, bool) {
	for _, f := range fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// Has reports whether the exact assignment key=value is among fields
// (systemd matches READY=1, STOPPING=1, WATCHDOG=1, FDSTORE=1, BARRIER=1
// and the like exactly: "READY=1X" is not READY=1).
func Has(fields []Field, key, value string) bool {
	for _, f := range fields {
		if f.Key == key && f.Value == value {
			return true
		}
	}
	return false
}

// ValidUTF8 reports whether s may be used as a status text: systemd 252
// ignores a STATUS= value that is not valid UTF-8 ("Status message in
// notification message is not UTF-8 clean, ignoring").
func ValidUTF8(s string) bool { return utf8.ValidString(s) }
