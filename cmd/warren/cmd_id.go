package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func cmdID(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "id", "id [--dir DIR] [--record | --vote-key]")
	dir := dirFlag(e, fs)
	rec := fs.Bool("record", false, "print the signed peer record (base64) that other nodes pass to --peer")
	vote := fs.Bool("vote-key", false, "print the public half of this node's ledger vote key (hex, as a genesis names validators)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	info, err := daemon.ReadInfo(ctx, *dir)
	if err != nil {
		return err
	}
	if *vote {
		if info.VoteKey == ([32]byte{}) {
			return errors.New("no vote key yet: it is made when the node first runs (warren run)")
		}
		fmt.Fprintln(e.stdout, hex.EncodeToString(info.VoteKey[:]))
		return nil
	}
	if !*rec {
		fmt.Fprintln(e.stdout, info.NodeID.Onion())
		return nil
	}
	if info.Record == nil {
		return errors.New("no signed peer record yet: it is made when the node first runs (warren run)")
	}
	fmt.Fprintln(e.stdout, base64.RawURLEncoding.EncodeToString(info.Record))
	return nil
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "warren", version)
	return nil
}
