package main

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosd/gosd/engine"
	"github.com/rs/zerolog"
)

// busWatcher is engine.BusWatcher on the system bus. It speaks the little
// of D-Bus it needs itself (EXTERNAL authentication, Hello, AddMatch,
// NameHasOwner, the NameOwnerChanged signal): godbus did the same for 0.6
// MiB more RSS in every boot, bus or not (BENCHMARKS.md).
type busWatcher struct {
	addr string // the bus's address; "" means $DBUS_SYSTEM_BUS_ADDRESS or the standard socket
	log  *zerolog.Logger

	mu      sync.Mutex // guards what follows; held while connecting
	conn    *busConn
	names   map[string]func(engine.BusName)
	pending map[uint32]string // NameHasOwner calls by serial
}

// busConnectTimeout bounds a connection to a bus socket whose daemon is
// being socket-activated: systemd's default start timeout, so that the
// service's own TimeoutStartSec= normally decides.
const busConnectTimeout = 90 * time.Second

// Watch asks the bus about name. Every answer is posted by the reading
// goroutine, in the order the bus sent them.
func (w *busWatcher) Watch(name string, post func(engine.BusName)) { go w.watch(name, post) }

func (w *busWatcher) watch(name string, post func(engine.BusName)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.connect()
	if err == nil {
		first := w.names[name] == nil
		w.names[name] = post
		if first {
			_, err = w.conn.call("AddMatch", "s", busString(nil,
				"type='signal',sender='"+busDaemon+"',interface='"+busDaemon+"',member='NameOwnerChanged',arg0='"+name+"'"))
		}
		if err == nil {
			var serial uint32
			if serial, err = w.conn.call("NameHasOwner", "s", busString(nil, name)); err == nil {
				w.pending[serial] = name
				return
			}
		}
		w.conn.c.Close() // the reader posts NoBus for every name
		return
	}
	w.log.Info().Err(err).Str("name", name).Msg("no system bus: Type=dbus services are treated like Type=simple")
	post(engine.BusName{Name: name, NoBus: true})
}

// connect makes the connection to the system bus on first use. w.mu is
// held.
func (w *busWatcher) connect() error {
	if w.conn != nil {
		return nil
	}
	addr := cmp.Or(w.addr, os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"), "unix:path=/run/dbus/system_bus_socket")
	bc, err := dialBus(addr, busConnectTimeout)
	if err != nil {
		return err
	}
	w.conn, w.names, w.pending = bc, map[string]func(engine.BusName){}, map[uint32]string{}
	go w.read(bc)
	return nil
}

// read hands the bus's answers and signals to the watched names' posts.
// When the connection ends, every watched name has no bus any more,
// until a later Watch connects again.
func (w *busWatcher) read(bc *busConn) {
	for {
		m, err := bc.read()
		if err != nil {
			break
		}
		if m.sender != busDaemon {
			// a peer may send a signal to gosd's unique name past the
			// match rule: only the daemon's word counts
			continue
		}
		var e engine.BusName
		var post func(engine.BusName)
		w.mu.Lock()
		switch {
		case m.typ == busReturn || m.typ == busError:
			if name, ok := w.pending[m.replySerial]; ok {
				delete(w.pending, m.replySerial)
				owned, err := m.boolean()
				e, post = engine.BusName{Name: name, Owned: owned, NoBus: m.typ == busError || err != nil}, w.names[name]
			}
		case m.typ == busSignal && m.member == "NameOwnerChanged" && m.iface == busDaemon:
			if s, err := m.strings(3); err == nil {
				e, post = engine.BusName{Name: s[0], Owned: s[2] != ""}, w.names[s[0]]
			}
		}
		w.mu.Unlock()
		if post != nil {
			post(e)
		}
	}
	bc.c.Close()
	w.mu.Lock()
	var lost map[string]func(engine.BusName)
	if w.conn == bc {
		lost = w.names
		w.conn, w.names, w.pending = nil, nil, nil
	}
	w.mu.Unlock()
	for name, post := range lost {
		post(engine.BusName{Name: name, NoBus: true})
	}
}

// busConn is a connection to a D-Bus daemon, authenticated and said
// Hello to. Messages are written in little-endian order; both orders are
// read.
type busConn struct {
	c      busStream
	r      *bufio.Reader
	serial uint32
	max    uint32 // the longest message read; 0 means busMaxMessage
}

// busStream is the bus socket (dialUnix's: net's Dial would link its
// resolver into gosd for one unix socket).
type busStream interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

// busDaemon is the bus daemon's name, interface and the sender of its
// messages.
const busDaemon = "org.freedesktop.DBus"

// D-Bus message types.
const (
	busCall   = 1
	busReturn = 2
	busError  = 3
	busSignal = 4
)

// dialBus connects to a "unix:path=" or "unix:abstract=" address,
// authenticates as the process's uid and says Hello.
func dialBus(addr string, timeout time.Duration) (*busConn, error) {
	var path string
	for _, a := range strings.Split(addr, ";") {
		kv, ok := strings.CutPrefix(a, "unix:")
		if !ok {
			continue
		}
		for _, p := range strings.Split(kv, ",") {
			if v, ok := strings.CutPrefix(p, "path="); ok {
				path = v
			} else if v, ok := strings.CutPrefix(p, "abstract="); ok {
				path = "@" + v
			}
		}
		if path != "" {
			break
		}
	}
	if path == "" {
		return nil, fmt.Errorf("bus address %q: no unix:path= or unix:abstract=", addr)
	}
	c, err := dialUnix(path, timeout) // ctlsock.go
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	bc := &busConn{c: c, r: bufio.NewReader(c)}
	if err := bc.hello(); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return bc, nil
}

func (bc *busConn) hello() error {
	uid := fmt.Sprintf("%x", strconv.Itoa(os.Getuid()))
	if _, err := io.WriteString(bc.c, "\x00AUTH EXTERNAL "+uid+"\r\n"); err != nil {
		return err
	}
	line, err := bc.r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "OK ") {
		return fmt.Errorf("bus authentication refused: %q", strings.TrimSpace(line))
	}
	if _, err := io.WriteString(bc.c, "BEGIN\r\n"); err != nil {
		return err
	}
	serial, err := bc.call("Hello", "", nil)
	if err != nil {
		return err
	}
	for {
		m, err := bc.read()
		if err != nil {
			return err
		}
		if m.replySerial == serial {
			if m.typ == busError {
				return errors.New("bus refused Hello")
			}
			return nil
		}
	}
}

