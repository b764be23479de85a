package main

import (
	"bytes"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestControlCodec(t *testing.T) {
	for _, argv := range [][]string{{}, {"status"}, {"show", "-p", "Id", "a b.service", "", "é\n"}} {
		got, err := decodeRequest(encodeRequest(argv))
		if err != nil || !reflect.DeepEqual(got, argv) {
			t.Errorf("request %q came back as %q, %v", argv, got, err)
		}
	}
	for _, bad := range []string{"", `{"argv":["status"]}`, controlMagic + "status"} {
		if argv, err := decodeRequest([]byte(bad)); err == nil {
			t.Errorf("request %q decoded to %q", bad, argv)
		}
	}
	code, out, errb, err := decodeResponse(encodeResponse(3, []byte("a\nb"), []byte("c 1 2\n")))
	if err != nil || code != 3 || string(out) != "a\nb" || string(errb) != "c 1 2\n" {
		t.Errorf("response came back as %d %q %q %v", code, out, errb, err)
	}
	for _, bad := range []string{"", "0 1 1\nx", "0 1 1\nxyz", "0 -1 2\nx", "0 1\nx", "a 0 0\n", "0 0 0"} {
		if _, _, _, err := decodeResponse([]byte(bad)); err == nil {
			t.Errorf("response %q decoded", bad)
		}
	}
}

// TestServeControl: a request over the socket is answered with what the
// systemctl code printed and its exit code; a bad or oversized request
// gets an error answer, and the next request is served as before.
func TestServeControl(t *testing.T) {
	path := filepath.Join(t.TempDir(), "control")
	ln, err := listenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveControl(ln, &manager{log: zerolog.Nop()})

	raw := func(req []byte) (int, string, string) {
		t.Helper()
		c, err := dialUnix(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go func() { c.Write(req); c.CloseWrite() }()
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errb, err := decodeResponse(b)
		if err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
		return code, string(out), string(errb)
	}
	if code, out, errb := raw([]byte(`{"argv":["status"]}`)); code != 1 || out != "" || !strings.HasPrefix(errb, "Bad request: not a gosd control request") {
		t.Errorf("JSON request: %d %q %q", code, out, errb)
	}
	big := append([]byte(controlMagic), bytes.Repeat([]byte("x"), maxRequest)...)
	if code, _, errb := raw(big); code != 1 || !strings.Contains(errb, "over 1048576 bytes") {
		t.Errorf("oversized request: %d %q", code, errb)
	}
	var out, errb bytes.Buffer
	code, ok := liveCallAt(path, []string{"frobnicate", "a b"}, &out, &errb)
	if !ok || code != usageError || out.String() != "" || errb.String() != "Unknown command verb frobnicate.\n" {
		t.Errorf("liveCallAt = %d, %v, %q, %q", code, ok, out.String(), errb.String())
	}
	if _, ok := liveCallAt(filepath.Join(t.TempDir(), "none"), []string{"status"}, &out, &errb); ok {
		t.Error("liveCallAt with no manager listening reported an answer")
	}
}
