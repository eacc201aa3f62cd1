package record

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

func TestRoundTrip(t *testing.T) {
	r := signed(t, "a")
	b := mustMarshal(t, r)
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !equal(got, r) {
		t.Fatalf("decoded record differs:\n got %+v\nwant %+v", got, r)
	}
	if err := got.Verify(netA, t0); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if b2 := mustMarshal(t, got); !bytes.Equal(b, b2) {
		t.Fatal("re-encoding differs")
	}
	var viaIface Record
	if err := viaIface.UnmarshalBinary(b); err != nil || !equal(&viaIface, r) {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
}

func equal(a, b *Record) bool {
	return a.NodeID == b.NodeID && a.LinkKey == b.LinkKey && a.OnionKey == b.OnionKey &&
		a.OnionEpoch == b.OnionEpoch && a.Roles == b.Roles && a.IssuedAt == b.IssuedAt &&
		a.ExpiresAt == b.ExpiresAt && slices.Equal(a.Addrs, b.Addrs) && a.Signature == b.Signature
}

func TestSizes(t *testing.T) {
	_, id := nodeKey("max")
	max := signed(t, "max", OnionAddr(id, 1), OnionAddr(id, 2), OnionAddr(id, 3), OnionAddr(id, 4))
	if n := len(mustMarshal(t, max)); n != MaxSize || MaxSize != 323 {
		t.Fatalf("4 onion addresses: %d bytes, MaxSize %d, want 323", n, MaxSize)
	}
	min := signed(t, "min", tcp("192.0.2.1:1"))
	if n := len(mustMarshal(t, min)); n != MinSize || MinSize != 190 {
		t.Fatalf("1 IPv4 address: %d bytes, MinSize %d, want 190", n, MinSize)
	}
}

func TestNoStrictPrefixDecodes(t *testing.T) {
	for _, r := range []*Record{signed(t, "a"), signed(t, "min", tcp("192.0.2.1:1"))} {
		b := mustMarshal(t, r)
		for n := range len(b) {
			if got, err := Unmarshal(b[:n]); err == nil || got != nil {
				t.Fatalf("prefix of %d/%d bytes decoded", n, len(b))
			}
		}
		if _, err := Unmarshal(append(slices.Clone(b), 0)); !errors.Is(err, errTrailing) {
			t.Fatalf("trailing byte: %v, want errTrailing", err)
		}
	}
}

// Every single-bit change of an encoded record is refused, by Unmarshal or
// by Verify: nothing outside the signature is unsigned.
func TestEveryBitFlipIsRejected(t *testing.T) {
	b := mustMarshal(t, signed(t, "a"))
	for i := range b {
		for bit := range 8 {
			m := slices.Clone(b)
			m[i] ^= 1 << bit
			r, err := Unmarshal(m)
			if err == nil {
				err = r.Verify(netA, t0)
			}
			if err == nil {
				t.Fatalf("flip of bit %d in byte %d accepted", bit, i)
			}
		}
	}
}

// Each field changed to another well-formed value breaks the signature.
func TestFieldMutationBreaksSignature(t *testing.T) {
	_, other := nodeKey("other")
	week := uint64(identity.OnionEpochLength / time.Second)
	// Each mutation returns the time to verify at.
	cases := map[string]func(r *Record) time.Time{
		"node id": func(r *Record) time.Time {
			r.NodeID = other
			r.Addrs = []Addr{OnionAddr(other, 443), r.Addrs[1], r.Addrs[2]}
			return t0
		},
		"link key":   func(r *Record) time.Time { r.LinkKey[7] ^= 1; return t0 },
		"onion key":  func(r *Record) time.Time { r.OnionKey[31] ^= 0x80; return t0 },
		"roles":      func(r *Record) time.Time { r.Roles = RoleRelay; return t0 },
		"issued at":  func(r *Record) time.Time { r.IssuedAt--; return t0 },
		"expires at": func(r *Record) time.Time { r.ExpiresAt++; return t0 },
		"epoch": func(r *Record) time.Time {
			r.OnionEpoch--
			r.IssuedAt -= week
			r.ExpiresAt -= week
			return r.Issued()
		},
		"port":        func(r *Record) time.Time { r.Addrs[0] = OnionAddr(r.NodeID, 444); return t0 },
		"ip":          func(r *Record) time.Time { r.Addrs[1] = tcp("127.0.0.2:9001"); return t0 },
		"drop addr":   func(r *Record) time.Time { r.Addrs = r.Addrs[:2]; return t0 },
		"add addr":    func(r *Record) time.Time { r.Addrs = append(r.Addrs, tcp("[::2]:1")); return t0 },
		"signature":   func(r *Record) time.Time { r.Signature[0] ^= 1; return t0 },
		"signature s": func(r *Record) time.Time { r.Signature[63] ^= 0x10; return t0 },
	}
	for name, mutate := range cases {
		r := signed(t, "a")
		now := mutate(r)
		if err := r.validate(); err != nil {
			t.Fatalf("%s: mutation is not well formed: %v", name, err)
		}
		if err := r.Verify(netA, now); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: Verify = %v, want ErrBadSignature", name, err)
		}
	}
}