// call sends a method call to the bus daemon and returns its serial.
func (bc *busConn) call(member, sig string, body []byte) (uint32, error) {
	return bc.send(busCall, busDaemon, member, sig, body)
}

// send sends a message of the daemon's path and interface to dest and
// returns its serial.
func (bc *busConn) send(typ byte, dest, member, sig string, body []byte) (uint32, error) {
	bc.serial++
	m := busMessage(typ, 0, bc.serial, []busField{
		{code: busFieldPath, sig: "o", s: "/org/freedesktop/DBus"},
		{code: busFieldDest, sig: "s", s: dest},
		{code: busFieldIface, sig: "s", s: busDaemon},
		{code: busFieldMember, sig: "s", s: member},
	}, sig, body)
	_, err := bc.c.Write(m)
	return bc.serial, err
}

// Header fields of a message, by code.
const (
	busFieldPath        = 1
	busFieldIface       = 2
	busFieldMember      = 3
	busFieldErrorName   = 4
	busFieldReplySerial = 5
	busFieldDest        = 6
	busFieldSender      = 7
	busFieldSignature   = 8
)

// busField is a header field: a string or object path (s, o), a
// signature (g) or a uint32 (u).
type busField struct {
	code byte
	sig  string // "s", "o", "g" or "u"
	s    string
	u    uint32
}

// busMessage is a whole little-endian message: the header with fields
// (and the body's signature when sig is not empty), then the body.
func busMessage(typ, flags byte, serial uint32, fields []busField, sig string, body []byte) []byte {
	if sig != "" {
		fields = append(fields, busField{code: busFieldSignature, sig: "g", s: sig})
	}
	var f []byte
	for _, fl := range fields {
		f = busPad(f, 8)
		f = append(f, fl.code, 1, fl.sig[0], 0)
		switch fl.sig {
		case "u":
			f = binary.LittleEndian.AppendUint32(f, fl.u)
		case "g":
			f = append(append(append(f, byte(len(fl.s))), fl.s...), 0)
		default:
			f = busString(f, fl.s)
		}
	}
	m := []byte{'l', typ, flags, 1}
	m = binary.LittleEndian.AppendUint32(m, uint32(len(body)))
	m = binary.LittleEndian.AppendUint32(m, serial)
	m = binary.LittleEndian.AppendUint32(m, uint32(len(f)))
	m = busPad(append(m, f...), 8)
	return append(m, body...)
}

