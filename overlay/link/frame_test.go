package link

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// Tests of wire format v2: one AEAD per frame, the header masked (header
// protection) and authenticated as the body's additional data.

// Known answers computed independently of this package, with Python's
// cryptography package (HKDF-SHA256, AES-128-ECB, AES-256-GCM), for the
// CipherState key 0x42 || 0^31, nonces 0 and 1, and the handshake hash
// 00 01 .. 1f: the header-protection key, then a data frame "hello" and a
// keepalive frame (first 20 bytes, last 16, SHA-256 of the whole frame).
const vectorHP = "fbf16e43da2b61906b2929724b759d71"

var frameVectors = []struct{ prefix, tag, sum string }{
	{"33272846a85fdca821ca184450e3b98381e62245", "646e438c97967f6e522197f8f61cf053", "eefce3c819f5e3f0092d019249456759de79e2fc51eb1fdf04327aa476b82920"},
	{"63319a0beffa3695265ecdc80ab2094c2dedd6d3", "0a7f4a4a3c932d2b141b75cc80577643", "efd1e8b01143598c9f1e2ef683b2a1c9a47fa14b7d44971b332c50866c34173c"},
}

func vectorSession() *session {
	s := &session{
		send: noise.UnsafeNewCipherState(newSuite(nil), testKey, 0),
		recv: noise.UnsafeNewCipherState(newSuite(nil), testKey, 0),
	}
	for i := range s.binding {
		s.binding[i] = byte(i)
	}
	return s
}

func TestFrameVectors(t *testing.T) {
	k, b := testKey, vectorSession().binding
	if key := headerKey(&k, &b); hex.EncodeToString(key[:]) != vectorHP {
		t.Fatalf("header-protection key %x, want %s", key, vectorHP)
	}
	var buf bytes.Buffer
	w := newLink(streamConn{Writer: &buf}, mustPrepare(t, &Config{NetworkID: testNet}), vectorSession(), false)
	if err := w.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := w.sendControl(wire.FrameKeepalive); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()
	if len(stream) != 2*532 {
		t.Fatalf("two cell frames are %d bytes, want 2 x 532", len(stream))
	}
	for i, v := range frameVectors {
		f := stream[i*532 : (i+1)*532]
		sum := sha256.Sum256(f)
		if hex.EncodeToString(f[:20]) != v.prefix || hex.EncodeToString(f[516:]) != v.tag || hex.EncodeToString(sum[:]) != v.sum {
			t.Errorf("frame %d = %x...%x, want %s...%s", i, f[:20], f[516:], v.prefix, v.tag)
		}
	}
	r := newLink(streamConn{Reader: bytes.NewReader(stream)}, mustPrepare(t, &Config{NetworkID: testNet}), vectorSession(), false)
	if p, err := r.Recv(); err != nil || string(p) != "hello" {
		t.Fatalf("Recv = %q, %v", p, err)
	}
	if _, err := r.Recv(); !errors.Is(err, io.ErrUnexpectedEOF) || r.Stats().RecvKeepalives != 1 {
		t.Fatalf("after the keepalive: %v, %+v", err, r.Stats())
	}
}

// Each direction has its own header-protection key, the same at both ends,
// and it depends on the handshake hash.
func TestHeaderProtPerDirection(t *testing.T) {
	server := newNode(t)
	d, a := linkPair(t, newNode(t).config(), server.config(), server.remote())
	sample := bytes.Repeat([]byte{7}, wire.SampleLen)
	mask := func(hp *headerProt) [4]byte {
		var h [4]byte
		hp.apply(h[:], sample)
		return h
	}
	if mask(d.sendHP) != mask(a.recvHP) || mask(a.sendHP) != mask(d.recvHP) {
		t.Fatal("the two ends of a direction disagree")
	}
	if mask(d.sendHP) == mask(d.recvHP) {
		t.Fatal("both directions share a header-protection key")
	}
	k := testKey
	if mask(newHeaderProt(&k, &[32]byte{1})) == mask(newHeaderProt(&k, &[32]byte{2})) {
		t.Fatal("header protection does not depend on the handshake hash")
	}
	exchange(t, d, a, []byte("v2"))
	exchange(t, a, d, []byte("v2"))
}

