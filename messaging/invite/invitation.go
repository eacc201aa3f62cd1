package invite

import (
	"crypto/sha256"
	"encoding/binary"
	"log/slog"
	"time"
)

// Invitation is the short, one-time invitation a person copies or scans.
// It names no user node: only a public mailbox relay and a queue there,
// the capability to fetch that queue once, and the key of the blob the
// queue holds (the full invitation, see Blob).
//
// Anyone holding an Invitation can accept it. String returns the text
// form for showing to the user; LogValue and GoString redact.
// Invitation is a value type, safe for concurrent use.
type Invitation struct {
	Relay   [32]byte  // mailbox relay node ID
	Queue   [16]byte  // queue holding the blob
	Secret  [32]byte  // fetch capability of that queue
	Key     [32]byte  // blob key (and, through HKDF, the request key)
	Expires time.Time // whole seconds; sub-second parts are dropped
}

// MarshalBinary encodes inv as version | relay | queue | secret | key |
// expires (u64 Unix seconds, big endian): BinarySize bytes.
func (inv Invitation) MarshalBinary() ([]byte, error) {
	exp, err := expiryToWire(inv.Expires)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, BinarySize+ChecksumSize)
	b = append(b, Version)
	b = append(b, inv.Relay[:]...)
	b = append(b, inv.Queue[:]...)
	b = append(b, inv.Secret[:]...)
	b = append(b, inv.Key[:]...)
	return binary.BigEndian.AppendUint64(b, exp), nil
}

// UnmarshalBinary decodes exactly BinarySize bytes written by
// MarshalBinary. On error inv is left unchanged.
func (inv *Invitation) UnmarshalBinary(b []byte) error {
	if len(b) != BinarySize {
		return ErrMalformed
	}
	if b[0] != Version {
		return ErrVersion
	}
	exp, err := expiryFromWire(binary.BigEndian.Uint64(b[BinarySize-8:]))
	if err != nil {
		return err
	}
	var out Invitation
	b = b[1:]
	b = b[copy(out.Relay[:], b):]
	b = b[copy(out.Queue[:], b):]
	b = b[copy(out.Secret[:], b):]
	copy(out.Key[:], b)
	out.Expires = exp
	*inv = out
	return nil
}

// Expired reports whether now is at or after the expiry.
func (inv Invitation) Expired(now time.Time) bool { return !now.Before(inv.Expires) }

// LogValue is the redacted form: the expiry only.
func (inv Invitation) LogValue() slog.Value {
	return slog.GroupValue(slog.String("invitation", "redacted"), slog.Time("expires", inv.Expires))
}

// GoString redacts, so %#v does not print the secrets.
func (inv Invitation) GoString() string { return "invite.Invitation{redacted}" }

// checksum is SHA-256(label | binary)[:ChecksumSize].
func checksum(bin []byte) [ChecksumSize]byte {
	h := sha256.New()
	h.Write([]byte(labelChecksum))
	h.Write(bin)
	var c [ChecksumSize]byte
	copy(c[:], h.Sum(nil))
	return c
}

func expiryToWire(t time.Time) (uint64, error) {
	s := t.Unix()
	if s <= 0 || s > MaxExpiry {
		return 0, ErrExpiry
	}
	return uint64(s), nil
}

func expiryFromWire(s uint64) (time.Time, error) {
	if s == 0 || s > MaxExpiry {
		return time.Time{}, ErrExpiry
	}
	return time.Unix(int64(s), 0).UTC(), nil
}