// busMsg is a message read from the bus: what the watcher looks at.
type busMsg struct {
	typ, flags            byte
	serial, replySerial   uint32
	path, dest            string
	sender, iface, member string
	sig                   string
	body                  []byte
	order                 binary.ByteOrder
}

// busMaxMessage is D-Bus's limit on a message's size.
const busMaxMessage = 128 << 20

func (bc *busConn) read() (*busMsg, error) {
	var h [16]byte
	if _, err := io.ReadFull(bc.r, h[:]); err != nil {
		return nil, err
	}
	m := &busMsg{typ: h[1], flags: h[2], order: binary.LittleEndian}
	switch h[0] {
	case 'l':
	case 'B':
		m.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("bus message with byte order %q", h[0])
	}
	bodyLen, fieldsLen := m.order.Uint32(h[4:]), m.order.Uint32(h[12:])
	m.serial = m.order.Uint32(h[8:])
	limit := cmp.Or(bc.max, busMaxMessage)
	if bodyLen > limit || fieldsLen > limit || bodyLen+fieldsLen > limit {
		return nil, errors.New("bus message too long")
	}
	rest := make([]byte, int(fieldsLen)+(8-int(fieldsLen)%8)%8+int(bodyLen))
	if _, err := io.ReadFull(bc.r, rest); err != nil {
		return nil, err
	}
	m.body = rest[len(rest)-int(bodyLen):]
	// the header fields: an array of (code, variant), from offset 16
	d := busDecoder{b: rest[:fieldsLen], order: m.order}
	for d.err == nil && d.off < len(d.b) {
		code := d.byte(8)
		switch typ := d.signature(); typ {
		case "u":
			if v := d.uint32(); code == busFieldReplySerial {
				m.replySerial = v
			}
		case "s", "o":
			switch v := d.string(); code {
			case busFieldPath:
				m.path = v
			case busFieldIface:
				m.iface = v
			case busFieldMember:
				m.member = v
			case busFieldDest:
				m.dest = v
			case busFieldSender:
				m.sender = v
			}
		case "g":
			if v := d.signature(); code == busFieldSignature {
				m.sig = v
			}
		default:
			d.err = cmp.Or(d.err, fmt.Errorf("a header field of type %q", typ))
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("bus message with a bad header: %w", d.err)
	}
	return m, nil
}

// boolean is the body of a reply of signature "b".
func (m *busMsg) boolean() (bool, error) {
	if m.sig != "b" {
		return false, errors.New("not a boolean reply")
	}
	d := busDecoder{b: m.body, order: m.order}
	v := d.uint32()
	return v != 0, d.err
}

// strings is the body of signature "s" n times.
func (m *busMsg) strings(n int) ([]string, error) {
	if m.sig != strings.Repeat("s", n) {
		return nil, fmt.Errorf("signature %q, not %d strings", m.sig, n)
	}
	d := busDecoder{b: m.body, order: m.order}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out, d.err
}

// busDecoder reads values from b, whose start is 8-aligned in the
// message. Past the end it reads zero values and sets err.
type busDecoder struct {
	b     []byte
	off   int
	order binary.ByteOrder
	err   error
}

// take returns the next n bytes at an offset aligned to align.
func (d *busDecoder) take(align int, n uint64) []byte {
	d.off += (align - d.off%align) % align
	if d.err == nil && d.off <= len(d.b) && n <= uint64(len(d.b)-d.off) {
		d.off += int(n)
		return d.b[d.off-int(n) : d.off]
	}
	d.err = cmp.Or(d.err, errors.New("short message"))
	return nil
}

func (d *busDecoder) byte(align int) byte {
	if p := d.take(align, 1); p != nil {
		return p[0]
	}
	return 0
}

func (d *busDecoder) uint32() uint32 {
	if p := d.take(4, 4); p != nil {
		return d.order.Uint32(p)
	}
	return 0
}

// string reads a string or an object path: length, bytes, NUL.
func (d *busDecoder) string() string { return d.text(uint64(d.uint32())) }

// signature reads a signature: a byte of length, bytes, NUL.
func (d *busDecoder) signature() string { return d.text(uint64(d.byte(1))) }

func (d *busDecoder) text(n uint64) string {
	if p := d.take(1, n+1); p != nil {
		return string(p[:n])
	}
	return ""
}

// busString appends a D-Bus string (aligned length, bytes, NUL) to b,
// whose start is 8-aligned in the message.
func busString(b []byte, s string) []byte {
	b = busPad(b, 4)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(append(b, s...), 0)
}

func busPad(b []byte, n int) []byte {
	for len(b)%n != 0 {
		b = append(b, 0)
	}
	return b
}
