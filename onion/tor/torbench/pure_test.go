package torbench

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	fpA = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	fpB = "0123456789ABCDEF0123456789ABCDEF01234567"
	fpC = "89abcdef0123456789abcdef0123456789abcdef"
)

func TestParseCirc(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want circEvent
	}{
		{"CIRC 12 BUILT $" + fpA + "~auth0,$" + fpB + "~relay0,$" + fpC + " BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL TIME_CREATED=2026-11-21T17:26:07.442000",
			true, circEvent{id: "12", status: "BUILT", path: []string{fpA, fpB, strings.ToUpper(fpC)}}},
		{"CIRC 3 LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL", true, circEvent{id: "3", status: "LAUNCHED"}},
		{"CIRC 3 FAILED $" + fpA + "~auth0 REASON=TIMEOUT", true, circEvent{id: "3", status: "FAILED", path: []string{fpA}}},
		{"CIRC 3", false, circEvent{}},
		{"STREAM 3 NEW 0 127.0.0.1:80", false, circEvent{}},
		{"CIRC 0 BUILT", false, circEvent{}},
		{"CIRC 3 built", false, circEvent{}},
		{"CIRC 3 BUILT $SHORT~x", false, circEvent{}},
		{"CIRC 3 BUILT " + fpA, false, circEvent{}}, // no "$"
		{"CIRC 3 BUILT $" + fpA + ",", false, circEvent{}},
	}
	for _, tt := range tests {
		got, ok := parseCirc(tt.line)
		if ok != tt.ok || got.id != tt.want.id || got.status != tt.want.status || !slices.Equal(got.path, tt.want.path) {
			t.Errorf("parseCirc(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStream(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want streamEvent
	}{
		{"STREAM 45 NEW 0 127.0.0.1:40000 SOURCE_ADDR=127.0.0.1:5555 PURPOSE=USER", true,
			streamEvent{id: "45", status: "NEW", circ: "0", target: "127.0.0.1:40000"}},
		{"STREAM 45 SUCCEEDED 12 127.0.0.1:40000", true, streamEvent{id: "45", status: "SUCCEEDED", circ: "12", target: "127.0.0.1:40000"}},
		{"STREAM 45 NEW 0", false, streamEvent{}},
		{"STREAM x! NEW 0 127.0.0.1:1", false, streamEvent{}},
		{"STREAM 45 NEW -1 127.0.0.1:1", false, streamEvent{}},
		{"CIRC 45 NEW 0 127.0.0.1:1", false, streamEvent{}},
	}
	for _, tt := range tests {
		got, ok := parseStream(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseStream(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseExtended(t *testing.T) {
	for reply, want := range map[string]string{"EXTENDED 7": "7", "EXTENDED 123456": "123456",
		"EXTENDED": "", "EXTENDED ": "", "EXTENDED 7 8": "", "OK": "", "EXTENDED 0": ""} {
		got, ok := parseExtended(reply)
		if got != want || ok != (want != "") {
			t.Errorf("parseExtended(%q) = %q, %v; want %q", reply, got, ok, want)
		}
	}
}

func TestRunningRelays(t *testing.T) {
	// Identities: 20 bytes of 0x00 and of 0xff, base64 without padding.
	ns := strings.Join([]string{
		"r relay0 //////////////////////////8 2026-11-21 17:26:05 127.0.0.1 5000 0",
		"s Exit Fast Guard HSDir Running Stable V2Dir Valid",
		"r auth0 AAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-11-21 17:26:05 127.0.0.1 5001 0",
		"s Authority Exit Fast Guard Running Valid",
		"r down AQEBAQEBAQEBAQEBAQEBAQEBAQE 2026-11-21 17:26:05 127.0.0.1 5002 0",
		"s Exit Fast Valid",
		"r broken !!notbase64 2026-11-21 17:26:05 127.0.0.1 5003 0",
		"s Running",
		"r dup //////////////////////////8 2026-11-21 17:26:05 127.0.0.1 5004 0",
		"s Running",
	}, "\n")
	got := runningRelays(ns)
	want := []string{strings.Repeat("00", 20), strings.Repeat("FF", 20)}
	if !slices.Equal(got, want) {
		t.Errorf("runningRelays = %q, want %q", got, want)
	}
}

func TestOrderedPaths(t *testing.T) {
	relays := []string{"A", "B", "C", "D"}
	paths := orderedPaths(relays)
	if len(paths) != 24 {
		t.Fatalf("%d paths from 4 relays, want 24", len(paths))
	}
	seen := map[path]bool{}
	for i, p := range paths {
		if p[0] == p[1] || p[1] == p[2] || p[0] == p[2] {
			t.Errorf("path %d repeats a relay: %v", i, p)
		}
		if seen[p] {
			t.Errorf("path %d repeated: %v", i, p)
		}
		seen[p] = true
		if i > 0 && paths[i-1][0] == p[0] {
			t.Errorf("paths %d and %d start at the same relay: %v %v", i-1, i, paths[i-1], p)
		}
	}
	if got := paths[0].spec(); got != "$A,$B,$C" {
		t.Errorf("spec = %q", got)
	}
	if len(orderedPaths([]string{"A", "B"})) != 0 {
		t.Error("paths from 2 relays")
	}
}

func TestMedian(t *testing.T) {
	ds := []time.Duration{5, 1, 3}
	if m := median(ds); m != 3 {
		t.Errorf("median odd = %v", m)
	}
	if !slices.Equal(ds, []time.Duration{5, 1, 3}) {
		t.Error("median sorted its argument")
	}
	if m := median([]time.Duration{4, 1, 2, 10}); m != 3 {
		t.Errorf("median even = %v", m)
	}
	if m := median(nil); m != 0 {
		t.Errorf("median of none = %v", m)
	}
}

func TestConfigResolve(t *testing.T) {
	s, err := Config{Dir: "d"}.resolve()
	if err != nil || s.Bytes != DefaultBytes || s.Builds != DefaultBuilds || s.log == nil {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	if s, err := (Config{Dir: "d", Bytes: 1, Builds: 25}).resolve(); err != nil || s.Bytes != 1 || s.Builds != 25 {
		t.Errorf("explicit values: %+v, %v", s, err)
	}
	for name, c := range map[string]Config{
		"no Dir": {}, "negative Bytes": {Dir: "d", Bytes: -1}, "too few Builds": {Dir: "d", Builds: 19},
		"negative Builds": {Dir: "d", Builds: -20},
	} {
		if _, err := c.resolve(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

// TestMeasureBadDir fails before starting any tor when Dir/net exists.
func TestMeasureBadDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "net"), 0o700); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	_, err := Measure(context.Background(), Config{Dir: dir})
	if !errors.Is(err, ErrConfig) || time.Since(begin) > time.Second {
		t.Errorf("Measure = %v after %v, want ErrConfig at once", err, time.Since(begin))
	}
}

func TestParseControlPortFile(t *testing.T) {
	for in, want := range map[string]string{
		"PORT=127.0.0.1:9051\n": "127.0.0.1:9051", "PORT=127.0.0.1:9051": "127.0.0.1:9051",
		"PORT=10.0.0.1:9051\n": "", "PORT=127.0.0.1\n": "", "127.0.0.1:9051\n": "", "PORT=[::1]:9051\n": "[::1]:9051",
		"PORT=127.0.0.1:9051\nPORT=127.0.0.1:9052\n": "",
	} {
		got, err := parseControlPortFile(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("parseControlPortFile(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestPayloadChunks(t *testing.T) {
	for _, size := range []int64{1, ChunkSize, ChunkSize + 1, blockSize + 3*ChunkSize + 7} {
		p, sum, err := newPayload(size)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		var n int64
		for off := int64(0); off < size; off += ChunkSize {
			c := p.chunk(off)
			if len(c) == 0 || len(c) > ChunkSize {
				t.Fatalf("size %d: chunk at %d has %d bytes", size, off, len(c))
			}
			h.Write(c)
			n += int64(len(c))
		}
		if n != size || [sha256.Size]byte(h.Sum(nil)) != sum {
			t.Errorf("size %d: chunks give %d bytes / a different hash", size, n)
		}
	}
}

// TestSink checks the sink over plain loopback TCP: all bytes counted and
// verified, a wrong byte and a short stream reported.
func TestSink(t *testing.T) {
	const size = 3*ChunkSize + 5
	p, sum, err := newPayload(size)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.Run("OK", func(t *testing.T) {
		if _, err := sinkRun(ctx, t, p, sum, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Corrupt", func(t *testing.T) {
		_, err := sinkRun(ctx, t, p, sum, func(b []byte) []byte { b = slices.Clone(b); b[0]++; return b })
		if !errors.Is(err, ErrTransfer) {
			t.Fatalf("corrupt stream: %v, want ErrTransfer", err)
		}
	})
	t.Run("Short", func(t *testing.T) {
		_, err := sinkRun(ctx, t, p, sum, func(b []byte) []byte { return b[:len(b)-1] })
		if !errors.Is(err, ErrTransfer) {
			t.Fatalf("short stream: %v, want ErrTransfer", err)
		}
	})
}

// sinkRun sends p to a new sink, each chunk through mangle if not nil,
// closes the connection and returns the sink's verdict.
func sinkRun(ctx context.Context, t *testing.T, p payload, sum [sha256.Size]byte, mangle func([]byte) []byte) (time.Duration, error) {
	sk, err := startSink(p.size, sum)
	if err != nil {
		t.Fatal(err)
	}
	defer sk.close()
	_, _, addr := sk.target()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Now()
	for off := int64(0); off < p.size; off += ChunkSize {
		b := p.chunk(off)
		if mangle != nil {
			b = mangle(b)
		}
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	end, err := sk.result(ctx)
	return end.Sub(first), err
}

func TestSinkCloseWithoutConnection(t *testing.T) {
	sk, err := startSink(10, [sha256.Size]byte{})
	if err != nil {
		t.Fatal(err)
	}
	sk.close()
	sk.close()
	if _, err := sk.result(context.Background()); !errors.Is(err, ErrTransfer) {
		t.Errorf("result after close: %v, want ErrTransfer", err)
	}
}

// FuzzParseEvents: no panic; what parses satisfies the parsers' contract.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{
		"CIRC 12 BUILT $" + fpA + "~auth0,$" + fpB + "~relay0,$" + fpC + " PURPOSE=GENERAL",
		"CIRC 3 LAUNCHED BUILD_FLAGS=NEED_CAPACITY", "CIRC 3 FAILED $" + fpA + " REASON=TIMEOUT",
		"STREAM 45 NEW 0 127.0.0.1:40000 SOURCE_ADDR=127.0.0.1:5555 PURPOSE=USER",
		"EXTENDED 7", "r a AAAAAAAAAAAAAAAAAAAAAAAAAAA x\ns Running",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ev, ok := parseCirc(s); ok {
			if !isID(ev.id) || !isStatus(ev.status) || !strings.HasPrefix(s, "CIRC "+ev.id+" "+ev.status) {
				t.Fatalf("parseCirc(%q) = %+v", s, ev)
			}
			for _, fp := range ev.path {
				if !isFingerprint(fp) || fp != strings.ToUpper(fp) {
					t.Fatalf("parseCirc(%q): bad hop %q", s, fp)
				}
			}
		} else if ev.id != "" || ev.path != nil {
			t.Fatalf("parseCirc(%q) failed but returned %+v", s, ev)
		}
		if ev, ok := parseStream(s); ok != (ev != streamEvent{}) || ok && !strings.HasPrefix(s, "STREAM "+ev.id+" "+ev.status+" "+ev.circ+" "+ev.target) {
			t.Fatalf("parseStream(%q) = %+v, %v", s, ev, ok)
		}
		if id, ok := parseExtended(s); ok != (id != "") || ok && s != "EXTENDED "+id {
			t.Fatalf("parseExtended(%q) = %q, %v", s, id, ok)
		}
		for _, fp := range runningRelays(s) {
			if !isFingerprint(fp) || fp != strings.ToUpper(fp) {
				t.Fatalf("runningRelays(%q) gave %q", s, fp)
			}
		}
	})
}
