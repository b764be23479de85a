package spawn

import (
	"encoding/binary"
	"errors"
)

// The helper's spec travels in this field-by-field binary form, not
// encoding/json: json's decoder is ~0.1 MB of binary, and a Go binary's
// pages are resident in PID 1 whether used or not.
// Both ends are the same binary (the helper is gosd re-executed), so the
// form carries no names or versions; TestSpecWire keeps every field in it.

// wireWriter appends values: numbers as varints, strings and lists with
// their length first, optional values with a presence byte. Its methods
// are not inlined: inlined, encode alone was 7 KB of code.
type wireWriter []byte

//go:noinline
func (w *wireWriter) int(v int64) { *w = binary.AppendVarint(*w, v) }

//go:noinline
func (w *wireWriter) uint(v uint64) { *w = binary.AppendUvarint(*w, v) }

//go:noinline
func (w *wireWriter) bool(v bool) {
	if v {
		*w = append(*w, 1)
	} else {
		*w = append(*w, 0)
	}
}

//go:noinline
func (w *wireWriter) string(s string) {
	w.uint(uint64(len(s)))
	*w = append(*w, s...)
}

//go:noinline
func (w *wireWriter) strings(l []string) {
	w.uint(uint64(len(l)))
	for _, s := range l {
		w.string(s)
	}
}

// wireReader reads what wireWriter wrote; the first error sticks and
// every later read returns a zero value.
type wireReader struct {
	b   []byte
	err error
}

var errWire = errors.New("truncated or malformed spec")

func (r *wireReader) int() int64 { return readVarint(r, binary.Varint) }

func (r *wireReader) uint() uint64 { return readVarint(r, binary.Uvarint) }

// readVarint reads a number with read (binary.Varint or Uvarint).
func readVarint[T int64 | uint64](r *wireReader, read func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := read(r.b)
	if n <= 0 {
		r.err = errWire
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) bool() bool {
	if r.err != nil || len(r.b) == 0 || r.b[0] > 1 {
		if r.err == nil {
			r.err = errWire
		}
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *wireReader) string() string {
	n := r.uint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errWire
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads a list's length, refusing one the remaining bytes cannot
// hold (each element takes at least one byte).
func (r *wireReader) count() int {
	n := r.uint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.err = errWire
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}

func (r *wireReader) strings() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = r.string()
	}
	return l
}

// encode writes sp for the helper.
func (sp *spec) encode() []byte {
	var w wireWriter
	w.string(sp.Unit)
	w.string(sp.Kind)
	w.string(sp.Path)
	w.strings(sp.Argv)
	w.bool(sp.Expand)
	w.strings(sp.Env)
	w.string(sp.Dir)
	w.bool(sp.DirOptional)
	w.string(sp.Chroot)
	w.bool(sp.SetCred)
	w.int(int64(sp.UID))
	w.int(int64(sp.GID))
	w.uint(uint64(len(sp.Groups)))
	for _, g := range sp.Groups {
		w.int(int64(g))
	}
	w.int(int64(sp.Umask))
	for _, p := range []*int{sp.Nice, sp.OOMScoreAdjust} {
		w.bool(p != nil)
		if p != nil {
			w.int(int64(*p))
		}
	}
	w.uint(uint64(len(sp.Limits)))
	for _, l := range sp.Limits {
		w.int(int64(l.Res))
		w.uint(l.Soft)
		w.uint(l.Hard)
	}
	w.bool(sp.Bounding != nil)
	if sp.Bounding != nil {
		w.uint(*sp.Bounding)
	}
	w.uint(sp.Ambient)
	w.bool(sp.NoNewPrivs)
	w.bool(sp.SigPipeIgnore)
	w.strings(sp.PrivateTmp)
	w.int(int64(sp.NFiles))
	w.string(sp.CgroupProcs)
	return w
}

// decodeSpec reads what encode wrote; trailing bytes are an error too.
func decodeSpec(b []byte) (*spec, error) {
	r := &wireReader{b: b}
	sp := &spec{}
	sp.Unit = r.string()
	sp.Kind = r.string()
	sp.Path = r.string()
	sp.Argv = r.strings()
	sp.Expand = r.bool()
	sp.Env = r.strings()
	sp.Dir = r.string()
	sp.DirOptional = r.bool()
	sp.Chroot = r.string()
	sp.SetCred = r.bool()
	sp.UID = int(r.int())
	sp.GID = int(r.int())
	if n := r.count(); n > 0 {
		sp.Groups = make([]int, n)
		for i := range sp.Groups {
			sp.Groups[i] = int(r.int())
		}
	}
	sp.Umask = int(r.int())
	for _, p := range []**int{&sp.Nice, &sp.OOMScoreAdjust} {
		if r.bool() {
			v := int(r.int())
			*p = &v
		}
	}
	if n := r.count(); n > 0 {
		sp.Limits = make([]specLimit, n)
		for i := range sp.Limits {
			sp.Limits[i] = specLimit{Res: int(r.int()), Soft: r.uint(), Hard: r.uint()}
		}
	}
	if r.bool() {
		v := r.uint()
		sp.Bounding = &v
	}
	sp.Ambient = r.uint()
	sp.NoNewPrivs = r.bool()
	sp.SigPipeIgnore = r.bool()
	sp.PrivateTmp = r.strings()
	sp.NFiles = int(r.int())
	sp.CgroupProcs = r.string()
	if r.err == nil && len(r.b) > 0 {
		r.err = errWire
	}
	if r.err != nil {
		return nil, r.err
	}
	return sp, nil
}
