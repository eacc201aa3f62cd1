package messenger

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/mailbox"
	"github.com/warrennet/warren/messaging/ratchet"
	"github.com/warrennet/warren/onion/circapi"
	"github.com/warrennet/warren/overlay/identity"
)

// mailboxService is the circuit service name mailboxes answer on.
const mailboxService = "mailbox"

// adMessage is the associated data of every ratchet message.
var adMessage = []byte("warren/messenger/message/v1")

// openMailbox opens a stream to relay's mailbox service over the circuit
// of purpose p. closeFn closes the stream.
func (m *Messenger) openMailbox(ctx context.Context, p circapi.Purpose, relay identity.NodeID) (*mailbox.Client, func(), error) {
	s, err := m.cfg.Dialer.Open(ctx, p, relay, mailboxService)
	if err != nil {
		return nil, nil, err
	}
	return mailbox.NewClient(s), func() { s.Close() }, nil
}

// onePurpose is a purpose no other operation shares: a circuit of its own.
func (m *Messenger) onePurpose(kind string) circapi.Purpose {
	var k [16]byte
	if _, err := io.ReadFull(m.cfg.Rand, k[:]); err != nil {
		panic("messenger: randomness failed: " + err.Error())
	}
	return circapi.Purpose{Kind: kind, Key: hex.EncodeToString(k[:]), Once: true}
}

// randIntn returns a uniform integer in [0, n) from r.
func randIntn(r io.Reader, n int) (int, error) {
	if n <= 0 {
		return 0, errors.New("messenger: randIntn of a non-positive bound")
	}
	limit := ^uint64(0) - ^uint64(0)%uint64(n)
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return int(v % uint64(n)), nil
		}
	}
}

// encryptPayload encodes, pads and encrypts p with sess: the result is
// exactly one of envelope.Sizes long.
func encryptPayload(sess *ratchet.Session, p envelope.Payload) ([]byte, error) {
	enc, err := envelope.Encode(p)
	if err != nil {
		return nil, err
	}
	padded, err := envelope.Pad(enc)
	if err != nil {
		return nil, err
	}
	return sess.Encrypt(padded, adMessage)
}

// decryptPayload reverses encryptPayload. On error sess is unchanged
// (ratchet guarantees it).
func decryptPayload(sess *ratchet.Session, env []byte) (envelope.Payload, error) {
	padded, err := sess.Decrypt(env, adMessage)
	if err != nil {
		return nil, err
	}
	defer clear(padded)
	enc, err := envelope.Unpad(padded)
	if err != nil {
		return nil, err
	}
	return envelope.Decode(enc)
}
