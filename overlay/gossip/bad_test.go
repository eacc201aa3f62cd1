package gossip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/warrennet/warren/overlay/gossip/wire"
	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Each class of bad record inside a well-formed push is dropped, counted
// under its own counter and never forwarded; none closes the link.
func TestBadRecordsDroppedAndCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		nd := newNode(t, 0, noRequest)
		src, watcher := &capture{}, &capture{}
		p := nd.e.Attach(keyring(t, 1, now).NodeID(), src)
		nd.e.Attach(keyring(t, 2, now).NodeID(), watcher)

		good := recordFor(t, keyring(t, 10, now), testNet, now, 0)
		badSig := bytes.Clone(recordFor(t, keyring(t, 11, now), testNet, now, 0))
		badSig[len(badSig)-1] ^= 1
		past := now.Add(-3 * 24 * time.Hour)
		future := now.Add(time.Hour)
		long := bigRecord(t, keyring(t, 12, now), now)
		junk := make([]byte, record.MinSize)
		rand.NewChaCha8([32]byte{9}).Read(junk)
		cases := []struct {
			name string
			raw  []byte
			stat func(Stats) uint64
		}{
			{"malformed", junk, func(s Stats) uint64 { return s.Malformed }},
			{"truncated", long[:len(long)-1], func(s Stats) uint64 { return s.Malformed }},
			{"expired", recordFor(t, keyring(t, 13, past), testNet, past, 24*time.Hour), func(s Stats) uint64 { return s.Expired }},
			{"not yet valid", recordFor(t, keyring(t, 14, future), testNet, future, 0), func(s Stats) uint64 { return s.Expired }},
			{"wrong signature", badSig, func(s Stats) uint64 { return s.BadSignature }},
			{"other network", recordFor(t, keyring(t, 15, now), otherNet, now, 0), func(s Stats) uint64 { return s.BadSignature }},
			{"good", good, func(s Stats) uint64 { return s.Stored }},
			{"duplicate", good, func(s Stats) uint64 { return s.Duplicate }},
		}
		for _, c := range cases {
			before := c.stat(nd.e.Stats())
			if err := p.Handle(push(t, c.raw)); err != nil {
				t.Fatalf("%s: Handle: %v", c.name, err)
			}
			if got := c.stat(nd.e.Stats()) - before; got != 1 {
				t.Errorf("%s: counter moved by %d, want 1", c.name, got)
			}
		}
		oversize := binary.BigEndian.AppendUint16([]byte{byte(wire.TypePush), 0, 1}, record.MaxSize+1)
		oversize = append(oversize, make([]byte, record.MaxSize+1)...)
		if err := p.Handle(oversize); err != nil {
			t.Fatalf("oversize: Handle: %v", err)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		s := nd.e.Stats()
		checkBalance(t, s)
		if s.Oversize != 1 || s.Received != uint64(len(cases)) || s.Disconnected != 0 {
			t.Errorf("%+v", s)
		}
		if got := watcher.pushed(t); len(got) != 1 || !bytes.Equal(got[0], good) {
			t.Errorf("forwarded %d records, want only the good one", len(got))
		}
		nd.e.Close()
	})
}

// bigRecord is a record with an onion, an IPv4 and an IPv6 address.
func bigRecord(t *testing.T, kr *identity.Keyring, now time.Time) []byte {
	t.Helper()
	r, err := record.New(kr, testNet, now, record.Options{Roles: record.RoleRelay, Addrs: []record.Addr{
		record.OnionAddr(kr.NodeID(), 443),
		record.TCPAddr(netip.MustParseAddrPort("127.0.0.1:9001")),
		record.TCPAddr(netip.MustParseAddrPort("[::1]:9001")),
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A not-yet-valid record is not remembered as seen: once valid, it is
// accepted.
func TestNotYetValidIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		future := time.Now().Add(time.Hour)
		raw := recordFor(t, keyring(t, 14, future), testNet, future, 0)
		nd := newNode(t, 0, noRequest)
		p := nd.e.Attach(keyring(t, 1, time.Now()).NodeID(), &capture{})
		if err := p.Handle(push(t, raw)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if err := p.Handle(push(t, raw)); err != nil {
			t.Fatal(err)
		}
		if s := nd.e.Stats(); s.Expired != 1 || s.Stored != 1 || s.Duplicate != 0 {
			t.Fatalf("%+v", s)
		}
		nd.e.Close()
	})
}

// A malformed message is a protocol violation: Handle fails, the peer is
// detached and counted.
func TestMalformedMessagesAreViolations(t *testing.T) {
	rec := records(t, 20, 1, time.Now())[0]
	good := push(t, rec)
	cases := map[string][]byte{
		"empty":             nil,
		"unknown type":      {0x13, 0, 1},
		"ping":              {0x01, 0, 0, 0, 0, 0, 0, 0, 0},
		"truncated push":    good[:len(good)-1],
		"trailing byte":     append(bytes.Clone(good), 0),
		"undersize record":  append([]byte{0x10, 0, 1, 0, 10}, make([]byte, 10)...),
		"empty push":        {0x10, 0, 0},
		"get 0":             {0x11, 0, 0},
		"get 1001":          {0x11, 0x03, 0xe9},
		"reply unknown bit": {0x12, 0x81, 0, 0},
	}
	for name, m := range cases {
		synctest.Test(t, func(t *testing.T) {
			nd := newNode(t, 0, nil) // a request is outstanding, so replies are parsed
			p := nd.e.Attach(keyring(t, 1, time.Now()).NodeID(), &capture{})
			err := p.Handle(m)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: %v, want ErrMalformed", name, err)
			}
			if err := p.Handle(good); !errors.Is(err, ErrDetached) {
				t.Errorf("%s: next message: %v, want ErrDetached", name, err)
			}
			if s := nd.e.Stats(); s.Disconnected != 1 || s.Received != 0 {
				t.Errorf("%s: %+v", name, s)
			}
			nd.e.Close()
		})
	}
}
