package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// maxPassphraseFile bounds what is read from a passphrase file.
const maxPassphraseFile = 4096

var errPassphraseMismatch = errors.New("the two passphrases differ; nothing was changed")

var errNoPassphrase = errors.New("no passphrase: pass --passphrase-file FILE, set WARREN_PASSPHRASE_FILE to a file, or run in a terminal to be prompted")

// readPassphrase gets a passphrase from file, else from the file named by
// $WARREN_PASSPHRASE_FILE, else from a prompt without echo. With confirm, a
// prompted passphrase is asked twice.
func readPassphrase(e *env, file, prompt string, confirm bool) ([]byte, error) {
	if file == "" {
		file = e.getenv("WARREN_PASSPHRASE_FILE")
	}
	if file != "" {
		return readPassphraseFile(file)
	}
	if e.stdin == nil || !term.IsTerminal(int(e.stdin.Fd())) {
		return nil, errNoPassphrase
	}
	p, err := promptOnce(e, prompt)
	if err != nil || !confirm {
		return p, err
	}
	again, err := promptOnce(e, "Repeat: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, again) {
		clear(p)
		return nil, errPassphraseMismatch
	}
	return p, nil
}

// promptOnce reads a passphrase without echo. If a signal arrives while
// echo is off, it restores the terminal before the process exits.
func promptOnce(e *env, prompt string) ([]byte, error) {
	fd := int(e.stdin.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() { signal.Stop(sig); close(done) }()
	go func() {
		select {
		case <-sig:
			term.Restore(fd, state)
			fmt.Fprintln(e.stderr)
			os.Exit(130)
		case <-done:
		}
	}()
	fmt.Fprint(e.stderr, prompt)
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("%w (empty)", errNoPassphrase)
	}
	return p, nil
}

func readPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPassphrase, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read passphrase file: %v", errNoPassphrase, err)
	}
	if len(b) > maxPassphraseFile {
		clear(b)
		return nil, fmt.Errorf("%w: the passphrase file is longer than %d bytes", errNoPassphrase, maxPassphraseFile)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("%w (the passphrase file is empty)", errNoPassphrase)
	}
	return b, nil
}
