package tornet

import (
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	fpA = "8CDB8FCA9C6F54585F0683AB7496DDF6B7F3F513"
	fpB = "EB13B91AF21A378938795EABF641FBDE60EDA49C"
)

func b64(fp string) string {
	b, _ := hex.DecodeString(fp)
	return base64.RawStdEncoding.EncodeToString(b)
}

// An excerpt of GETINFO ns/all in both flavours: A is Running, B is not.
var nsSample = "\r\nr auth0 " + b64(fpA) + " 2026-11-21 14:29:40 127.0.0.1 40001 40002\r\n" +
	"a [::1]:1\r\ns Authority Exit Fast Guard HSDir Running Stable V2Dir Valid\r\n" +
	"w Bandwidth=0\r\nr relay0 " + b64(fpB) + " dGVzdA 2026-11-21 14:29:40 127.0.0.1 40003 0\r\n" +
	"s Exit Fast Valid\r\n"

func TestRunningRelays(t *testing.T) {
	got := runningRelays(nsSample)
	if !got[fpA] || got[fpB] || len(got) != 1 {
		t.Errorf("runningRelays = %v, want only %s", got, fpA)
	}
	// An "s" line belongs only to the "r" line right before it.
	orphan := strings.Replace(nsSample, "s Exit Fast Valid", "s Running", 1)
	orphan = strings.Replace(orphan, "r relay0 "+b64(fpB), "r relay0 !!!", 1)
	if got := runningRelays(orphan); len(got) != 1 {
		t.Errorf("a malformed identity was counted: %v", got)
	}
	if got := runningRelays(""); len(got) != 0 {
		t.Errorf("empty consensus: %v", got)
	}
}

func FuzzRunningRelays(f *testing.F) {
	f.Add(nsSample)
	f.Add("r x " + b64(fpA) + "\ns Running\n")
	f.Add("s Running\nr\nr a b\n")
	f.Fuzz(func(t *testing.T, ns string) {
		for fp := range runningRelays(ns) {
			if len(fp) != 40 || strings.ToUpper(fp) != fp {
				t.Fatalf("bad fingerprint %q", fp)
			}
			if !strings.Contains(ns, "Running") || !strings.Contains(ns, b64(fp)) {
				t.Fatalf("%s counted Running without its identity and a Running flag", fp)
			}
		}
	})
}

func TestParseListFingerprint(t *testing.T) {
	for _, c := range []struct {
		out  string
		want string
	}{
		{"Unnamed 8CDB 8FCA 9C6F 5458 5F06 83AB 7496 DDF6 B7F3 F513\n", fpA},
		{"relay0 8cdb8fca9c6f54585f0683ab7496ddf6b7f3f513", fpA},
		{"noise\nauth0 " + fpB + "\n", fpB},
		{"Unnamed 8CDB", ""},
		{fpA, ""},
		{"", ""},
	} {
		got, err := parseListFingerprint([]byte(c.out))
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("parseListFingerprint(%q) = %q, %v; want %q", c.out, got, err, c.want)
		}
	}
}

func TestCertFingerprint(t *testing.T) {
	cert := "dir-key-certificate-version 3\ndir-address 127.0.0.1:5000\nfingerprint " + fpB + "\n"
	if got, err := certFingerprint([]byte(cert)); got != fpB || err != nil {
		t.Errorf("certFingerprint = %q, %v", got, err)
	}
	if _, err := certFingerprint([]byte("fingerprint XYZ\n")); err == nil {
		t.Error("malformed fingerprint accepted")
	}
	if _, err := certFingerprint(nil); err == nil {
		t.Error("certificate without fingerprint accepted")
	}
}

func TestBootstrapProgress(t *testing.T) {
	for in, want := range map[string]int{
		`NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"`:             100,
		`NOTICE BOOTSTRAP PROGRESS=85 TAG=ap_conn_done SUMMARY="Connected"`: 85,
		`WARN BOOTSTRAP PROGRESS=101 TAG=x`:                                 -1,
		`NOTICE BOOTSTRAP TAG=done`:                                         -1,
	} {
		if got := bootstrapProgress(in); got != want {
			t.Errorf("bootstrapProgress(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestLogWriterTail(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &logWriter{file: f, log: slog.New(slog.DiscardHandler)}
	for i := range logTailLines + 5 {
		w.Write([]byte("line " + strconv.Itoa(i) + "\r\n"))
	}
	w.Write([]byte("partial"))
	tail := w.tail()
	if len(tail) != logTailLines || tail[0] != "line 5" || tail[len(tail)-1] != "line "+strconv.Itoa(logTailLines+4) {
		t.Errorf("tail = %q", tail)
	}
	if b, _ := os.ReadFile(f.Name()); !strings.HasSuffix(string(b), "\r\npartial") {
		t.Errorf("log file lacks the raw output: %q", b)
	}
}

func TestMallocEnv(t *testing.T) {
	want := "GLIBC_TUNABLES=" + mallocTunable
	if got := MallocEnv([]string{"A=1"}); !slices.Equal(got, []string{"A=1", want}) {
		t.Errorf("MallocEnv without tunables = %q", got)
	}
	got := MallocEnv([]string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2", "B=2"})
	if !slices.Equal(got, []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2:" + mallocTunable, "B=2"}) {
		t.Errorf("MallocEnv did not merge: %q", got)
	}
}
