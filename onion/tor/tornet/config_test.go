package tornet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestConfigErrors(t *testing.T) {
	requireTor(t)
	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no dir", Config{}, ErrConfig},
		{"negative relays", Config{Dir: t.TempDir(), Relays: -1}, ErrConfig},
		{"too few tors", Config{Dir: t.TempDir(), Authorities: 1, Relays: 2}, ErrConfig},
		{"too many tors", Config{Dir: t.TempDir(), Authorities: 3, Relays: MaxTors}, ErrConfig},
		{"missing tor", Config{Dir: t.TempDir(), TorPath: "/nonexistent/tor"}, ErrTorNotFound},
		{"dir not empty", Config{Dir: nonEmpty}, ErrDirNotEmpty},
		{"control character in dir", Config{Dir: t.TempDir() + "/a\nb"}, ErrConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := Start(context.Background(), c.cfg)
			if !errors.Is(err, c.want) {
				if n != nil {
					n.Close()
				}
				t.Fatalf("Start: %v, want %v", err, c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(nonEmpty, "x")); err != nil {
		t.Errorf("Start touched a non-empty Dir: %v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	requireTor(t)
	s, err := Config{Dir: "d"}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if s.Authorities != DefaultAuthorities || s.Relays != DefaultRelays || s.StartTimeout != DefaultStartTimeout {
		t.Errorf("defaults: %d authorities, %d relays, %v", s.Authorities, s.Relays, s.StartTimeout)
	}
	if !filepath.IsAbs(s.TorPath) || s.gencertPath == "" {
		t.Errorf("binaries not resolved: %q, %q", s.TorPath, s.gencertPath)
	}
}
