package tor

import (
	"strings"
	"testing"
)

func TestParseBootstrapPhase(t *testing.T) {
	tests := []struct {
		in   string
		want Progress
		ok   bool
	}{
		{`NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"`,
			Progress{Percent: 100, Tag: "done", Summary: "Done"}, true},
		{`NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"`,
			Progress{Percent: 0, Tag: "starting", Summary: "Starting"}, true},
		{`NOTICE BOOTSTRAP PROGRESS=75 TAG=enough_dirinfo SUMMARY="Loaded enough directory info to build circuits"`,
			Progress{Percent: 75, Tag: "enough_dirinfo", Summary: "Loaded enough directory info to build circuits"}, true},
		{`WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" REASON=CONNECTREFUSED COUNT=3 RECOMMENDATION=ignore HOSTID="0123" HOSTADDR="127.0.0.1:5000"`,
			Progress{Percent: 5, Tag: "conn", Summary: "Connecting to a relay", Problem: true, Warning: "Connection refused", Reason: "CONNECTREFUSED"}, true},
		{`ERR BOOTSTRAP PROGRESS=10 TAG=conn_done SUMMARY="a \"quoted\" \\ word" WARNING="x"`,
			Progress{Percent: 10, Tag: "conn_done", Summary: `a "quoted" \ word`, Problem: true, Warning: "x"}, true},
		{`NOTICE BOOTSTRAP PROGRESS=100 TAG=done`, Progress{Percent: 100, Tag: "done"}, true},
		// Rejected:
		{``, Progress{}, false},
		{`NOTICE`, Progress{}, false},
		{`NOTICE CIRCUIT_ESTABLISHED`, Progress{}, false},
		{`INFO BOOTSTRAP PROGRESS=1 TAG=x`, Progress{}, false},
		{`NOTICE BOOTSTRAP TAG=done`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=100`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=101 TAG=x`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=-1 TAG=x`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=050 TAG=x`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x TAG=y`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x `, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5  TAG=x`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x SUMMARY="open`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x SUMMARY="a"b`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x SUMMARY=a"b`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x SUMMARY="\`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x lower=1`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x =1`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=x JUNK`, Progress{}, false},
		{`NOTICE BOOTSTRAP PROGRESS=5 TAG=` + strings.Repeat("a", maxPhaseLen), Progress{}, false},
	}
	for _, tt := range tests {
		got, err := ParseBootstrapPhase(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseBootstrapPhase(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseBootstrapPhase(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestParseBootstrapPhaseNoAddress: the host address tor attaches to a
// problem report never reaches a Progress (which goes to status output).
func TestParseBootstrapPhaseNoAddress(t *testing.T) {
	p, err := ParseBootstrapPhase(`WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="s" WARNING="w" REASON=r HOSTADDR="192.0.2.7:443" HOSTID="ABCD"`)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p.Tag, p.Summary, p.Warning, p.Reason} {
		if strings.Contains(f, "192.0.2.7") || strings.Contains(f, "ABCD") {
			t.Fatalf("address leaked into %+v", p)
		}
	}
}

func FuzzParseBootstrapPhase(f *testing.F) {
	f.Add(`NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"`)
	f.Add(`WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" REASON=CONNECTREFUSED COUNT=3`)
	f.Add(`ERR BOOTSTRAP PROGRESS=10 TAG=x SUMMARY="a \"b\""`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseBootstrapPhase(s)
		if err != nil {
			if p != (Progress{}) {
				t.Fatalf("error with non-zero value %+v", p)
			}
			return
		}
		if p.Percent < 0 || p.Percent > 100 || p.Tag == "" {
			t.Fatalf("out of range: %+v", p)
		}
		if !p.Problem && (p.Warning != "" || p.Reason != "") {
			t.Fatalf("warning without problem: %+v", p)
		}
	})
}
