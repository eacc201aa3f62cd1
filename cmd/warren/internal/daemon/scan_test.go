package daemon

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

// TestNoPrivateKeyInTheClear runs a node, stops it, then reads every file in
// its state directory and looks for every 16-byte window of each of its
// private keys. None may appear: all are sealed at rest.
func TestNoPrivateKeyInTheClear(t *testing.T) {
	dir := initNode(t)
	n := start(t, dir, "127.0.0.1:0")
	secrets := privateKeys(t, n.keys)
	scanDir(t, dir, secrets) // while running: WAL and SHM are live
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	scanDir(t, dir, secrets)
}

func scanDir(t *testing.T, dir string, secrets map[string][]byte) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for name, s := range secrets {
			for i := 0; i+16 <= len(s); i++ {
				if bytes.Contains(b, s[i:i+16]) {
					t.Errorf("%s: 16 bytes of the %s private key at offset %d appear in the clear", filepath.Base(path), name, i)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Fatalf("scanned only %d files", files)
	}
}

func privateKeys(t *testing.T, kr *identity.Keyring) map[string][]byte {
	t.Helper()
	keys := map[string][]byte{
		"node seed": bytes.Clone(kr.Node.Seed()),
		"link":      bytes.Clone(kr.Link.Bytes()),
		"onion":     bytes.Clone(kr.CurrentOnion().Private.Bytes()),
	}
	for name, k := range keys {
		if len(k) != 32 {
			t.Fatalf("%s key has %d bytes", name, len(k))
		}
	}
	return keys
}

// TestSocketMode: the local API socket is 0600 inside a 0700 directory.
func TestSocketMode(t *testing.T) {
	dir := initNode(t)
	n := start(t, dir, "127.0.0.1:0")
	defer n.Close()
	for path, want := range map[string]fs.FileMode{SocketPath(dir): 0o600, dir: 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
		}
	}
}