func TestOtherNetworkRejected(t *testing.T) {
	r := signed(t, "a")
	if err := r.Verify(netB, t0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("record of network A verified for B: %v", err)
	}
	rb, key := unsigned("a")
	if err := rb.Sign(key, netB); err != nil {
		t.Fatal(err)
	}
	if rb.Verify(netB, t0) != nil || !errors.Is(rb.Verify(netA, t0), ErrBadSignature) {
		t.Fatal("record of network B: wrong verification outcome")
	}
}

func TestValidityWindow(t *testing.T) {
	r := signed(t, "a")
	issued, expires := r.Issued(), r.Expires()
	cases := []struct {
		now  time.Time
		want error
	}{
		{issued, nil},
		{issued.Add(-MaxClockSkew), nil},
		{issued.Add(-MaxClockSkew - time.Second), ErrNotYetValid},
		{time.Unix(-5, 0), ErrNotYetValid},
		{expires.Add(-time.Second), nil},
		{expires, ErrExpired},
		{expires.Add(1000 * time.Hour), ErrExpired},
	}
	for _, c := range cases {
		if err := r.Verify(netA, c.now); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("Verify at issued%+ds = %v, want %v", c.now.Unix()-issued.Unix(), err, c.want)
		}
	}
}

func TestSignKeyChecks(t *testing.T) {
	r, key := unsigned("a")
	other, _ := nodeKey("b")
	tampered := slices.Clone(key)
	copy(tampered[32:], other[32:]) // seed of a, public half of b
	for name, k := range map[string]ed25519.PrivateKey{
		"other node": other, "short": key[:63], "nil": nil,
	} {
		if err := r.Sign(k, netA); !errors.Is(err, ErrKeyMismatch) {
			t.Errorf("%s key: %v, want ErrKeyMismatch", name, err)
		}
	}
	r.NodeID = identity.NodeID(other[32:])
	r.Addrs = r.Addrs[1:]
	if err := r.Sign(tampered, netA); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("key with a foreign public half: %v, want ErrKeyMismatch", err)
	}
}

func TestSignSortsAddrs(t *testing.T) {
	in := []Addr{tcp("[::1]:1"), tcp("10.0.0.1:2"), tcp("10.0.0.1:1")}
	r, key := unsigned("a", in...)
	if err := r.Sign(key, netA); err != nil {
		t.Fatal(err)
	}
	want := []Addr{tcp("10.0.0.1:1"), tcp("10.0.0.1:2"), tcp("[::1]:1")}
	if !slices.Equal(r.Addrs, want) {
		t.Fatalf("addresses %v, want %v", r.Addrs, want)
	}
	if in[0] != tcp("[::1]:1") {
		t.Fatal("Sign reordered the caller's slice")
	}
	r.Addrs[0], r.Addrs[1] = r.Addrs[1], r.Addrs[0]
	if _, err := r.Marshal(); !errors.Is(err, errAddrOrder) {
		t.Fatalf("unsorted addresses marshalled: %v", err)
	}
}

