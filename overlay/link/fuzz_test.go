package link

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// FuzzResponderMsg1 feeds arbitrary bytes to the responder's first step.
// It must never panic, and must return a reply exactly when it has no
// error.
func FuzzResponderMsg1(f *testing.F) {
	client, server := newNode(f), newNode(f)
	now := time.Now()
	ik, _ := ikMsg1(f, client, server, initPayload(client, now))
	rk := server.remote().LinkKey
	nk, _ := rawHS{pattern: noise.HandshakeNK, prologue: prologue(testNet), peerStatic: rk[:]}.msg1(f, wire.KindNK1, nil)
	f.Add(ik)
	f.Add(nk)
	f.Add([]byte{byte(wire.KindIK1), 0xff, 0xff})
	sp := mustPrepare(f, server.config())
	guard := NewReplayGuard(ReplayConfig{Burst: 1 << 30, NotBefore: time.Unix(1, 0)})
	resp, err := newResponder(sp, guard)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rr, err := resp.read1(b, now)
		if (rr == nil) == (err == nil) {
			t.Fatalf("reply %v with error %v", rr != nil, err)
		}
		if err == nil {
			if _, _, err := rr.write2(nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzInitiatorMsg2 feeds arbitrary message 2s to a dialer's last step.
func FuzzInitiatorMsg2(f *testing.F) {
	client, server := newNode(f), newNode(f)
	cp := mustPrepare(f, client.config())
	f.Add(envelope(wire.KindIK2, wire.IK2Len, 0))
	f.Add([]byte{byte(wire.KindIK2), 0, 1, 2})
	// A real message 2 for a fresh initiator is added per run below.
	f.Fuzz(func(t *testing.T, b []byte) {
		in, _ := newInitiator(cp, server.remote())
		_, wait, err := in.start(nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := wait.finish(b)
		if (s == nil) == (err == nil) {
			t.Fatalf("session %v with error %v", s != nil, err)
		}
		if err == nil {
			t.Fatal("a random message 2 authenticated") // would need the responder's keys
		}
	})
}

// FuzzFramePlaintext seals an arbitrary header and body under the link key
// (header masked, and authenticated as the body's additional data) and
// checks Recv agrees with wire.ParseHeader: a frame is delivered only
// if its header is valid and its padding zero; nothing panics.
func FuzzFramePlaintext(f *testing.F) {
	f.Add([]byte{1, 0, 0, 3}, []byte("abc"))
	f.Add([]byte{1, 3, 0xff, 0xef}, []byte{})
	f.Add([]byte{2, 0, 0, 0}, []byte{})
	f.Add([]byte{4, 0, 0, 0}, []byte{})
	f.Add([]byte{1, 9, 0, 0}, []byte{1})
	f.Fuzz(func(t *testing.T, hdr, body []byte) {
		if len(hdr) != wire.HeaderLen {
			return
		}
		h, herr := wire.ParseHeader(hdr)
		size := wire.CellSize
		if herr == nil {
			size = h.BodyLen()
		}
		padded := make([]byte, size)
		copy(padded, body)
		cs := noise.UnsafeNewCipherState(newSuite(nil), testKey, 0)
		stream := craftFrame(nil, cs, [wire.HeaderLen]byte(hdr), padded, size)
		r := keyedLink(t, streamConn{Reader: bytes.NewReader(stream)}, &Config{NetworkID: testNet})
		p, err := r.Recv()
		paddingOK := herr == nil && allZero(padded[h.Length:])
		switch {
		case herr != nil || !paddingOK:
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("invalid frame: %v", err)
			}
		case h.Type == wire.FrameData:
			if err != nil || !bytes.Equal(p, padded[:h.Length]) {
				t.Fatalf("data frame: %v", err)
			}
		case h.Type == wire.FrameClose:
			if err != io.EOF {
				t.Fatalf("close frame: %v", err)
			}
		default:
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("control frame then EOF: %v", err)
			}
		}
	})
}