// A version-1 peer, on either side, fails the handshake: the prologue
// differs, so message 1 does not decrypt.
func TestV1PeerRefused(t *testing.T) {
	server, client := newNode(t), newNode(t)
	v1 := func(c *Config) *prepared {
		p := mustPrepare(t, c)
		p.prologue = prologueWith(ProtocolName, 1, testNet)
		return p
	}
	for _, anon := range []bool{false, true} {
		cfg := func() *Config { // a fresh one each time: prepare caches
			if anon {
				return anonConfig()
			}
			return client.config()
		}
		// v1 dialer, v2 acceptor.
		c1, c2 := net.Pipe()
		errc := make(chan error, 1)
		go func() {
			_, err := dialSteps(context.Background(), c1, v1(cfg()), server.remote())
			c1.Close()
			errc <- err
		}()
		l, err := Accept(context.Background(), c2, server.config(), NewReplayGuard(ReplayConfig{}))
		if l != nil || !errors.Is(err, ErrDecrypt) {
			t.Fatalf("anon %v: v2 Accept from a v1 dialer: link %v, %v", anon, l != nil, err)
		}
		if err := <-errc; !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("anon %v: v1 dialer: %v", anon, err)
		}
		// v2 dialer, v1 acceptor.
		c1, c2 = net.Pipe()
		go func() {
			_, err := acceptSteps(context.Background(), c2, v1(server.config()), NewReplayGuard(ReplayConfig{}))
			c2.Close()
			errc <- err
		}()
		l, err = Dial(context.Background(), c1, cfg(), server.remote())
		if l != nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("anon %v: v2 Dial to a v1 acceptor: link %v, %v", anon, l != nil, err)
		}
		if err := <-errc; !errors.Is(err, ErrDecrypt) {
			t.Fatalf("anon %v: v1 acceptor: %v", anon, err)
		}
	}
}

// tamperStream is a stream of cell, control and larger frames, with a
// rekey among them, and each frame's start offset and type.
func tamperStream(t *testing.T) ([]byte, []int, []bool) {
	var buf bytes.Buffer
	w := keyedLink(t, streamConn{Writer: &buf}, &Config{NetworkID: testNet, RekeyMessages: 3})
	var starts []int
	var data []bool
	mark := func(d bool) { starts, data = append(starts, buf.Len()), append(data, d) }
	mark(true)
	w.Send([]byte("a"))
	mark(true)
	w.Send(bytes.Repeat([]byte{'b'}, CellSize))
	mark(false)
	w.sendControl(wire.FrameKeepalive)
	mark(false) // the rekey frame, sent before "c"
	starts, data = append(starts, buf.Len()+wire.WireSizes[0]), append(data, true)
	w.Send([]byte("c"))
	mark(true)
	w.Send(bytes.Repeat([]byte{'d'}, 10000))
	mark(false)
	w.Close()
	if w.Stats().SentRekeys != 1 || len(starts) != 7 {
		t.Fatalf("%d frames, %d rekeys", len(starts), w.Stats().SentRekeys)
	}
	return buf.Bytes(), starts, data
}

