package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// TestFileModes runs with umask 0, so any file created with a default mode
// (0644/0755) would show it. Not parallel: the umask is process-wide.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "a", "state")
	db := openAt(t, dir)
	initTestVault(t, db, "pw")
	if err := db.PutMeta(context.Background(), "node-id", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("state dir mode %#o, want 0700", got)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		if got := mode(t, filepath.Join(dir, name)); got != 0o600 {
			t.Errorf("%s mode %#o, want 0600", name, got)
		}
	}
	db.Close()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if got := mode(t, filepath.Join(dir, e.Name())); got != 0o600 {
			t.Errorf("after close %s mode %#o", e.Name(), got)
		}
	}
}

// TestFileModesTightUmask: a umask that would strip the owner's bits does
// not leave the database unusable.
func TestFileModesTightUmask(t *testing.T) {
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "state")
	db := openAt(t, dir)
	if err := db.PutMeta(context.Background(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("state dir mode %#o, want 0700", got)
	}
	if got := mode(t, filepath.Join(dir, FileName)); got != 0o600 {
		t.Errorf("db mode %#o, want 0600", got)
	}
}

func TestRefusesInsecureDir(t *testing.T) {
	for _, perm := range []fs.FileMode{0o755, 0o750, 0o701, 0o707} {
		dir := t.TempDir()
		if err := os.Chmod(dir, perm); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), Config{Dir: dir})
		if !errors.Is(err, ErrInsecurePermissions) {
			t.Errorf("dir %#o: err = %v, want ErrInsecurePermissions", perm, err)
		}
		if got := mode(t, dir); got != perm {
			t.Errorf("dir %#o was changed to %#o", perm, got)
		}
		if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("dir %#o: database file created despite refusal", perm)
		}
	}
}

func TestRefusesInsecureDBFiles(t *testing.T) {
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		dir := testDir(t)
		openAt(t, dir).Close()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil && name == FileName {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(context.Background(), Config{Dir: dir}); !errors.Is(err, ErrInsecurePermissions) {
			t.Errorf("%s 0644: err = %v, want ErrInsecurePermissions", name, err)
		}
		if got := mode(t, p); got != 0o644 {
			t.Errorf("%s mode changed to %#o", name, got)
		}
	}
}

func TestRefusesSymlinkAndNonDir(t *testing.T) {
	dir := testDir(t)
	os.Mkdir(dir, 0o700)
	target := filepath.Join(t.TempDir(), "elsewhere.db")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), Config{Dir: dir}); !errors.Is(err, ErrInsecurePermissions) {
		t.Errorf("symlinked db: err = %v", err)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(context.Background(), Config{Dir: file}); !errors.Is(err, ErrInsecurePermissions) {
		t.Errorf("Dir is a file: err = %v", err)
	}
}

func TestPermissionErrorNamesNoPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secret-location")
	os.Mkdir(dir, 0o755)
	os.Chmod(dir, 0o755)
	_, err := Open(context.Background(), Config{Dir: dir})
	if err == nil {
		t.Fatal("expected an error")
	}
	if s := err.Error(); strings.Contains(s, "secret-location") {
		t.Errorf("error reveals the path: %q", s)
	}
}
