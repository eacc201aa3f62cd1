package link

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/flynn/noise"

	"github.com/warrennet/warren/overlay/link/wire"
)

// R3: every prefix of every handshake message and frame is refused without
// a panic, and no declared length makes us allocate more than one frame.

// streamConn is a net.Conn over a reader and a writer, with no-op
// deadlines, for links that need no peer.
type streamConn struct {
	io.Reader
	io.Writer
}

func (streamConn) Close() error                     { return nil }
func (streamConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (streamConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (streamConn) SetDeadline(time.Time) error      { return nil }
func (streamConn) SetReadDeadline(time.Time) error  { return nil }
func (streamConn) SetWriteDeadline(time.Time) error { return nil }

var testKey = [32]byte{0x42}

func mustPrepare(t testing.TB, c *Config) *prepared {
	p, err := c.prepare()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// keyedLink is a Link whose both directions use testKey from nonce 0 and
// that has no keepalive goroutine.
func keyedLink(t testing.TB, conn net.Conn, cfg *Config) *Link {
	s := &session{
		send: noise.UnsafeNewCipherState(newSuite(nil), testKey, 0),
		recv: noise.UnsafeNewCipherState(newSuite(nil), testKey, 0),
	}
	return newLink(conn, mustPrepare(t, cfg), s, false)
}

type frameSpan struct {
	end  int
	data bool
}

// frameStream writes one frame of every type and class and returns the
// bytes with the end offset of each frame.
func frameStream(t *testing.T) ([]byte, []frameSpan) {
	var buf bytes.Buffer
	w := keyedLink(t, streamConn{Writer: &buf}, &Config{NetworkID: testNet, RekeyMessages: 3})
	var spans []frameSpan
	mark := func(data bool) { spans = append(spans, frameSpan{buf.Len(), data}) }
	w.Send(bytes.Repeat([]byte{4}, MaxPayload))
	mark(true)
	w.Send(bytes.Repeat([]byte{3}, 10000))
	mark(true)
	w.sendControl(wire.FrameKeepalive)
	mark(false)
	w.Send(bytes.Repeat([]byte{2}, 1000)) // rekey frame first, then data
	spans = append(spans, frameSpan{spans[len(spans)-1].end + wire.WireSizes[0], false})
	mark(true)
	w.Send(bytes.Repeat([]byte{1}, 10))
	mark(true)
	w.Close()
	mark(false)
	if len(spans) != 7 || w.Stats().SentRekeys != 1 {
		t.Fatalf("stream has %d frames, %d rekeys", len(spans), w.Stats().SentRekeys)
	}
	return buf.Bytes(), spans
}

func recvAll(l *Link) (int, error) {
	n := 0
	for {
		if _, err := l.Recv(); err != nil {
			return n, err
		}
		n++
	}
}

func TestFrameStreamWhole(t *testing.T) {
	stream, _ := frameStream(t)
	r := keyedLink(t, streamConn{Reader: bytes.NewReader(stream)}, &Config{NetworkID: testNet})
	if n, err := recvAll(r); n != 4 || err != io.EOF {
		t.Fatalf("whole stream: %d data frames, %v", n, err)
	}
}

func TestFramePrefixes(t *testing.T) {
	stream, spans := frameStream(t)
	br := bytes.NewReader(nil)
	r := keyedLink(t, streamConn{Reader: br}, &Config{NetworkID: testNet})
	for k := 0; k < len(stream); k++ {
		if testing.Short() && k > 64 && k < spans[0].end-64 && k%61 != 0 {
			continue // inside the largest body every prefix takes the same path
		}
		want := 0
		for _, s := range spans {
			if s.end <= k && s.data {
				want++
			}
		}
		// Reuse one link: fresh input, fresh receive state, no error.
		br.Reset(stream[:k])
		r.rd.Reset(r.conn)
		r.recv = noise.UnsafeNewCipherState(newSuite(nil), testKey, 0)
		r.err = nil
		n, err := recvAll(r)
		if n != want || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("prefix %d: %d data frames (want %d), err %v", k, n, want, err)
		}
	}
}

// allocBytes returns the bytes allocated while f runs.
func allocBytes(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestFramePrefixAllocation(t *testing.T) {
	stream, spans := frameStream(t)
	cfg := &Config{NetworkID: testNet}
	for _, k := range []int{1, 19, 20, 21, 1000, spans[0].end - 1, spans[0].end + 20, spans[1].end - 1} {
		r := keyedLink(t, streamConn{Reader: bytes.NewReader(stream[:k])}, cfg)
		if k > spans[0].end {
			if _, err := r.Recv(); err != nil { // the complete frame before it
				t.Fatal(err)
			}
		}
		got := allocBytes(func() {
			if _, err := r.Recv(); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("prefix %d: %v", k, err)
			}
		})
		// One pooled max-frame buffer at most (a frame and a rekey frame;
		// the runtime allocates large objects in 8 KiB pages), plus small
		// change.
		if limit := (poolCaps[2]+8191)&^8191 + 1024; got > uint64(limit) {
			t.Errorf("prefix %d: allocated %d bytes, more than one frame buffer (%d)", k, got, limit)
		}
	}
}

// headerOnly is a frame with an arbitrary (possibly invalid) header and a
// cell body, then 70,000 bytes that must never be read.
func headerOnly(hdr [wire.HeaderLen]byte) []byte {
	cs := noise.UnsafeNewCipherState(newSuite(nil), testKey, 0)
	b := craftFrame(nil, cs, hdr, nil, CellSize)
	return append(b, make([]byte, 70000)...)
}

// prefixOnly is a conn whose first Read returns a frame's prefix (masked
// header and sample) and records any later Read: a refused header must be
// refused without reading further.
type prefixOnly struct {
	streamConn
	prefix []byte
	reads  int
}

var errReadPastPrefix = errors.New("read past the frame prefix")

func (c *prefixOnly) Read(p []byte) (int, error) {
	c.reads++
	if c.reads > 1 {
		return 0, errReadPastPrefix
	}
	return copy(p, c.prefix[:wire.PrefixLen]), nil
}

// oversizeHeaders are invalid headers, among them lengths and classes
// beyond any body, each with the error ParseHeader gives.
var oversizeHeaders = []struct {
	name string
	hdr  [wire.HeaderLen]byte
	want error
}{
	{"length 0xffff in cell class", [4]byte{1, 0, 0xff, 0xff}, wire.ErrOversize},
	{"length 513 in cell class", [4]byte{1, 0, 0x02, 0x01}, wire.ErrOversize},
	{"length 65520 in max class", [4]byte{1, 3, 0xff, 0xf0}, wire.ErrOversize},
	{"class 4", [4]byte{1, 4, 0, 1}, wire.ErrClass},
	{"class 255", [4]byte{1, 255, 0xff, 0xff}, wire.ErrClass},
	{"type 0", [4]byte{0, 0, 0, 0}, wire.ErrFrameType},
	{"type 200", [4]byte{200, 0, 0, 0}, wire.ErrFrameType},
	{"keepalive with payload", [4]byte{2, 0, 0, 5}, wire.ErrControlLen},
	{"rekey with payload", [4]byte{3, 3, 0xff, 0xef}, wire.ErrControlLen},
}

// A header that unmasks to an invalid or oversize one is refused after
// reading the prefix only, allocating nothing (no body buffer), and closes
// the link.
func TestFrameOversizeDeclared(t *testing.T) {
	for _, c := range oversizeHeaders {
		t.Run(c.name, func(t *testing.T) {
			conn := &prefixOnly{prefix: headerOnly(c.hdr)}
			r := keyedLink(t, conn, &Config{NetworkID: testNet})
			var err error
			got := allocBytes(func() { _, err = r.Recv() })
			if !errors.Is(err, ErrProtocol) || !errors.Is(err, c.want) {
				t.Fatalf("Recv = %v, want %v", err, c.want)
			}
			if conn.reads != 1 {
				t.Fatalf("%d reads from the conn, want 1 (the prefix)", conn.reads)
			}
			if got > 1024 {
				t.Fatalf("allocated %d bytes for a refused header", got)
			}
			if r.Err() == nil {
				t.Fatal("link not closed")
			}
		})
	}
}

func TestFrameGarbageAndTamper(t *testing.T) {
	stream, spans := frameStream(t)
	cfg := &Config{NetworkID: testNet}
	for _, pos := range []int{0, 3, 4, 19, 20, 300, spans[0].end - 1, spans[0].end + 5} {
		// Trailing filler: a prefix that unmasks to a larger class finds
		// bytes to read, so the outcome never depends on the stream's end.
		bad := append(flip(stream, pos), make([]byte, 70000)...)
		r := keyedLink(t, streamConn{Reader: bytes.NewReader(bad)}, cfg)
		n, err := recvAll(r)
		// A flip in a prefix (masked header, sample) may unmask to an
		// invalid header (ErrProtocol); anything else fails the AEAD.
		inPrefix := pos < wire.PrefixLen || (pos >= spans[0].end && pos < spans[0].end+wire.PrefixLen)
		ok := errors.Is(err, ErrDecrypt) || (inPrefix && errors.Is(err, ErrProtocol))
		if !ok || (pos < spans[0].end && n != 0) || r.Err() == nil {
			t.Fatalf("bit flip at %d: %d frames, %v", pos, n, err)
		}
	}
	// Frames replayed, reordered or dropped fail on the nonce.
	reordered := append(append([]byte(nil), stream[spans[0].end:spans[1].end]...), stream[:spans[0].end]...)
	r := keyedLink(t, streamConn{Reader: bytes.NewReader(reordered)}, cfg)
	if n, err := recvAll(r); n != 0 || !errors.Is(err, ErrDecrypt) {
		t.Fatalf("reordered: %d, %v", n, err)
	}
}

func TestNonZeroPaddingRefused(t *testing.T) {
	cs := noise.UnsafeNewCipherState(newSuite(nil), testKey, 0)
	body := make([]byte, CellSize)
	body[100] = 1
	b := craftFrame(nil, cs, [4]byte{1, 0, 0, 4}, body, CellSize)
	r := keyedLink(t, streamConn{Reader: bytes.NewReader(b)}, &Config{NetworkID: testNet})
	if _, err := r.Recv(); !errors.Is(err, ErrProtocol) {
		t.Fatalf("non-zero padding: %v", err)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestEnvelopeOversizeReadsHeaderOnly(t *testing.T) {
	for _, hdr := range [][]byte{{byte(wire.KindIK1), 0xff, 0xff}, {byte(wire.KindNK1), 0x10, 0}, {0x99, 0, 48}} {
		cr := &countingReader{r: bytes.NewReader(append(hdr, make([]byte, 70000)...))}
		var buf [wire.EnvelopeHeaderLen + wire.MaxHandshakeMessage]byte
		if _, err := readEnvelope(cr, &buf); err == nil {
			t.Fatalf("header %x accepted", hdr)
		}
		if cr.n != wire.EnvelopeHeaderLen {
			t.Fatalf("header %x: read %d bytes", hdr, cr.n)
		}
		br := bytes.NewReader(hdr)
		allocs := testing.AllocsPerRun(50, func() {
			br.Reset(hdr)
			readEnvelope(br, &buf)
		})
		if allocs != 0 {
			t.Fatalf("readEnvelope allocates %v times on an oversize header", allocs)
		}
	}
}

// Every prefix of every handshake message, followed by EOF, is refused.
func TestHandshakePrefixes(t *testing.T) {
	e := newNegEnv(t)
	msgs := map[string][]byte{"IK1": e.honestIK1(t)}
	msgs["NK1"], _ = e.rawNK().msg1(t, wire.KindNK1, nil)
	for name, m := range msgs {
		for k := 0; k < len(m); k++ {
			l, err, closed := e.acceptUnder(t, send(m[:k]))
			if l != nil || !errors.Is(err, io.ErrUnexpectedEOF) || !closed {
				t.Fatalf("%s prefix %d: link %v, err %v, closed %v", name, k, l != nil, err, closed)
			}
		}
	}
	for _, anon := range []bool{false, true} {
		n := wire.EnvelopeHeaderLen + wire.IK2Len
		for k := 0; k < n; k++ {
			c := initCase{anon: anon, build: rawResponder{mangle: func(b []byte) []byte { return b[:k] }}.build}
			l, err, closed := e.dialUnder(t, c)
			if l != nil || !errors.Is(err, io.ErrUnexpectedEOF) || !closed {
				t.Fatalf("msg2 (anon %v) prefix %d: link %v, err %v, closed %v", anon, k, l != nil, err, closed)
			}
		}
	}
}

// Padding up is allowed: a data frame whose payload would fit a smaller
// class, and a keepalive in the largest class, are accepted (docs/link.md,
// "Transport frames"). This pins the documented behaviour.
func TestPaddedUpFramesAccepted(t *testing.T) {
	cs := noise.UnsafeNewCipherState(newSuite(nil), testKey, 0)
	frame := func(b []byte, hdr [wire.HeaderLen]byte, payload []byte) []byte {
		h, _ := wire.ParseHeader(hdr[:])
		return craftFrame(b, cs, hdr, payload, h.BodyLen())
	}
	var stream []byte
	stream = frame(stream, [4]byte{2, 3, 0, 0}, nil)             // keepalive, class 3
	stream = frame(stream, [4]byte{1, 2, 0, 5}, []byte("hello")) // 5 bytes in class 2
	stream = frame(stream, [4]byte{1, 3, 0, 5}, []byte("world")) // 5 bytes in class 3
	r := keyedLink(t, streamConn{Reader: bytes.NewReader(stream)}, &Config{NetworkID: testNet})
	for _, want := range []string{"hello", "world"} {
		p, err := r.Recv()
		if err != nil || string(p) != want {
			t.Fatalf("Recv = %q, %v; want %q", p, err, want)
		}
	}
	if s := r.Stats(); s.RecvKeepalives != 1 {
		t.Fatalf("stats %+v", s)
	}
}
