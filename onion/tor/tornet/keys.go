package tornet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// keyWorkers bounds the concurrent tor-gencert / tor --list-fingerprint runs
// (RSA key generation is CPU-bound; the target machines have 2 cores).
const keyWorkers = 2

// pickPorts returns n distinct free TCP ports on 127.0.0.1. All listeners
// are held until every port is picked, then closed; tor may still lose a
// port to someone else before binding it, which Start handles by retrying.
func pickPorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("tornet: picking a port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// makeKeys creates each tor's DataDirectory, the authorities' v3 keys and
// every tor's relay fingerprint, keyWorkers at a time.
func (n *Network) makeKeys(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = make([]error, len(n.tors))
		done int
		sem  = make(chan struct{}, keyWorkers)
	)
	for i, t := range n.tors {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = n.makeKeysFor(ctx, t)
			mu.Lock()
			done++
			n.progress(PhaseKeys, done, len(n.tors))
			mu.Unlock()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return &StartError{Tor: n.tors[i].name, Err: n.keysErr(ctx, err), Detail: err.Error()}
		}
	}
	return nil
}

// keysErr turns a key-generation failure caused by the start timeout into
// ErrNotReady; any other error is returned as is.
func (n *Network) keysErr(ctx context.Context, err error) error {
	if context.Cause(ctx) == errStartTimeout {
		return ErrNotReady
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

func (n *Network) makeKeysFor(ctx context.Context, t *torProc) error {
	if err := os.MkdirAll(filepath.Join(t.dir, "keys"), 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	if t.authority {
		if err := n.genCert(ctx, t); err != nil {
			return err
		}
	}
	fp, err := n.fingerprint(ctx, t.dir)
	if err != nil {
		return err
	}
	t.fingerprint = fp
	return nil
}

// genCert runs tor-gencert for authority t and reads its v3 identity.
func (n *Network) genCert(ctx context.Context, t *torProc) error {
	keys := filepath.Join(t.dir, "keys")
	cert := filepath.Join(keys, "authority_certificate")
	out, err := n.run(ctx, strings.NewReader("\n"), n.cfg.gencertPath,
		"--create-identity-key", "-m", "12",
		"-a", fmt.Sprintf("127.0.0.1:%d", t.dirPort),
		"-i", filepath.Join(keys, "authority_identity_key"),
		"-s", filepath.Join(keys, "authority_signing_key"),
		"-c", cert, "--passphrase-fd", "0")
	if err != nil {
		return fmt.Errorf("tor-gencert: %w: %s", err, lastLine(out))
	}
	b, err := os.ReadFile(cert)
	if err != nil {
		return fmt.Errorf("reading authority certificate: %w", err)
	}
	if t.v3ident, err = certFingerprint(b); err != nil {
		return err
	}
	return nil
}

// fingerprint returns the relay identity fingerprint (40 upper-case hex
// digits) of the tor whose DataDirectory is dir, creating its keys.
func (n *Network) fingerprint(ctx context.Context, dir string) (string, error) {
	out, err := n.run(ctx, nil, n.cfg.TorPath, "--ignore-missing-torrc",
		"--defaults-torrc", os.DevNull, "-f", os.DevNull, "--DataDirectory", dir,
		"--ORPort", "1", "--list-fingerprint", "--quiet")
	if err != nil {
		return "", fmt.Errorf("tor --list-fingerprint: %w: %s", err, lastLine(out))
	}
	return parseListFingerprint(out)
}

// run runs a short-lived helper binary and returns its combined output.
func (n *Network) run(ctx context.Context, stdin *strings.Reader, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.WaitDelay = time.Second
	return cmd.CombinedOutput()
}

// parseListFingerprint parses tor --list-fingerprint output: "nickname"
// followed by the fingerprint, possibly in groups of 4 hex digits.
func parseListFingerprint(out []byte) (string, error) {
	fields := strings.Fields(lastLine(out))
	if len(fields) < 2 {
		return "", fmt.Errorf("tornet: unexpected --list-fingerprint output")
	}
	return checkFingerprint(strings.Join(fields[1:], ""))
}

// certFingerprint returns the "fingerprint" line of an authority
// certificate: the authority's v3ident.
func certFingerprint(cert []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(cert))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "fingerprint "); ok {
			return checkFingerprint(strings.TrimSpace(v))
		}
	}
	return "", fmt.Errorf("tornet: no fingerprint line in authority certificate")
}

func checkFingerprint(fp string) (string, error) {
	if b, err := hex.DecodeString(fp); err != nil || len(b) != 20 {
		return "", fmt.Errorf("tornet: malformed fingerprint")
	}
	return strings.ToUpper(fp), nil
}

// lastLine returns the last non-empty line of out, trimmed.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
