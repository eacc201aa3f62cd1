package handshake

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/flynn/noise"
)

// Client is a client's handshake with one relay after its message was
// made: it owes nothing but Finish, which it accepts once. Not safe for
// concurrent use.
type Client struct {
	hs *noise.HandshakeState // nil once used
	dh *x25519DH
}

// NewClient starts a handshake with the relay whose circuit onion key (from
// its verified peer record) is onionKey, of epoch epoch, on network
// networkID. It returns the pending state and the ClientMsgLen-byte message
// for the CREATE or EXTEND cell. now is the timestamp sent (in seconds);
// rand supplies exactly 32 bytes, the ephemeral key (nil means
// crypto/rand.Reader).
func NewClient(networkID, onionKey [32]byte, epoch uint32, now time.Time, rand io.Reader) (*Client, []byte, error) {
	if onionKey == ([32]byte{}) || now.Unix() < 0 {
		return nil, nil, ErrConfig
	}
	hs, dh, err := newNoise(networkID, epoch, true, onionKey[:], nil, orCrypto(rand))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	var ts [tsLen]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.Unix()))
	msg := binary.BigEndian.AppendUint32(make([]byte, 0, ClientMsgLen), epoch)
	msg, _, _, err = hs.WriteMessage(msg, ts[:])
	if err != nil {
		gotEph := dh.eph != nil
		dh.wipe()
		if gotEph {
			return nil, nil, ErrConfig // DH(e, onion key) failed: a low-order onion key
		}
		return nil, nil, fmt.Errorf("handshake: reading randomness: %w", err)
	}
	return &Client{hs: hs, dh: dh}, msg, nil
}

// Finish consumes the relay's ServerMsgLen-byte reply and returns keyLen
// bytes of relay key material (1 to MaxKeyLen) and the handshake hash,
// identical to what the relay's Respond returned. Finish wipes the pending
// state whatever the outcome; a second call returns ErrUsed.
func (c *Client) Finish(serverMsg []byte, keyLen int) (keys []byte, binding [32]byte, err error) {
	if c.hs == nil {
		return nil, [32]byte{}, ErrUsed
	}
	hs := c.hs
	defer c.wipe()
	if !validKeyLen(keyLen) {
		return nil, [32]byte{}, ErrConfig
	}
	if len(serverMsg) != ServerMsgLen {
		return nil, [32]byte{}, ErrMalformed
	}
	var buf [0]byte
	_, cs1, cs2, err := hs.ReadMessage(buf[:0], serverMsg)
	if err != nil || cs1 == nil {
		return nil, [32]byte{}, ErrDecrypt
	}
	return derive(hs, cs1, cs2, keyLen)
}

func (c *Client) wipe() {
	c.dh.wipe()
	c.hs = nil
}

func orCrypto(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