func TestMalformedRecordsRefused(t *testing.T) {
	_, other := nodeKey("b")
	cases := []struct {
		name   string
		mutate func(r *Record)
		want   error
	}{
		{"zero node", func(r *Record) { r.NodeID = identity.NodeID{} }, errNodeKey},
		{"small-order node", func(r *Record) { r.NodeID = identity.NodeID{1} }, errNodeKey},
		{"zero link", func(r *Record) { r.LinkKey = [32]byte{} }, errZeroKey},
		{"zero onion", func(r *Record) { r.OnionKey = [32]byte{} }, errZeroKey},
		{"link is onion", func(r *Record) { r.LinkKey = r.OnionKey }, errKeyReuse},
		{"no roles", func(r *Record) { r.Roles = 0 }, errRoles},
		{"unknown role", func(r *Record) { r.Roles |= 16 }, errRoles},
		{"expires = issued", func(r *Record) { r.ExpiresAt = r.IssuedAt }, errLifetime},
		{"expires < issued", func(r *Record) { r.ExpiresAt = r.IssuedAt - 1 }, errLifetime},
		{"too long", func(r *Record) { r.ExpiresAt = r.IssuedAt + uint64(MaxRecordLifetime/time.Second) + 1 }, errLifetime},
		{"epoch", func(r *Record) { r.OnionEpoch++ }, errEpoch},
		{"no addrs", func(r *Record) { r.Addrs = nil }, errAddrCount},
		{"5 addrs", func(r *Record) { r.Addrs = append(r.Addrs, tcp("1.1.1.1:1"), tcp("1.1.1.1:2")) }, errAddrCount},
		{"duplicate", func(r *Record) { r.Addrs = []Addr{r.Addrs[0], r.Addrs[0]} }, errAddrOrder},
		{"port 0", func(r *Record) { r.Addrs = []Addr{tcp("1.1.1.1:0")} }, errPort},
		{"foreign onion", func(r *Record) { r.Addrs = []Addr{OnionAddr(other, 1)} }, errForeignOnion},
		{"zero addr", func(r *Record) { r.Addrs = []Addr{{}} }, errPort},
		{"zero kind", func(r *Record) { r.Addrs = []Addr{{port: 1}} }, errAddrType},
		{"zoned ipv6", func(r *Record) {
			r.Addrs = []Addr{{kind: AddrIPv6, ip: netip.MustParseAddr("fe80::1%eth0"), port: 1}}
		}, errMappedIPv6},
	}
	for _, c := range cases {
		r := signed(t, "a")
		c.mutate(r)
		if _, err := r.Marshal(); !errors.Is(err, c.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Marshal = %v, want %v", c.name, err, c.want)
		}
		if err := r.Verify(netA, t0); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestAddr(t *testing.T) {
	_, id := nodeKey("a")
	if a := tcp("[::ffff:127.0.0.1]:5"); a.Kind() != AddrIPv4 || a.String() != "127.0.0.1:5" || !a.IsLoopback() {
		t.Errorf("4-in-6: kind %v %s loopback %v", a.Kind(), a, a.IsLoopback())
	}
	if a := tcp("[fe80::1%eth0]:5"); a.Kind() != AddrIPv6 || a.String() != "[fe80::1]:5" {
		t.Errorf("zone not dropped: %s", a)
	}
	if a := TCPAddr(netip.AddrPort{}); a != (Addr{}) {
		t.Errorf("invalid AddrPort gave %v", a)
	}
	for s, want := range map[string]bool{"127.9.9.9:1": true, "[::1]:1": true, "10.0.0.1:1": false, "[2001:db8::1]:1": false} {
		if got := tcp(s).IsLoopback(); got != want {
			t.Errorf("IsLoopback(%s) = %v", s, got)
		}
	}
	o := OnionAddr(id, 443)
	if got, ok := o.Onion(); !ok || got != id || o.IsLoopback() || o.String() != id.Onion()+":443" {
		t.Errorf("onion addr accessors wrong: %s", o)
	}
	if _, ok := o.TCP(); ok {
		t.Error("onion address claims to be TCP")
	}
	if ap, ok := tcp("192.0.2.7:80").TCP(); !ok || ap != netip.MustParseAddrPort("192.0.2.7:80") {
		t.Error("TCP() wrong")
	}
}

func TestParseAddr(t *testing.T) {
	_, id := nodeKey("a")
	good := map[string]Addr{
		"127.0.0.1:9001":                   tcp("127.0.0.1:9001"),
		"[::1]:80":                         tcp("[::1]:80"),
		"[::ffff:10.1.2.3]:5":              tcp("10.1.2.3:5"),
		id.Onion() + ":443":                OnionAddr(id, 443),
		strings.ToUpper(id.Onion()) + ":1": OnionAddr(id, 1),
	}
	for s, want := range good {
		got, err := ParseAddr(s)
		if err != nil || got != want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %v", s, got, err, want)
		}
		if again, err := ParseAddr(got.String()); err != nil || again != got {
			t.Errorf("ParseAddr(String()) of %q: %v", s, err)
		}
	}
	for _, s := range []string{"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:80", "[fe80::1%eth0]:1",
		"example.com:80", "abc.onion:80", id.Onion() + ":", id.Onion()[1:] + ":1", "1.2.3.4:-1"} {
		if a, err := ParseAddr(s); !errors.Is(err, ErrBadAddr) || a != (Addr{}) {
			t.Errorf("ParseAddr(%q) = %v, %v; want ErrBadAddr", s, a, err)
		}
	}
}

func TestRoles(t *testing.T) {
	r := RoleRelay | RoleValidator
	if !r.Has(RoleRelay) || r.Has(RoleMailbox) || r.Has(0) || !r.Has(RoleRelay|RoleValidator) {
		t.Fatal("Has wrong")
	}
	if !slices.Equal(r.Names(), []string{"relay", "validator"}) || Roles(0).Names() != nil {
		t.Fatalf("Names: %v", r.Names())
	}
	if r.String() != "relay|validator" || Roles(0).String() != "none" || (KnownRoles|16).String() != "relay|mailbox|validator|client|?" {
		t.Fatalf("String: %q", r.String())
	}
}

func TestLifetimeFitsOnionEpoch(t *testing.T) {
	// The argument that every valid record's onion key is still held by its
	// node rests on this (see MaxRecordLifetime).
	if MaxRecordLifetime > identity.OnionEpochLength {
		t.Fatalf("MaxRecordLifetime %v > OnionEpochLength %v", MaxRecordLifetime, identity.OnionEpochLength)
	}
}
