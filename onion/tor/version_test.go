package tor

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want Version
		ok   bool
	}{
		{"0.4.9.11", Version{0, 4, 9, 11, ""}, true},
		{"0.4.8.13-dev (git-0123abcd4567ef89)", Version{0, 4, 8, 13, "dev"}, true},
		{"Tor version 0.4.9.11.", Version{0, 4, 9, 11, ""}, true},
		{"0.4.9.1-alpha", Version{0, 4, 9, 1, "alpha"}, true},
		{"0.4.9.0-alpha-dev (git-8f7b2af3fb0d3a1f)", Version{0, 4, 9, 0, "alpha-dev"}, true},
		{"0.4.9", Version{0, 4, 9, 0, ""}, true},
		{"1.0.0.0-rc", Version{1, 0, 0, 0, "rc"}, true},
		{"", Version{}, false},
		{"0.4", Version{}, false},
		{"0.4.9.11.2", Version{}, false},
		{"0.4.9.", Version{}, false},
		{"0.04.9.1", Version{}, false}, // leading zero
		{"0.4.9.-1", Version{}, false}, // sign
		{"0.4.9.+1", Version{}, false}, // sign
		{"0.4.9.1x", Version{}, false}, // junk
		{"0.4.9.1-", Version{}, false}, // empty tag
		{"0.4.9.1-Alpha", Version{}, false},
		{"0.4.9.1-a_b", Version{}, false},
		{"0.4.9.1--dev", Version{}, false}, // a tag may not start with '-'
		{"0.4.9.1-dev-", Version{}, false},
		{"0.4.9.11 ", Version{}, false},
		{"0.4.9.11 (git", Version{}, false},
		{"0.4.9.11 (a) (b)", Version{}, false},
		{"Tor version 0.4.9.11", Version{}, false}, // --version form needs its full stop
		{"0.4.9.999999", Version{}, false},
		{"0.4.9.1" + strings.Repeat("0", 200), Version{}, false},
		{" 0.4.9.11", Version{}, false},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseVersion(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			if got != (Version{}) || !errors.Is(err, ErrVersion) {
				t.Errorf("ParseVersion(%q) = %v, %v; want zero and ErrVersion", tt.in, got, err)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestVersionLess(t *testing.T) {
	ordered := []string{"0.3.5.17", "0.4.8.13-dev", "0.4.8.13", "0.4.8.20", "0.4.9.0-alpha-dev", "0.4.9.1-alpha", "0.4.9.1", "0.4.9.11", "0.4.10.0", "1.0.0.0"}
	for i := range ordered {
		for j := range ordered {
			a, _ := ParseVersion(ordered[i])
			b, _ := ParseVersion(ordered[j])
			if got, want := a.Less(b), i < j; got != want {
				t.Errorf("%s.Less(%s) = %v, want %v", a, b, got, want)
			}
		}
	}
	if !(Version{}).Less(MinVersion) {
		t.Error("zero Version is not less than MinVersion")
	}
}

func TestCheckVersion(t *testing.T) {
	for _, s := range []string{"0.4.9.11", "0.4.9.0", "0.4.10.1", "0.5.0.1-alpha"} {
		if _, err := CheckVersion(s); err != nil {
			t.Errorf("CheckVersion(%q) = %v, want accepted", s, err)
		}
	}
	for _, s := range []string{"0.4.8.13", "0.4.8.22-dev (git-abc)", "0.4.9.0-alpha-dev", "0.3.5.17"} {
		v, err := CheckVersion(s)
		var ve *VersionError
		if !errors.As(err, &ve) || !errors.Is(err, ErrTooOld) {
			t.Errorf("CheckVersion(%q) = %v, want a *VersionError", s, err)
			continue
		}
		if v.IsZero() || ve.Have != v || ve.Need != MinVersion {
			t.Errorf("CheckVersion(%q): have %v need %v", s, ve.Have, ve.Need)
		}
		// The refusal says what is too old, what is needed and why.
		msg := err.Error()
		for _, want := range []string{v.String(), "0.4.9", "PoWDefensesEnabled", "0.4.9.2-alpha", "upgrade tor"} {
			if !strings.Contains(msg, want) {
				t.Errorf("refusal %q lacks %q", msg, want)
			}
		}
	}
	if _, err := CheckVersion("banana"); !errors.Is(err, ErrVersion) {
		t.Errorf("CheckVersion(banana) = %v", err)
	}
}

func TestVersionStatusWarns(t *testing.T) {
	warn := map[string]bool{VersionObsolete: true, VersionUnrecommended: true}
	for _, s := range []string{VersionRecommended, VersionNew, VersionNewInSeries, VersionOld, VersionUnrecommended, VersionObsolete, VersionUnknown, ""} {
		if versionStatusWarns(s) != warn[s] {
			t.Errorf("versionStatusWarns(%q) = %v", s, !warn[s])
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"0.4.9.11", "0.4.8.13-dev (git-0123abcd)", "Tor version 0.4.9.11.", "0.4.9.1-alpha", "0.4.9", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if v != (Version{}) {
				t.Fatalf("error with non-zero value %+v", v)
			}
			return
		}
		// The canonical form parses back to the same value.
		w, err := ParseVersion(v.String())
		if err != nil || w != v {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, v, v.String(), w, err)
		}
		if v.Less(v) {
			t.Fatal("v < v")
		}
	})
}