// Flipping any bit of a frame's masked header or of its sample closes the
// link at that frame: nothing of it (or after it) is delivered. A flipped
// header bit unmasks to exactly that header with the bit flipped, so the
// error is known: ParseHeader refuses it, or, when it parses (a valid
// type, class or length), the AEAD does, because the header is its
// additional data. A flipped sample bit changes the mask and the
// ciphertext.
func TestFrameTamperPrefixBits(t *testing.T) {
	stream, starts, data := tamperStream(t)
	hp := testHP()
	cfg := &Config{NetworkID: testNet}
	br := bytes.NewReader(nil)
	r := keyedLink(t, streamConn{Reader: br}, cfg)
	for i, start := range starts {
		var hdr [wire.HeaderLen]byte
		copy(hdr[:], stream[start:])
		hp.apply(hdr[:], stream[start+wire.MaskedHeaderLen:])
		before := 0
		for _, d := range data[:i] {
			if d {
				before++
			}
		}
		for bit := 0; bit < 8*wire.PrefixLen; bit++ {
			bad := append([]byte(nil), stream...)
			bad[start+bit/8] ^= 1 << (bit % 8)
			// Filler, so a larger class finds bytes to read: the outcome
			// never depends on where the stream ends.
			bad = append(bad, make([]byte, 70000)...)
			br.Reset(bad)
			r.rd.Reset(r.conn)
			r.recv = noise.UnsafeNewCipherState(newSuite(nil), testKey, 0)
			r.err, r.stats = nil, linkStats{}
			n, err := recvAll(r)
			want := ErrDecrypt
			if bit < 8*wire.MaskedHeaderLen {
				h := hdr
				h[bit/8] ^= 1 << (bit % 8)
				if _, perr := wire.ParseHeader(h[:]); perr != nil {
					want = ErrProtocol
				}
			}
			sampleBit := bit >= 8*wire.MaskedHeaderLen
			ok := errors.Is(err, want) || (sampleBit && errors.Is(err, ErrProtocol))
			if !ok || n != before || r.Stats().RecvFrames != uint64(i) || r.Err() == nil {
				t.Fatalf("frame %d, bit %d: %d data frames (want %d), %d opened, err %v (want %v)",
					i, bit, n, before, r.Stats().RecvFrames, err, want)
			}
		}
	}
}

// An on-path attacker has no key but can XOR the masked header: what it
// unmasks to is the honest header XOR the attacker's bits. An invalid or
// oversize result is refused after the prefix; a valid larger class makes
// the receiver read (into one pooled buffer at most) a body that then
// fails to authenticate.
func TestFrameOnPathHeaderXOR(t *testing.T) {
	var buf bytes.Buffer
	w := keyedLink(t, streamConn{Writer: &buf}, &Config{NetworkID: testNet})
	w.Send([]byte("hello")) // header 01 00 00 05
	honest := buf.Bytes()
	xor := func(x [4]byte) []byte {
		b := append([]byte(nil), honest...)
		for i := range x {
			b[i] ^= x[i]
		}
		return b
	}
	refused := []struct {
		name string
		x    [4]byte
		want error
	}{
		{"class 255", [4]byte{0, 0xff, 0, 0}, wire.ErrClass},
		{"length 0xffff", [4]byte{0, 0, 0xff, 0xff ^ 5}, wire.ErrOversize},
		{"length 513", [4]byte{0, 0, 0x02, 0x01 ^ 5}, wire.ErrOversize},
		{"keepalive with payload", [4]byte{1 ^ 2, 0, 0, 0}, wire.ErrControlLen},
	}
	for _, c := range refused {
		conn := &prefixOnly{prefix: xor(c.x)}
		r := keyedLink(t, conn, &Config{NetworkID: testNet})
		var err error
		got := allocBytes(func() { _, err = r.Recv() })
		if !errors.Is(err, ErrProtocol) || !errors.Is(err, c.want) || conn.reads != 1 || got > 1024 {
			t.Fatalf("%s: %v after %d reads, %d bytes allocated", c.name, err, conn.reads, got)
		}
	}
	// Class 0 -> 3: a max-size body is read, then refused.
	stream := append(xor([4]byte{0, 3, 0, 0}), make([]byte, 70000)...)
	r := keyedLink(t, streamConn{Reader: bytes.NewReader(stream)}, &Config{NetworkID: testNet})
	var err error
	got := allocBytes(func() { _, err = r.Recv() })
	if !errors.Is(err, ErrDecrypt) || r.Err() == nil {
		t.Fatalf("class 3: %v", err)
	}
	if limit := (poolCaps[2]+8191)&^8191 + 1024; got > uint64(limit) {
		t.Fatalf("class 3: allocated %d bytes, more than one frame buffer (%d)", got, limit)
	}
}
