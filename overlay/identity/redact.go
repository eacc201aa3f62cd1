package identity

import (
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
)

// LogValue logs a NodeID in its short form: enough to tell nodes apart in a
// log, not enough to reach one.
func (id NodeID) LogValue() slog.Value { return slog.StringValue(id.Short()) }

// fingerprint is the first 4 bytes of a public key in hex, for logs.
func fingerprint(pub []byte) string { return hex.EncodeToString(pub[:4]) }

// LogValue logs the epoch and a public-key fingerprint, never the private key.
func (k OnionKey) LogValue() slog.Value {
	if k.Private == nil {
		return slog.GroupValue(slog.Uint64("epoch", uint64(k.Epoch)), slog.Bool("present", false))
	}
	pub := k.Public()
	return slog.GroupValue(slog.Uint64("epoch", uint64(k.Epoch)), slog.String("pub", fingerprint(pub[:])))
}

// Format prints the redacted form for every verb, so no fmt call (%v, %+v,
// %#v, %x ...) can print the private key.
func (k OnionKey) Format(f fmt.State, _ rune) {
	if k.Private == nil {
		fmt.Fprintf(f, "identity.OnionKey{epoch=%d none}", k.Epoch)
		return
	}
	pub := k.Public()
	fmt.Fprintf(f, "identity.OnionKey{epoch=%d pub=%s}", k.Epoch, fingerprint(pub[:]))
}

// LogValue logs the node ID (short form), a link-key fingerprint and the
// current onion epoch.
func (k *Keyring) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("node", k.id.Short()),
		slog.String("link", fingerprint(k.linkPub[:])),
		slog.Uint64("onion_epoch", uint64(k.CurrentOnion().Epoch)),
	)
}

// Format prints the redacted form for every verb.
func (k *Keyring) Format(f fmt.State, _ rune) {
	io.WriteString(f, "identity.Keyring{node="+k.id.Short()+
		" link="+fingerprint(k.linkPub[:])+
		fmt.Sprintf(" onion_epoch=%d}", k.CurrentOnion().Epoch))
}

var (
	_ slog.LogValuer = NodeID{}
	_ slog.LogValuer = OnionKey{}
	_ slog.LogValuer = (*Keyring)(nil)
	_ fmt.Formatter  = OnionKey{}
	_ fmt.Formatter  = (*Keyring)(nil)
)
