package invite

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ratchet"
)

func detRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func fill(seed byte, b []byte) {
	if _, err := io.ReadFull(detRand(seed), b); err != nil {
		panic(err)
	}
}

var expiry = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func sampleInvitation() Invitation {
	var inv Invitation
	fill(10, inv.Relay[:])
	fill(11, inv.Queue[:])
	fill(12, inv.Secret[:])
	fill(13, inv.Key[:])
	inv.Expires = expiry
	return inv
}

func qa(b byte) envelope.QueueAddr {
	var q envelope.QueueAddr
	fill(b, q.Relay[:])
	fill(b+100, q.Queue[:])
	return q
}

func inviteKeys(t testing.TB) *ratchet.InviteKeys {
	t.Helper()
	k, err := ratchet.NewInviteKeys(detRand(1))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sampleBlob(t testing.TB) Blob {
	return Blob{Public: inviteKeys(t).Public(), Queues: []envelope.QueueAddr{qa(1), qa(2)}, Name: "Bob", Expires: expiry}
}

func outcome(err error) string {
	for _, e := range []struct {
		err  error
		name string
	}{{ErrChecksum, "checksum"}, {ErrVersion, "version"}, {ErrExpiry, "expiry"}, {ErrTooLarge, "too-large"},
		{ErrDecrypt, "decrypt"}, {ErrRandom, "random"}, {ErrMalformed, "malformed"}} {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "unexpected: " + err.Error()
}
