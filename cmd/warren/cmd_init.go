package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/store"
)

func cmdInit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "init", "init [--dir DIR] [--passphrase-file FILE] [--genesis FILE | --network NAME]")
	dir := dirFlag(e, fs)
	pf := fs.String("passphrase-file", "", "read the new passphrase from this file (env WARREN_PASSPHRASE_FILE); default: prompt")
	network := fs.String("network", "warren-dev", "without --genesis: a network of just this name, with no bootstrap peers")
	genesisFile := fs.String("genesis", "", "join the network this genesis file describes (warren testnet writes one)")
	kdfMiB := fs.Uint("kdf-memory", 0, "argon2id memory in MiB (0 = default, about 0.5 s per unlock)")
	kdfTime := fs.Uint("kdf-time", 0, "argon2id passes (0 = default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *genesisFile != "" && flagSet(fs, "network") {
		return usageError{"--genesis and --network are alternatives: the genesis names the network"}
	}
	g, err := readGenesis(*genesisFile)
	if err != nil {
		return err
	}
	kdf, weak, err := kdfParams(*kdfMiB, *kdfTime)
	if err != nil {
		return err
	}
	if err := daemon.CheckInitTarget(*dir); err != nil {
		return err
	}
	if weak {
		fmt.Fprintln(e.stderr, "warren: warning: argon2id parameters below the defaults make a stolen state directory cheaper to crack")
	}
	pass, err := readPassphrase(e, *pf, "New passphrase: ", true)
	if err != nil {
		return err
	}
	defer clear(pass)
	fmt.Fprintln(e.stderr, "warren: creating node (deriving the key from the passphrase)...")
	id, err := daemon.Init(ctx, daemon.InitConfig{
		Dir: *dir, Passphrase: pass, KDF: kdf, Genesis: g, Network: *network, Rand: rand.Reader, Now: time.Now,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "node %s\nstate %s\n", id.Onion(), *dir)
	return nil
}

// readGenesis reads and checks a genesis file; "" means none.
func readGenesis(path string) (*genesis.Genesis, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxGenesisFile+1))
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	if len(b) > maxGenesisFile {
		return nil, fmt.Errorf("genesis: %s is larger than %d bytes", path, maxGenesisFile)
	}
	return genesis.ParseFile(b)
}

// maxGenesisFile bounds what init reads (genesis.ParseFile bounds it too).
const maxGenesisFile = 1 << 20

// kdfParams applies the user's overrides to the defaults and reports whether
// the result is weaker than them.
func kdfParams(mib, passes uint) (store.KDFParams, bool, error) {
	p := store.DefaultKDFParams()
	def := p
	if mib > store.MaxKDFMemoryKiB/1024 {
		return p, false, usageError{fmt.Sprintf("--kdf-memory: at most %d MiB", store.MaxKDFMemoryKiB/1024)}
	}
	if passes > store.MaxKDFTime {
		return p, false, usageError{fmt.Sprintf("--kdf-time: at most %d passes", store.MaxKDFTime)}
	}
	if mib != 0 {
		p.MemoryKiB = uint32(mib) * 1024
	}
	if passes != 0 {
		p.Time = uint32(passes)
	}
	return p, p.MemoryKiB < def.MemoryKiB || p.Time < def.Time, nil
}

// flagSet reports whether the user gave flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
