package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// streamsOpen is how many streams the journal still reads (or has yet
// to receive, or whose read end the shared table still holds).
func (j *Journal) streamsOpen() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.streams) + len(j.inbox) + len(j.pulled)
}

func newJournal(t testing.TB, console io.Writer, keep int) *Journal {
	t.Helper()
	return newBoundJournal(t, console, keep, math.MaxInt)
}

func newBoundJournal(t testing.TB, console io.Writer, keep, maxBytes int) *Journal {
	t.Helper()
	j, err := New(console, keep, maxBytes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// capture writes chunks to a fresh stream of unit u, closes it, waits
// until the journal has read all of it and returns the kept entries.
func capture(t *testing.T, o StreamOptions, chunks ...string) []Entry {
	t.Helper()
	j := newJournal(t, nil, 1000)
	w, err := j.OpenStream(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		if _, err := w.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	waitFor(t, "the stream to end", func() bool { return j.streamsOpen() == 0 })
	return j.Tail(o.Unit, 1000)
}

type line struct {
	prio int
	msg  string
}

func lines(es []Entry) []line {
	out := make([]line, len(es))
	for i, e := range es {
		out[i] = line{e.Priority, e.Message}
	}
	return out
}

// TestLines: how lines are cut, stripped and prefixed. Every case is what
// systemd-journald 252 stored for a Type=oneshot service printing the
// input (nsboot, `journalctl -o json --all`), with SyslogLevelPrefix=yes
// and LogLevelMax=info unless the case says otherwise.
func TestLines(t *testing.T) {
	long := strings.Repeat("y", 49200)
	tests := []struct {
		name   string
		in     string
		prefix bool
		max    int
		want   []line
	}{
		{"prefix err", "<3>error line\n", true, Info, []line{{3, "error line"}}},
		{"above LogLevelMax dropped", "<7>debug line\n", true, Info, nil},
		{"facility not taken", "<13>facility line\n", true, Info, []line{{6, "<13>facility line"}}},
		{"8 not a level", "<8>eight\n", true, Info, []line{{6, "<8>eight"}}},
		{"space in prefix", "< 3>spaced\n", true, Info, []line{{6, "< 3>spaced"}}},
		{"leading zero", "<03>zero\n", true, Info, []line{{3, "zero"}}},
		{"three digits", "<003>three digits\n", true, Info, []line{{3, "three digits"}}},
		{"four digits", "<0003>four\n", true, Info, []line{{6, "<0003>four"}}},
		{"prefix only dropped", "<3>\n", true, Info, nil},
		{"prefix and blanks dropped", "<3>   \n", true, Info, nil},
		{"unterminated prefix", "<3\n", true, Info, []line{{6, "<3"}}},
		{"prefix keeps leading blanks", "<4>  warn with spaces  \n", true, Info, []line{{4, "  warn with spaces"}}},
		{"prefix keeps leading tab", "<6>\t lead\n", true, Info, []line{{6, "\t lead"}}},
		{"prefix then space", "<2> crit", true, Info, []line{{2, " crit"}}},
		{"no prefix parsing", "<3>error line\n", false, -1, []line{{6, "<3>error line"}}},
		{"crlf", "carriage\r\nnext\n", true, Info, []line{{6, "carriage"}, {6, "next"}}},
		{"inner cr kept", "a\rb\n", true, Info, []line{{6, "a\rb"}}},
		{"trailing crs", "trail\r\r\n", true, Info, []line{{6, "trail"}}},
		{"trailing blanks", "abc  \n", true, Info, []line{{6, "abc"}}},
		{"cr then blank", "a\r \n", true, Info, []line{{6, "a"}}},
		{"only blanks kept", "   \n", true, Info, []line{{6, "   "}}},
		{"only cr kept", "\r\n", true, Info, []line{{6, "\r"}}},
		{"only crs kept", "\r\r\n", true, Info, []line{{6, "\r\r"}}},
		{"only tab kept", "\t\n", true, Info, []line{{6, "\t"}}},
		{"leading blank kept", " x \n", true, Info, []line{{6, " x"}}},
		{"empty line dropped", "\n", true, Info, nil},
		{"NUL splits", "nul\x00after\n", true, Info, []line{{6, "nul"}, {6, "after"}}},
		{"NULs with blanks", "q\x00  \x00z\n", true, Info, []line{{6, "q"}, {6, "  "}, {6, "z"}}},
		{"double NUL", "x\x00\x00y\n", true, Info, []line{{6, "x"}, {6, "y"}}},
		{"tab inside", "tab\tend\n", true, Info, []line{{6, "tab\tend"}}},
		{"invalid UTF-8 kept", "invalid\xff\xfe utf8\n", true, Info, []line{{6, "invalid\xff\xfe utf8"}}},
		{"last line without newline", "partial no newline", true, Info, []line{{6, "partial no newline"}}},
		{"last line blanks stripped", "end  ", true, Info, []line{{6, "end"}}},
		{"split at LineMax", "LONG:" + long + "\nEND\n", true, Info, []line{
			{6, "LONG:" + long[:LineMax-5]}, {6, long[LineMax-5:]}, {6, "END"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := lines(capture(t, StreamOptions{Unit: "j.service", Ident: "jt.sh", Priority: Info, MaxLevel: tc.max, LevelPrefix: tc.prefix}, tc.in))
			if len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %.200v\nwant %.200v", got, tc.want)
			}
		})
	}
}

// TestSyslogLevel: SyslogLevel=notice with SyslogLevelPrefix=no stored
// every line at priority 5, prefixes as text (systemd 252, j2.service).
func TestSyslogLevel(t *testing.T) {
	got := lines(capture(t, StreamOptions{Unit: "j2.service", Ident: "jt.sh", Priority: Notice, MaxLevel: -1}, "<3>error line\n<7>debug line\n"))
	want := []line{{5, "<3>error line"}, {5, "<7>debug line"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestPartialLines: a line arriving in pieces is one entry, whatever the
// pieces; a line is cut at LineMax even when it arrives in pieces.
func TestPartialLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"split words", []string{"hel", "lo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"byte by byte", strings.Split("ab\ncd\n", ""), []string{"ab", "cd"}},
		{"newline alone", []string{"abc", "\n", "def", "\n"}, []string{"abc", "def"}},
		{"partial at EOF", []string{"one\ntw", "o"}, []string{"one", "two"}},
		{"long in pieces", []string{strings.Repeat("a", LineMax-10), strings.Repeat("a", 20) + "\n"},
			[]string{strings.Repeat("a", LineMax), strings.Repeat("a", 10)}},
		{"exactly LineMax then newline", []string{strings.Repeat("b", LineMax-1), "b\nc\n"},
			[]string{strings.Repeat("b", LineMax), "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := capture(t, StreamOptions{Unit: "p.service", Ident: "p", Priority: Info, MaxLevel: -1, LevelPrefix: true}, tc.chunks...)
			var got []string
			for _, e := range es {
				got = append(got, e.Message)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %d lines %.80q, want %d %.80q", len(got), got, len(tc.want), tc.want)
			}
		})
	}
}

// TestWriterPID: each line carries the PID of the process that wrote it,
// as journald's _PID (systemd 252 recorded a different _PID for each
// process of a shell script writing to the same stream).
func TestWriterPID(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	j := newJournal(t, nil, 100)
	w, err := j.Stream("pid.service", "sh", -1, true)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sh, "-c", `echo "$$"; sh -c 'echo "$$"'`)
	cmd.Stdout = w
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	waitFor(t, "the stream to end", func() bool { return j.streamsOpen() == 0 })
	es := j.Tail("pid.service", 10)
	if len(es) != 2 {
		t.Fatalf("got %v", es)
	}
	for _, e := range es {
		if strconv.Itoa(e.PID) != e.Message {
			t.Errorf("line %q has PID %d", e.Message, e.PID)
		}
	}
	if es[0].PID == es[1].PID {
		t.Errorf("both lines have PID %d", es[0].PID)
	}
}

func TestRing(t *testing.T) {
	j := newJournal(t, nil, 3)
	for i := range 5 {
		j.Log("r.service", Info, "m"+strconv.Itoa(i))
	}
	j.Log("other.service", Info, "x")
	msgs := func(es []Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Message)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		n    int
		want string
	}{{10, "m2,m3,m4"}, {3, "m2,m3,m4"}, {2, "m3,m4"}, {1, "m4"}, {0, ""}, {-1, ""}} {
		if got := msgs(j.Tail("r.service", tc.n)); got != tc.want {
			t.Errorf("Tail(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
	if got := msgs(j.Tail("other.service", 5)); got != "x" {
		t.Errorf("other unit: %s", got)
	}
	if es := j.Tail("r.service", 1); es[0].Ident != "gosd" || es[0].PID != os.Getpid() || es[0].Unit != "r.service" {
		t.Errorf("manager entry %+v", es[0])
	}
	j.Forget("r.service")
	if got := j.Tail("r.service", 5); got != nil {
		t.Errorf("after Forget: %v", got)
	}
	// A ring that has not wrapped yet.
	j2 := newJournal(t, nil, 5)
	j2.Log("a", Info, "1")
	j2.Log("a", Info, "2")
	if got := msgs(j2.Tail("a", 5)); got != "1,2" {
		t.Errorf("Tail = %s", got)
	}
	// keep 0 keeps nothing.
	j3 := newJournal(t, nil, 0)
	j3.Log("a", Info, "1")
	if got := j3.Tail("a", 5); got != nil {
		t.Errorf("keep 0: %v", got)
	}
}

// lockedBuffer is a console that records each Write separately.
type lockedBuffer struct {
	mu     sync.Mutex
	writes []string
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes = append(b.writes, string(p))
	return len(p), nil
}

func (b *lockedBuffer) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.writes...)
}

func TestConsoleFormat(t *testing.T) {
	if got := string(format(Entry{Ident: "nginx", PID: 42, Message: "started"})); got != "nginx[42]: started\n" {
		t.Errorf("with pid: %q", got)
	}
	if got := string(format(Entry{Ident: "nginx", Message: "started"})); got != "nginx: started\n" {
		t.Errorf("without pid: %q", got)
	}
	var con lockedBuffer
	j := newJournal(t, &con, 10)
	w, err := j.Stream("c.service", "cat", -1, true)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<4>first\nsec"))
	w.Write([]byte("ond\n"))
	w.Close()
	waitFor(t, "the stream to end", func() bool { return j.streamsOpen() == 0 })
	j.Log("c.service", Info, "Started c.service.")
	j.Close()
	pid := strconv.Itoa(os.Getpid())
	want := []string{"cat[" + pid + "]: first\n", "cat[" + pid + "]: second\n", "gosd[" + pid + "]: Started c.service.\n"}
	if got := con.all(); strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("console writes %q, want %q", got, want)
	}
}

// blockingConsole blocks every Write until released.
type blockingConsole struct {
	release chan struct{}
	lockedBuffer
}

func (b *blockingConsole) Write(p []byte) (int, error) {
	<-b.release
	return b.lockedBuffer.Write(p)
}

// TestSlowConsole: a console that does not keep up neither blocks the
// streams nor Log; lines beyond the budget are dropped, counted and
// reported, and every write is whole lines, at most PIPE_BUF bytes (it is
// atomic on a pipe other writers share).
func TestSlowConsole(t *testing.T) {
	con := &blockingConsole{release: make(chan struct{})}
	j := newJournal(t, con, 10)
	msg := strings.Repeat("z", 1000)
	n := 2 * consoleBudget / len(msg)
	done := make(chan struct{})
	go func() {
		for range n {
			j.Log("s.service", Info, msg)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Log blocked on a stuck console")
	}
	// Streams go on too.
	w, _ := j.Stream("s.service", "s", -1, true)
	w.Write([]byte("from stream\n"))
	w.Close()
	waitFor(t, "the stream line", func() bool {
		es := j.Tail("s.service", 1)
		return len(es) == 1 && es[0].Message == "from stream"
	})
	dropped := j.ConsoleDropped()
	if dropped == 0 || dropped >= uint64(n) {
		t.Fatalf("dropped %d of %d lines", dropped, n)
	}
	close(con.release)
	j.Close()
	report, lines := 0, 0
	for _, w := range con.all() {
		if !strings.HasSuffix(w, "\n") || len(w) > pipeBuf {
			t.Fatalf("a write of %d bytes that does not end a line or is above PIPE_BUF: %.60q", len(w), w)
		}
		for _, l := range strings.SplitAfter(w, "\n") {
			switch {
			case l == "":
			case strings.HasPrefix(l, "gosd: ") && strings.Contains(l, "lines dropped"):
				report++
			default:
				lines++
			}
		}
	}
	if report == 0 {
		t.Error("no report of dropped lines")
	}
	if uint64(lines)+dropped != uint64(n)+1 {
		t.Errorf("%d lines written + %d dropped != %d logged", lines, dropped, n+1)
	}
}

// TestManyStreams writes from many goroutines into many streams at once;
// each stream's lines arrive whole and in order, and the journal adds no
// goroutine per stream.
func TestManyStreams(t *testing.T) {
	const streams, perStream = 200, 50
	j := newJournal(t, io.Discard, perStream)
	base := runtime.NumGoroutine()
	ws := make([]*os.File, streams)
	for i := range ws {
		w, err := j.Stream("u"+strconv.Itoa(i)+".service", "u", -1, true)
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	// A goroutine or two of the journal's own may come and go meanwhile
	// (the poller's hand-over to its thread): one per stream would be 200.
	if g := runtime.NumGoroutine(); g > base+2 {
		t.Errorf("%d goroutines after opening %d streams, %d before", g, streams, base)
	}
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Close()
			for k := range perStream {
				// Lines in two writes each, to interleave partial lines.
				fmt.Fprintf(w, "stream %d ", i)
				fmt.Fprintf(w, "line %d\n", k)
			}
		}()
	}
	wg.Wait()
	waitFor(t, "the streams to end", func() bool { return j.streamsOpen() == 0 })
	for i := range streams {
		es := j.Tail("u"+strconv.Itoa(i)+".service", perStream)
		if len(es) != perStream {
			t.Fatalf("stream %d: %d lines", i, len(es))
		}
		for k, e := range es {
			if want := fmt.Sprintf("stream %d line %d", i, k); e.Message != want {
				t.Fatalf("stream %d line %d: %q", i, k, e.Message)
			}
		}
	}
}

// TestCloseSemantics: the stream ends (and its descriptors are closed,
// in the shared table and the poller's) when the last writer closes, even
// if the writer was duplicated into a child; Close logs a pending partial
// line and refuses new streams.
func TestCloseSemantics(t *testing.T) {
	j := newJournal(t, nil, 10)
	if j.pidfd >= 0 {
		waitFor(t, "the poller to start", func() bool { return j.tid.Load() != 0 })
	}
	// The poller's table, when it has one of its own, then the shared one.
	fds := func() (poller, shared int) {
		if tid := j.tid.Load(); tid != 0 {
			ents, err := os.ReadDir(fmt.Sprintf("/proc/self/task/%d/fd", tid))
			if err != nil {
				t.Fatal(err)
			}
			poller = len(ents)
		}
		ents, err := os.ReadDir("/proc/thread-self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return poller, len(ents)
	}
	pollerBefore, before := fds()
	w, err := j.Stream("c.service", "c", -1, true)
	if err != nil {
		t.Fatal(err)
	}
	dup, err := unix.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	time.Sleep(10 * time.Millisecond) // would be enough for a wrong early close to show
	j.mu.Lock()
	reading := len(j.inbox) + len(j.streams) // not pulled: the closer may lag
	j.mu.Unlock()
	if reading != 1 {
		t.Fatal("stream closed while a writer remains")
	}
	unix.Write(dup, []byte("last words"))
	unix.Close(dup)
	waitFor(t, "the stream to end", func() bool { return j.streamsOpen() == 0 })
	if es := j.Tail("c.service", 1); len(es) != 1 || es[0].Message != "last words" {
		t.Errorf("got %v", es)
	}
	if poller, shared := fds(); poller != pollerBefore || shared != before {
		t.Errorf("%d descriptors open in the poller's table, %d before; %d in the shared table, %d before",
			poller, pollerBefore, shared, before)
	}
	// Close with a writer still open: its partial line is logged, later
	// writes fail.
	w2, _ := j.Stream("d.service", "d", -1, true)
	w2.Write([]byte("complete\npartial"))
	j.Close()
	if es := j.Tail("d.service", 5); len(es) != 2 || es[1].Message != "partial" {
		t.Errorf("after Close: %v", es)
	}
	if _, err := w2.Write([]byte("more\n")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("write after Close: %v, want EPIPE", err)
	}
	w2.Close()
	if _, err := j.Stream("e.service", "e", -1, true); !errors.Is(err, ErrClosed) {
		t.Errorf("Stream after Close: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStreamEnv(t *testing.T) {
	j := newJournal(t, nil, 1)
	w, err := j.Stream("x.service", "x", -1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	env, err := StreamEnv(w)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	unix.Fstat(int(w.Fd()), &st)
	if env != fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino) {
		t.Errorf("StreamEnv = %q", env)
	}
	// The write end is what a child gets: blocking, a stream socket.
	if fl, _ := unix.FcntlInt(w.Fd(), unix.F_GETFL, 0); fl&unix.O_NONBLOCK != 0 {
		t.Error("write end is non-blocking")
	}
	if typ, _ := unix.GetsockoptInt(int(w.Fd()), unix.SOL_SOCKET, unix.SO_TYPE); typ != unix.SOCK_STREAM {
		t.Errorf("SO_TYPE %d", typ)
	}
}

// BenchmarkStreams reports the memory 1000 idle streams cost: Go heap and
// resident set growth per stream. The kernel's socket buffers are not in
// either.
func BenchmarkStreams(b *testing.B) {
	const n = 1000
	var rlim unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &rlim)
	if rlim.Cur < 2*n+100 {
		b.Skipf("RLIMIT_NOFILE %d is too low for %d streams", rlim.Cur, n)
	}
	var heap, rss float64
	for b.Loop() {
		j, err := New(io.Discard, 10, math.MaxInt)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		r0 := residentBytes()
		ws := make([]*os.File, n)
		for i := range ws {
			if ws[i], err = j.Stream("bench"+strconv.Itoa(i)+".service", "bench", -1, true); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		heap += float64(m1.HeapAlloc) - float64(m0.HeapAlloc)
		rss += float64(residentBytes() - r0)
		for _, w := range ws {
			w.Close()
		}
		j.Close()
	}
	b.ReportMetric(heap/float64(b.N)/n, "heap-B/stream")
	b.ReportMetric(rss/float64(b.N)/n, "rss-B/stream")
}

// residentBytes is the process's resident set size.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestReadEndsOutsideSharedTable: the streams' read ends live in the
// poller thread's own descriptor table, so the table every other thread
// (and every fork) uses gains only the write ends the caller holds.
func TestReadEndsOutsideSharedTable(t *testing.T) {
	count := func() int {
		ents, err := os.ReadDir("/proc/thread-self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	j := newJournal(t, nil, 10)
	if j.pidfd < 0 {
		t.Skip("no pidfd_getfd here (before Linux 5.6, or refused by seccomp): the read ends stay in the shared table")
	}
	waitFor(t, "the poller to start", func() bool { return j.tid.Load() != 0 })
	before := count()
	const n = 50
	ws := make([]*os.File, n)
	for i := range ws {
		w, err := j.Stream(fmt.Sprintf("u%d.service", i), "u", -1, true)
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	waitFor(t, "the read ends to arrive", func() bool {
		j.mu.Lock()
		defer j.mu.Unlock()
		return len(j.inbox) == 0 && len(j.pulled) == 0 && len(j.streams) == n
	})
	if got := count() - before; got != n {
		t.Errorf("the shared table gained %d descriptors for %d streams, want %d (the write ends)", got, n, n)
	}
	for i, w := range ws {
		fmt.Fprintf(w, "line %d\n", i)
		w.Close()
	}
	waitFor(t, "the streams to end", func() bool { return j.streamsOpen() == 0 })
	for i := range ws {
		if es := j.Tail(fmt.Sprintf("u%d.service", i), 1); len(es) != 1 || es[0].Message != fmt.Sprintf("line %d", i) {
			t.Fatalf("u%d: got %v", i, es)
		}
	}
}

// TestRingRecords: the encoded ring gives back every field of the lines it
// keeps (time to the nanosecond, PID, priority, identifier, a message of
// any length, empty too), drops the oldest beyond its limit, and its array
// stays within twice what the kept lines need however many pass through.
func TestRingRecords(t *testing.T) {
	const keep = 3
	var r ring
	base := time.Unix(1700000000, 123456789)
	entry := func(i int) Entry {
		msg := strings.Repeat(string(rune('a'+i%26)), (i*977)%(LineMax+1))
		if i%7 == 0 {
			msg = ""
		}
		return Entry{Time: base.Add(time.Duration(i) * time.Microsecond), Ident: "id" + strconv.Itoa(i%5),
			PID: i * 31, Priority: i % 8, Message: msg}
	}
	for i := range 500 {
		e := entry(i)
		r.add(&e, uint64(3*i+1), keep)
		if want := uint64(3*max(0, i-keep+1) + 1); r.oldest != want {
			t.Fatalf("after %d lines the oldest kept is number %d, want %d", i+1, r.oldest, want)
		}
		kept := 0
		for k := max(0, i-keep+1); k <= i; k++ {
			e := entry(k)
			kept += 8 + 4*binary.MaxVarintLen64 + len(e.Ident) + len(e.Message)
		}
		if len(r.buf) > 2*kept+64 {
			t.Fatalf("after %d lines the array holds %d bytes for %d of kept lines", i+1, len(r.buf), kept)
		}
	}
	got := r.last(10)
	if len(got) != keep {
		t.Fatalf("kept %d lines, want %d", len(got), keep)
	}
	for k, e := range got {
		want := entry(500 - keep + k)
		if !e.Time.Equal(want.Time) || e.Ident != want.Ident || e.PID != want.PID ||
			e.Priority != want.Priority || e.Message != want.Message {
			t.Errorf("line %d: got %v %q %d %d %d bytes, want %v %q %d %d %d bytes", k, e.Time, e.Ident, e.PID,
				e.Priority, len(e.Message), want.Time, want.Ident, want.PID, want.Priority, len(want.Message))
		}
	}
	if got := r.last(1); len(got) != 1 || got[0].PID != entry(499).PID {
		t.Errorf("last(1) = %+v", got)
	}
}

// TestConsoleBatches: lines queued while the console writes go out
// together, whole lines at most PIPE_BUF bytes a write, in order; a line
// longer than that is one write of its own.
func TestConsoleBatches(t *testing.T) {
	con := &blockingConsole{release: make(chan struct{})}
	j := newJournal(t, con, 0)
	long := strings.Repeat("L", 3*pipeBuf)
	var want strings.Builder
	pid := strconv.Itoa(os.Getpid())
	for i := range 300 {
		msg := "line " + strconv.Itoa(i)
		if i == 150 {
			msg = long
		}
		j.Log("b.service", Info, msg)
		want.WriteString("gosd[" + pid + "]: " + msg + "\n")
	}
	close(con.release)
	j.Close()
	writes := con.all()
	if got := strings.Join(writes, ""); got != want.String() {
		t.Fatalf("console got %d bytes, want %d, in order", len(got), want.Len())
	}
	if len(writes) >= 100 {
		t.Errorf("%d writes for 300 lines", len(writes))
	}
	alone := false
	for _, w := range writes {
		if strings.Contains(w, long) {
			alone = w == "gosd["+pid+"]: "+long+"\n"
		} else if len(w) > pipeBuf || !strings.HasSuffix(w, "\n") {
			t.Errorf("a write of %d bytes not ending a line", len(w))
		}
	}
	if !alone {
		t.Error("the long line was not written on its own")
	}
}
