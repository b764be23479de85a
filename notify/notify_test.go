package notify

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func fields(kv ...string) []Field {
	var out []Field
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Field{kv[i], kv[i+1]})
	}
	return out
}

// TestParse covers the assignments of sd_notify(3) and what systemd 252
// did with odd datagrams. Each case marked "systemd:" was recorded with
// nsboot: a Type=notify, NotifyAccess=all service sending the datagram,
// then `systemctl show -p ActiveState,Result,StatusText`.
func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Field
		wantErr error    // a sentinel, for datagrams rejected whole
		badLine []string // lines reported in a *BadLinesError
	}{
		{name: "ready", in: "READY=1", want: fields("READY", "1")},
		{name: "reloading", in: "RELOADING=1\nMONOTONIC_USEC=123456789", want: fields("RELOADING", "1", "MONOTONIC_USEC", "123456789")},
		{name: "stopping", in: "STOPPING=1", want: fields("STOPPING", "1")},
		{name: "status with spaces and '='", in: "STATUS=Serving 3 clients, load=0.5", want: fields("STATUS", "Serving 3 clients, load=0.5")},
		{name: "mainpid", in: "MAINPID=4711", want: fields("MAINPID", "4711")},
		{name: "errno", in: "STATUS=Failed to start up: No such file\nERRNO=2", want: fields("STATUS", "Failed to start up: No such file", "ERRNO", "2")},
		{name: "watchdog keepalive", in: "WATCHDOG=1", want: fields("WATCHDOG", "1")},
		{name: "watchdog trigger", in: "WATCHDOG=trigger", want: fields("WATCHDOG", "trigger")},
		{name: "watchdog usec", in: "WATCHDOG_USEC=20000000", want: fields("WATCHDOG_USEC", "20000000")},
		{name: "extend timeout", in: "EXTEND_TIMEOUT_USEC=5000000", want: fields("EXTEND_TIMEOUT_USEC", "5000000")},
		{name: "fd store", in: "FDSTORE=1\nFDNAME=conn-7", want: fields("FDSTORE", "1", "FDNAME", "conn-7")},
		{name: "fd store remove", in: "FDSTOREREMOVE=1\nFDNAME=conn-7", want: fields("FDSTOREREMOVE", "1", "FDNAME", "conn-7")},
		{name: "barrier", in: "BARRIER=1", want: fields("BARRIER", "1")},
		{name: "empty value", in: "STATUS=", want: fields("STATUS", "")},
		{name: "empty datagram", in: "", want: nil},
		// systemd: the message is processed, junk ignored (n3).
		{name: "junk line before READY", in: "junk line\nREADY=1", want: fields("READY", "1"), badLine: []string{"junk line"}},
		// systemd: "=" is harmless, READY=1 honoured (n17).
		{name: "empty key", in: "=\nREADY=1", want: fields("READY", "1"), badLine: []string{"="}},
		// systemd: StatusText "a b", empty lines skipped (n9).
		{name: "empty lines", in: "READY=1\n\nSTATUS=a b\n", want: fields("READY", "1", "STATUS", "a b")},
		// systemd: "READY=1\r" made the unit active (n7): '\r' separates lines.
		{name: "carriage return separates", in: "READY=1\r", want: fields("READY", "1")},
		{name: "crlf", in: "STATUS=x\r\nREADY=1\r\n", want: fields("STATUS", "x", "READY", "1")},
		// systemd: " READY=1" timed out (n6): nothing is trimmed.
		{name: "leading space kept", in: " READY=1", want: fields(" READY", "1")},
		// systemd: "READY=1X" timed out (n11).
		{name: "value kept exactly", in: "READY=1X", want: fields("READY", "1X")},
		// systemd: the whole message ignored, "embedded NUL bytes" (n2).
		{name: "embedded NUL", in: "READY=1\x00junk", wantErr: ErrEmbeddedNUL},
		// systemd: 4096 bytes accepted (n14), 4097 ignored, "exceeded maximum size" (n15).
		{name: "4096 bytes", in: "READY=1\nX=" + strings.Repeat("x", 4086), want: fields("READY", "1", "X", strings.Repeat("x", 4086))},
		{name: "4097 bytes", in: "READY=1\nX=" + strings.Repeat("x", 4087), wantErr: ErrTooLarge},
		// systemd: the unit became active (n16); invalid UTF-8 is not a parse error.
		{name: "invalid UTF-8 line", in: "\xff\xfe\nREADY=1", want: fields("READY", "1"), badLine: []string{"\xff\xfe"}},
		{name: "invalid UTF-8 status", in: "READY=1\nSTATUS=\xff", want: fields("READY", "1", "STATUS", "\xff")},
		// systemd: StatusText "one" (n20): see TestLookupFirst.
		{name: "repeated key", in: "STATUS=one\nSTATUS=two\nREADY=1", want: fields("STATUS", "one", "STATUS", "two", "READY", "1")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields = %q, want %q", got, tc.want)
			}
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
			case tc.badLine != nil:
				var be *BadLinesError
				if !errors.As(err, &be) || !reflect.DeepEqual(be.Lines, tc.badLine) {
					t.Errorf("err = %v, want bad lines %q", err, tc.badLine)
				}
			case err != nil:
				t.Errorf("unexpected error %v", err)
			}
		})
	}
}

func TestBadLinesErrorQuotesContent(t *testing.T) {
	_, err := Parse([]byte("READY=1\nno equals sign\n\xff"))
	if err == nil || !strings.Contains(err.Error(), `"no equals sign"`) || !strings.Contains(err.Error(), `"\xff"`) {
		t.Fatalf("error %v does not name the bad lines", err)
	}
}

// TestLookupFirst: systemd 252 showed StatusText=one for
// "STATUS=one\nSTATUS=two\nREADY=1", and READY=1X did not count as ready.
func TestLookupFirst(t *testing.T) {
	f, _ := Parse([]byte("STATUS=one\nSTATUS=two\nREADY=1X\nREADY=1"))
	if v, ok := Lookup(f, "STATUS"); !ok || v != "one" {
		t.Errorf("Lookup(STATUS) = %q, %v; want one", v, ok)
	}
	if _, ok := Lookup(f, "MAINPID"); ok {
		t.Error("Lookup(MAINPID) found a field that is not there")
	}
	if !Has(f, "READY", "1") {
		t.Error("Has(READY=1) = false")
	}
	f, _ = Parse([]byte("READY=1X"))
	if Has(f, "READY", "1") {
		t.Error("READY=1X counted as READY=1")
	}
	if ValidUTF8("\xff") || !ValidUTF8("grüß") {
		t.Error("ValidUTF8 wrong")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("READY=1\nSTATUS=x"))
	f.Add([]byte("a\r\n=\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := Parse(b)
		for _, x := range fs {
			if x.Key == "" || strings.ContainsAny(x.Key+x.Value, "\n\r\x00") || strings.Contains(x.Key, "=") {
				t.Fatalf("bad field %q from %q", x, b)
			}
		}
		if len(b) > MaxDatagram && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("oversized datagram accepted")
		}
	})
}
