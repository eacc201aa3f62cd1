package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func cmdPassphrase(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "change" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintln(e.stderr, "Usage: warren passphrase change [--dir DIR] [--passphrase-file OLD] [--new-passphrase-file NEW]")
			return errHelpShown
		}
		return usageError{"usage: warren passphrase change [flags]"}
	}
	fs := newFlags(e, "passphrase change", "passphrase change [--dir DIR] [--passphrase-file OLD] [--new-passphrase-file NEW]")
	dir := dirFlag(e, fs)
	oldFile := fs.String("passphrase-file", "", "file holding the current passphrase (env WARREN_PASSPHRASE_FILE); default: prompt")
	newFile := fs.String("new-passphrase-file", "", "file holding the new passphrase; default: prompt")
	kdfMiB := fs.Uint("kdf-memory", 0, "argon2id memory in MiB for the new wrapping (0 = default)")
	kdfTime := fs.Uint("kdf-time", 0, "argon2id passes for the new wrapping (0 = default)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	kdf, _, err := kdfParams(*kdfMiB, *kdfTime)
	if err != nil {
		return err
	}
	db, err := daemon.OpenStore(ctx, *dir, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	oldPass, err := readPassphrase(e, *oldFile, "Current passphrase: ", false)
	if err != nil {
		return err
	}
	defer clear(oldPass)
	// Check the current passphrase before asking for a new one.
	vault, err := db.Unlock(ctx, oldPass)
	if err != nil {
		return err
	}
	vault.Close()
	newPass, err := readNewPassphrase(e, *newFile)
	if err != nil {
		return err
	}
	defer clear(newPass)
	if err := db.ChangePassphrase(ctx, oldPass, newPass, kdf, rand.Reader); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "passphrase changed")
	return nil
}

// readNewPassphrase never falls back to $WARREN_PASSPHRASE_FILE, which names
// the current passphrase.
func readNewPassphrase(e *env, file string) ([]byte, error) {
	if file != "" {
		return readPassphraseFile(file)
	}
	saved := e.getenv
	e.getenv = func(string) string { return "" }
	defer func() { e.getenv = saved }()
	return readPassphrase(e, "", "New passphrase: ", true)
}
