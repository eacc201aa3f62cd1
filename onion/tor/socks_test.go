package tor

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// replyVectors are CONNECT replies with their decoded form.
var replyVectors = []struct {
	wire []byte
	r    socksReply
}{
	{[]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}, socksReply{Code: 0, ATyp: socksATypIPv4, Addr: []byte{0, 0, 0, 0}}},
	{[]byte{5, 0xF2, 0, 1, 127, 0, 0, 1, 0x1F, 0x90}, socksReply{Code: 0xF2, ATyp: socksATypIPv4, Addr: []byte{127, 0, 0, 1}, Port: 8080}},
	{append([]byte{5, 5, 0, 4}, append(make([]byte, 16), 0, 80)...), socksReply{Code: 5, ATyp: socksATypIPv6, Addr: make([]byte, 16), Port: 80}},
	{[]byte{5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 1}, socksReply{Code: 0, ATyp: socksATypDomain, Addr: []byte("abc"), Port: 1}},
}

func TestDecodeReplyVectors(t *testing.T) {
	for _, v := range replyVectors {
		r, err := decodeReply(v.wire)
		if err != nil {
			t.Fatalf("decodeReply(%x): %v", v.wire, err)
		}
		if r.Code != v.r.Code || r.ATyp != v.r.ATyp || !bytes.Equal(r.Addr, v.r.Addr) || r.Port != v.r.Port {
			t.Fatalf("decodeReply(%x) = %+v, want %+v", v.wire, r, v.r)
		}
		enc, err := encodeReply(r)
		if err != nil || !bytes.Equal(enc, v.wire) {
			t.Fatalf("encodeReply(%+v) = %x, %v; want %x", r, enc, err, v.wire)
		}
	}
}

func TestDecodeReplyRejects(t *testing.T) {
	bad := [][]byte{
		nil,
		{5, 0, 0, 1},
		{4, 0, 0, 1, 0, 0, 0, 0, 0, 0},                  // version
		{5, 0, 1, 1, 0, 0, 0, 0, 0, 0},                  // RSV
		{5, 0, 0, 2, 0, 0, 0, 0, 0, 0},                  // ATYP
		{5, 0, 0, 3, 0, 0, 0},                           // empty name
		{5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},               // trailing byte
		{5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 1, 'x'},       // trailing byte
		append([]byte{5, 0, 0, 4}, make([]byte, 17)...), // short IPv6
	}
	for _, b := range bad {
		if r, err := decodeReply(b); err == nil || r.Addr != nil || r.Code != 0 {
			t.Errorf("decodeReply(%x) = %+v, %v; want error and zero", b, r, err)
		}
	}
}

// TestDecodeReplyPrefixes: no strict prefix of a valid reply decodes.
func TestDecodeReplyPrefixes(t *testing.T) {
	for _, v := range replyVectors {
		for n := 0; n < len(v.wire); n++ {
			if _, err := decodeReply(v.wire[:n]); err == nil {
				t.Errorf("prefix %x of %x decoded", v.wire[:n], v.wire)
			}
		}
	}
}

func TestSOCKSRequests(t *testing.T) {
	if got := appendGreeting(nil, socksUserPass); !bytes.Equal(got, []byte{5, 1, 2}) {
		t.Errorf("greeting %x", got)
	}
	up, err := appendUserPass(nil, "ab", "c")
	if err != nil || !bytes.Equal(up, []byte{1, 2, 'a', 'b', 1, 'c'}) {
		t.Errorf("userpass %x %v", up, err)
	}
	for _, u := range []string{"", strings.Repeat("u", 256)} {
		if _, err := appendUserPass(nil, u, "p"); err == nil {
			t.Errorf("username of %d bytes accepted", len(u))
		}
	}
	c, err := appendConnect(nil, "x.onion", 443)
	if err != nil || !bytes.Equal(c, append([]byte{5, 1, 0, 3, 7}, append([]byte("x.onion"), 1, 0xBB)...)) {
		t.Errorf("connect %x %v", c, err)
	}
	if _, err := appendConnect(nil, strings.Repeat("h", 256), 1); err == nil {
		t.Error("256-byte host accepted")
	}
	if _, err := appendConnect(nil, "h", 0); err == nil {
		t.Error("port 0 accepted")
	}
	for in, ok := range map[string]bool{"\x05\x02": true, "\x05\xFF": false, "\x04\x02": false, "\x05": false, "\x05\x02\x00": false} {
		if _, err := parseMethodReply([]byte(in)); (err == nil) != ok {
			t.Errorf("parseMethodReply(%x) = %v", in, err)
		}
	}
	for in, ok := range map[string]bool{"\x01\x00": true, "\x01\x01": false, "\x05\x00": false, "\x01": false, "\x01\x00\x00": false} {
		if err := parseAuthReply([]byte(in)); (err == nil) != ok {
			t.Errorf("parseAuthReply(%x) = %v", in, err)
		}
	}
}

