package spawn

import (
	"reflect"
	"testing"
)

// fillSpec sets every field of a spec, found by reflection, to a value
// that is not its zero value, so that a field encode forgets shows up.
func fillSpec(t *testing.T) *spec {
	sp := &spec{}
	v := reflect.ValueOf(sp).Elem()
	n := 0
	var fill func(f reflect.Value)
	fill = func(f reflect.Value) {
		n++
		switch f.Kind() {
		case reflect.String:
			f.SetString("s\x00é" + f.Type().String()[:1] + string(rune('a'+n%26)))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int:
			f.SetInt(int64(-n * 1000003))
		case reflect.Uint64:
			f.SetUint(1<<63 + uint64(n))
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			fill(f.Elem())
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 2, 2))
			fill(f.Index(0))
			fill(f.Index(1))
		case reflect.Struct:
			for i := 0; i < f.NumField(); i++ {
				fill(f.Field(i))
			}
		default:
			t.Fatalf("spec has a field of kind %s that fillSpec (and encode) do not know", f.Kind())
		}
	}
	fill(v)
	return sp
}

func TestSpecWire(t *testing.T) {
	for name, sp := range map[string]*spec{
		"every field": fillSpec(t),
		"zero":        {},
		"as prepare":  {Unit: "a.service", Kind: "ExecStart", Path: "/bin/true", Argv: []string{"/bin/true"}, Umask: -1, NFiles: 3},
	} {
		got, err := decodeSpec(sp.encode())
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if !reflect.DeepEqual(got, sp) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", name, got, sp)
		}
	}
}

func TestSpecWireMalformed(t *testing.T) {
	b := fillSpec(t).encode()
	for i := range b {
		if _, err := decodeSpec(b[:i]); err == nil {
			t.Fatalf("a spec cut to %d of %d bytes decoded without error", i, len(b))
		}
	}
	if _, err := decodeSpec(append(b, 0)); err == nil {
		t.Error("a spec with a trailing byte decoded without error")
	}
	// A list length far beyond the data must be refused, not allocated.
	var w wireWriter
	w.string("u")
	w.string("k")
	w.string("/p")
	w.uint(1 << 40)
	if _, err := decodeSpec(w); err == nil {
		t.Error("an argv of 2^40 strings decoded without error")
	}
	// A bool is one byte, 0 or 1.
	w = w[:0]
	for range 3 {
		w.string("")
	}
	w.strings(nil)
	w = append(w, 2)
	if _, err := decodeSpec(w); err == nil {
		t.Error("a bool byte of 2 decoded without error")
	}
}

// TestSpecWireMutated: no change to a valid spec's bytes makes the
// decoder panic, and what it accepts encodes back to a spec that decodes
// the same. (A fuzz target would be the tool, but this package's
// TestMain re-executes the test binary as root, which the fuzz workers
// cannot survive.)
func TestSpecWireMutated(t *testing.T) {
	b := fillSpec(t).encode()
	rnd := uint64(1)
	for range 20000 {
		m := append([]byte(nil), b...)
		for range 1 + rnd%4 {
			rnd = rnd*6364136223846793005 + 1442695040888963407
			m[rnd>>33%uint64(len(m))] = byte(rnd >> 17)
		}
		sp, err := decodeSpec(m)
		if err != nil {
			continue
		}
		sp2, err := decodeSpec(sp.encode())
		if err != nil || !reflect.DeepEqual(sp, sp2) {
			t.Fatalf("%x decoded, but its re-encoding did not decode the same (%v)", m, err)
		}
	}
}
