package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// Modes of the files store creates.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// prepareDir creates dir with mode 0700 if it is missing, or checks that an
// existing dir is a directory owned by us with no group or world access. It
// never loosens or tightens the mode of an existing directory.
func prepareDir(dir string) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return fmt.Errorf("store: creating state directory: %w", err)
		}
		// MkdirAll is subject to the umask; make the mode exact.
		return os.Chmod(dir, dirMode)
	}
	if err != nil {
		return fmt.Errorf("store: state directory: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%w: state directory is not a directory", ErrInsecurePermissions)
	}
	return checkPrivate(info, "state directory")
}

// prepareDBFile creates the database file with mode 0600 if it is missing,
// so SQLite never creates it with its own default mode, and checks the
// database, WAL and SHM files if they already exist. SQLite creates the WAL
// and SHM files with the mode of the database file.
func prepareDBFile(path string) error {
	if err := createPrivate(path); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: database file: %w", err)
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%w: database file is not a regular file", ErrInsecurePermissions)
		}
		if err := checkPrivate(info, "database file"); err != nil {
			return err
		}
	}
	return nil
}

// createPrivate creates path with mode exactly 0600 unless it exists.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: creating database file: %w", err)
	}
	err = f.Chmod(fileMode) // exact mode whatever the umask
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: creating database file: %w", err)
	}
	return nil
}

// checkPrivate refuses files with any group or world permission bit or
// owned by another user.
func checkPrivate(info fs.FileInfo, what string) error {
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %#o, want no group/other access (e.g. chmod %#o)",
			ErrInsecurePermissions, what, perm, perm&^0o077)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: %s is owned by another user", ErrInsecurePermissions, what)
	}
	return nil
}
