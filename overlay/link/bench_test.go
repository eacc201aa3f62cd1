package link

import (
	"testing"
	"time"
)

// benchHandshake runs complete handshakes through the pure step functions,
// both sides in this goroutine: no sockets, no envelopes on a wire.
// With cold, the verified-certificate and static-static caches are off,
// as for peers never seen before; otherwise each side verifies the other's
// cert and computes DH(s, rs) once.
func benchHandshake(b *testing.B, anon, cold bool) {
	client, server := newNode(b), newNode(b)
	ccfg := client.config()
	if anon {
		ccfg = anonConfig()
	}
	cp, sp := mustPrepare(b, ccfg), mustPrepare(b, server.config())
	if cold {
		cp.certs, sp.certs, cp.ss, sp.ss = nil, nil, nil, nil
	}
	guard := NewReplayGuard(ReplayConfig{Burst: 1 << 30, NotBefore: time.Unix(1, 0)})
	resp, err := newResponder(sp, guard)
	if err != nil {
		b.Fatal(err)
	}
	remote := server.remote()
	var buf1, buf2 [256]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, _ := newInitiator(cp, remote)
		m1, wait, err := in.start(buf1[:0])
		if err != nil {
			b.Fatal(err)
		}
		reply, err := resp.read1(m1, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		m2, _, err := reply.write2(buf2[:0])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := wait.finish(m2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
}

func BenchmarkHandshakeIK(b *testing.B)          { benchHandshake(b, false, false) }
func BenchmarkHandshakeIKColdCerts(b *testing.B) { benchHandshake(b, false, true) }
func BenchmarkHandshakeNK(b *testing.B)          { benchHandshake(b, true, false) }
func BenchmarkHandshakeNKColdCerts(b *testing.B) { benchHandshake(b, true, true) }

// tcpLinks is an established IK link pair over loopback TCP.
func tcpLinks(b *testing.B) (*Link, *Link) {
	client, server := newNode(b), newNode(b)
	c1, c2 := tcpPair(b)
	d, a, derr, aerr := handshakePair(b, c1, c2, client.config(), server.config(), server.remote(), NewReplayGuard(ReplayConfig{}))
	if derr != nil || aerr != nil {
		b.Fatal(derr, aerr)
	}
	return d, a
}

// benchTransport sends b.N payloads of size n one way over loopback TCP,
// batch at a time (batch 1 uses Send), and receives them.
func benchTransport(b *testing.B, n, batch int) {
	d, a := tcpLinks(b)
	defer d.Close()
	defer a.Close()
	p := make([]byte, n)
	ps := make([][]byte, batch)
	for i := range ps {
		ps[i] = p
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; {
			var err error
			if batch == 1 {
				err = d.Send(p)
				i++
			} else {
				k := min(batch, b.N-i)
				err = d.SendBatch(ps[:k])
				i += k
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < b.N; i++ {
		if _, err := a.Recv(); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkTransportCell(b *testing.B)        { benchTransport(b, CellSize, 1) }
func BenchmarkTransportCellBatch64(b *testing.B) { benchTransport(b, CellSize, 64) }
func BenchmarkTransportMax(b *testing.B)         { benchTransport(b, MaxPayload, 1) }

// BenchmarkSealOpenCell is the CPU cost of one cell frame through seal and
// open, without sockets.
func BenchmarkSealOpenCell(b *testing.B) {
	var buf sinkConn
	w := keyedLink(b, &buf, &Config{NetworkID: testNet})
	r := keyedLink(b, &buf, &Config{NetworkID: testNet})
	p := make([]byte, CellSize)
	b.SetBytes(CellSize)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := w.Send(p); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}

// sinkConn is a loopback byte queue for one goroutine.
type sinkConn struct {
	streamConn
	q   []byte
	off int
}

func (s *sinkConn) Write(p []byte) (int, error) {
	if s.off == len(s.q) {
		s.q, s.off = s.q[:0], 0
	}
	s.q = append(s.q, p...)
	return len(p), nil
}

func (s *sinkConn) Read(p []byte) (int, error) {
	n := copy(p, s.q[s.off:])
	s.off += n
	return n, nil
}

// BenchmarkHeaderProtSetup is what a new link spends on header protection:
// both directions' keys (HKDF-SHA256, AES-128 key schedule).
func BenchmarkHeaderProtSetup(b *testing.B) {
	k, binding := testKey, [32]byte{1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newHeaderProt(&k, &binding)
		newHeaderProt(&k, &binding)
	}
}