func TestSOCKSErrorClasses(t *testing.T) {
	tests := []struct {
		code byte
		want error
		text string
	}{
		{0xF0, ErrUnreachable, "descriptor not found"},
		{0xF2, ErrUnreachable, "introduction failed"},
		{0xF3, ErrUnreachable, "rendezvous failed"},
		{0xF7, ErrUnreachable, "introduction timed out"},
		{0xF6, ErrAddress, "invalid onion address"},
		{0xF4, ErrSOCKS, "client authorization"},
		{0x05, ErrRefused, "refused"},
		{0x04, ErrUnreachable, "unreachable"},
		{0x01, ErrSOCKS, "general failure"},
		{0x42, ErrSOCKS, "unknown"},
	}
	for _, tt := range tests {
		err := error(&SOCKSError{Code: tt.code})
		if !errors.Is(err, tt.want) {
			t.Errorf("code %#x: not %v", tt.code, tt.want)
		}
		if !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "tor: ") {
			t.Errorf("code %#x: %q lacks %q", tt.code, err.Error(), tt.text)
		}
	}
}

func FuzzDecodeReply(f *testing.F) {
	for _, v := range replyVectors {
		f.Add(v.wire)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeReply(b)
		if err != nil {
			if r.Addr != nil || r.Code != 0 || r.ATyp != 0 || r.Port != 0 {
				t.Fatalf("error with non-zero value %+v", r)
			}
			return
		}
		enc, err := encodeReply(r)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("re-encode %x -> %x, %v", b, enc, err)
		}
	})
}

// fakeSOCKS serves one SOCKS5 exchange on conn, checking what the client
// sends, then answers CONNECT with reply (or stalls if reply is nil).
func fakeSOCKS(t *testing.T, conn net.Conn, reply []byte, gotHost chan<- string) {
	defer conn.Close()
	buf := make([]byte, 600)
	read := func(n int) []byte {
		if _, err := io.ReadFull(conn, buf[:n]); err != nil {
			return nil
		}
		return buf[:n]
	}
	if g := read(3); !bytes.Equal(g, []byte{5, 1, 2}) {
		t.Errorf("greeting %x", g)
		return
	}
	conn.Write([]byte{5, 2})
	h := read(2)
	user := string(read(int(h[1])))
	if len(user) != 32 {
		t.Errorf("username of %d bytes", len(user))
	}
	plen := read(1)
	read(int(plen[0]))
	conn.Write([]byte{1, 0})
	req := read(5)
	host := string(read(int(req[4])))
	port := read(2)
	gotHost <- host + ":" + string(rune('0'+binary.BigEndian.Uint16(port)%10)) + "|" + user
	if reply == nil {
		io.Copy(io.Discard, conn) // stall until the client gives up
		return
	}
	conn.Write(reply)
}

