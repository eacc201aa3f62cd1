package invite

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ratchet"
)

// MaxBlobSize is the largest encoded Blob.
const MaxBlobSize = 1 + ratchet.InvitePublicSize + 1 + envelope.MaxQueues*envelope.QueueAddrSize +
	1 + envelope.MaxNameLen + 8 // 1,483

// Blob is the full invitation, fetched once from the queue the short
// Invitation names and opened with its Key. String and LogValue redact.
// Blob is safe for concurrent reads.
type Blob struct {
	Public  ratchet.InvitePublic // the inviter's handshake keys
	Queues  []envelope.QueueAddr // where the inviter receives from this contact (1..4)
	Name    string               // the inviter's display name (envelope.CheckName)
	Expires time.Time            // whole seconds
}

// MarshalBinary encodes b as version | public 1216 | count u8 |
// count * (relay 32 | queue 16) | name len u8 | name | expires u64.
func (b Blob) MarshalBinary() ([]byte, error) {
	exp, err := expiryToWire(b.Expires)
	if err != nil {
		return nil, err
	}
	if err := envelope.CheckQueues(b.Queues); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := envelope.CheckName(b.Name); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	out := make([]byte, 0, MaxBlobSize)
	out = append(out, Version)
	out = append(out, b.Public.Bytes()...)
	out = envelope.AppendQueues(out, b.Queues)
	out = append(out, byte(len(b.Name)))
	out = append(out, b.Name...)
	return binary.BigEndian.AppendUint64(out, exp), nil
}

// UnmarshalBinary decodes exactly what MarshalBinary writes. On error b
// is left unchanged.
func (b *Blob) UnmarshalBinary(data []byte) error {
	if len(data) > MaxBlobSize || len(data) < 1+ratchet.InvitePublicSize {
		return ErrMalformed
	}
	if data[0] != Version {
		return ErrVersion
	}
	var out Blob
	var err error
	// The cheap checks come first; parsing the ML-KEM key is the costly one.
	rest := data[1+ratchet.InvitePublicSize:]
	if out.Queues, rest, err = envelope.DecodeQueues(rest); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(rest) < 1 || len(rest) != 1+int(rest[0])+8 {
		return ErrMalformed
	}
	out.Name = string(rest[1 : 1+rest[0]])
	if err := envelope.CheckName(out.Name); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if out.Expires, err = expiryFromWire(binary.BigEndian.Uint64(rest[1+rest[0]:])); err != nil {
		return err
	}
	if out.Public, err = ratchet.ParseInvitePublic(data[1 : 1+ratchet.InvitePublicSize]); err != nil {
		return ErrMalformed
	}
	*b = out
	return nil
}

// SealBlob encodes b and seals it under a key derived from key (the
// Invitation's Key) into an envelope of one of envelope.Sizes (3,856
// bytes for any valid Blob): nonce 24 (from r) | XChaCha20-Poly1305.
func SealBlob(key [32]byte, b Blob, r io.Reader) ([]byte, error) {
	bin, err := b.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return seal(&key, labelBlob, bin, r)
}

// OpenBlob opens an envelope made by SealBlob with the same key. It does
// not check the expiry (see Expired).
func OpenBlob(key [32]byte, env []byte) (Blob, error) {
	bin, err := open(&key, labelBlob, env)
	if err != nil {
		return Blob{}, err
	}
	var b Blob
	if err := b.UnmarshalBinary(bin); err != nil {
		return Blob{}, err
	}
	return b, nil
}

// Expired reports whether now is at or after the expiry.
func (b Blob) Expired(now time.Time) bool { return !now.Before(b.Expires) }

// String describes b without its keys, name or addresses.
func (b Blob) String() string { return fmt.Sprintf("invite.Blob{queues: %d}", len(b.Queues)) }

// LogValue is the redacted form of b.
func (b Blob) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("queues", len(b.Queues)), slog.Time("expires", b.Expires))
}