// testTor returns an attach-mode Tor whose SOCKS port is a fake served by
// serve; it counts connections to it.
func testTor(t *testing.T, serve func(net.Conn)) (*Tor, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	acceptEach(t, ln, func(c net.Conn) { n.Add(1); serve(c) })
	tr, err := newTor(ModeAttach, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr.st.socks = ln.Addr().String()
	tr.attach = &attachSettings{addr: "127.0.0.1:1"} // no control port: HSFETCH fails
	return tr, &n
}

func testOnion(t *testing.T) string {
	var id identity.NodeID
	id[0], id[31] = 1, 2
	return id.Onion()
}

// TestDialBadAddress: malformed addresses fail with ErrAddress (wrapping
// identity's reason) before any connection to the SOCKS port.
func TestDialBadAddress(t *testing.T) {
	tr, conns := testTor(t, func(c net.Conn) { c.Close() })
	good := testOnion(t)
	flip := []byte(good)
	flip[10] ^= 'a' ^ 'b' // corrupts the checksum
	if flip[10] == good[10] {
		t.Fatal("no change")
	}
	badVersion := func() string {
		var id identity.NodeID
		id[0] = 1
		s := id.Onion()
		return s[:55] + "c.onion" // last base32 char holds the version
	}()
	cases := map[string]error{
		string(flip):                       identity.ErrOnionChecksum,
		badVersion:                         nil, // version or checksum, either is caught
		"example.com":                      identity.ErrOnionLength,
		good[:40] + ".onion":               identity.ErrOnionLength,
		strings.Repeat("1", 56) + ".onion": identity.ErrOnionEncoding,
	}
	for addr, want := range cases {
		_, err := tr.Dial(context.Background(), addr, 80, "x")
		if !errors.Is(err, ErrAddress) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("Dial(%q) = %v, want ErrAddress / %v", addr, err, want)
		}
		if strings.Contains(err.Error(), addr) {
			t.Errorf("error %q repeats the address", err)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections to the SOCKS port for bad addresses", n)
	}
}

func TestDialFakeSOCKS(t *testing.T) {
	hosts := make(chan string, 10)
	var reply atomic.Value
	tr, _ := testTor(t, func(c net.Conn) { fakeSOCKS(t, c, reply.Load().([]byte), hosts) })
	onion := testOnion(t)

	reply.Store([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	c, err := tr.Dial(context.Background(), strings.ToUpper(onion), 443, "a")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if h, _, _ := strings.Cut(<-hosts, "|"); h != onion+":3" {
		t.Errorf("CONNECT to %q, want the canonical address", h)
	}

	for code, want := range map[byte]error{0xF0: ErrUnreachable, 0xF2: ErrUnreachable, 0x05: ErrRefused, 0x01: ErrSOCKS} {
		reply.Store([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0})
		_, err := tr.Dial(context.Background(), onion, 443, "a")
		var se *SOCKSError
		if !errors.Is(err, want) || !errors.As(err, &se) || se.Code != code {
			t.Errorf("reply %#x: %v, want %v", code, err, want)
		}
		<-hosts
	}
	reply.Store([]byte{5, 0, 0, 9, 0, 0, 0, 0, 0, 0}) // bad ATYP
	if _, err := tr.Dial(context.Background(), onion, 443, "a"); !errors.Is(err, ErrSOCKS) {
		t.Errorf("bad reply: %v", err)
	}
	<-hosts
}

// TestDialDeadline: a SOCKS port that never answers CONNECT ends at the
// context's deadline with ErrUnreachable and DeadlineExceeded.
func TestDialDeadline(t *testing.T) {
	hosts := make(chan string, 1)
	tr, _ := testTor(t, func(c net.Conn) { fakeSOCKS(t, c, nil, hosts) })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tr.Dial(ctx, testOnion(t), 80, "x")
	if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestDialStallRetry: when tor stays silent past the stall timeout, Dial
// retries once on a new circuit (another SOCKS username) within the
// deadline.
func TestDialStallRetry(t *testing.T) {
	hosts := make(chan string, 4)
	var n atomic.Int32
	ok := []byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	tr, conns := testTor(t, func(c net.Conn) {
		if n.Add(1) == 1 {
			fakeSOCKS(t, c, nil, hosts) // the stall
			return
		}
		fakeSOCKS(t, c, ok, hosts)
	})
	tr.stallAfter = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := tr.Dial(ctx, testOnion(t), 80, "x")
	if err != nil {
		t.Fatalf("Dial after a stall: %v", err)
	}
	c.Close()
	_, u1, _ := strings.Cut(<-hosts, "|")
	_, u2, _ := strings.Cut(<-hosts, "|")
	if conns.Load() != 2 || u1 == u2 {
		t.Fatalf("%d connections, users %q %q", conns.Load(), u1, u2)
	}
	// Without room for a retry (deadline < 2 x stall timeout): one attempt.
	n.Store(0)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := tr.Dial(ctx2, testOnion(t), 80, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("short deadline: %v", err)
	}
	<-hosts
	if conns.Load() != 3 {
		t.Fatalf("%d connections, want 3", conns.Load())
	}
}

// TestIsolationUsers: distinct isolation keys give distinct SOCKS
// usernames, stable per Tor and different across Tors.
func TestIsolationUsers(t *testing.T) {
	a, _ := newTor(ModeAttach, nil, nil, nil)
	b, _ := newTor(ModeAttach, nil, nil, nil)
	x1, x2 := a.isolationUser("x"), a.isolationUser("x")
	if x1 != x2 || x1 == a.isolationUser("y") {
		t.Error("isolation users not stable or not distinct")
	}
	if a.isolationUser("x") == b.isolationUser("x") {
		t.Error("two Tors share a SOCKS username")
	}
	if strings.Contains(a.isolationUser("contact-42"), "contact") {
		t.Error("isolation key visible in the username")
	}
}
