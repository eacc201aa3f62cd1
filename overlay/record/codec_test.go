package record

import (
	"bytes"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warrennet/warren/overlay/identity"
)

// A declared address count above MaxAddrs, or an input above MaxSize, is
// refused before anything is allocated.
func TestOversizeRejectedWithoutAllocation(t *testing.T) {
	b := mustMarshal(t, signed(t, "a"))
	count := slices.Clone(b)
	count[offCount] = 255
	huge := make([]byte, 1<<20)
	huge[0] = Version
	for name, in := range map[string][]byte{"count 255": count, "1 MiB": huge, "MaxSize+1": huge[:MaxSize+1]} {
		var err error
		allocs := testing.AllocsPerRun(100, func() { _, err = Unmarshal(in) })
		if err == nil || allocs != 0 {
			t.Errorf("%s: err %v, %v allocations; want an error and 0", name, err, allocs)
		}
	}
	// A valid record costs one allocation: the record and its addresses.
	if allocs := testing.AllocsPerRun(100, func() { _, _ = Unmarshal(b) }); allocs != 1 {
		t.Errorf("valid decode: %v allocations, want 1", allocs)
	}
}

func TestUnmarshalBinaryLeavesRecordOnError(t *testing.T) {
	r := signed(t, "a")
	before := *r
	b := mustMarshal(t, signed(t, "b"))
	if err := r.UnmarshalBinary(b[:len(b)-1]); err == nil {
		t.Fatal("truncated record accepted")
	}
	if !equal(r, &before) {
		t.Fatal("failed UnmarshalBinary changed the record")
	}
}

func TestAppendBinaryAppends(t *testing.T) {
	r := signed(t, "a")
	out, err := r.AppendBinary([]byte("xy"))
	if err != nil || !bytes.Equal(out[2:], mustMarshal(t, r)) || string(out[:2]) != "xy" {
		t.Fatalf("AppendBinary: %v", err)
	}
}

func mustKeyring(t *testing.T, now time.Time) *identity.Keyring {
	t.Helper()
	kr, err := identity.Generate(detRand(1), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kr.Close)
	return kr
}

func TestNew(t *testing.T) {
	kr := mustKeyring(t, t0)
	addrs := []Addr{tcp("127.0.0.1:9001"), OnionAddr(kr.NodeID(), 443)}
	r, err := New(kr, netA, t0.Add(500*time.Millisecond), Options{Roles: RoleRelay, Addrs: addrs})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := r.Verify(netA, t0); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if r.NodeID != kr.NodeID() || r.LinkKey != kr.LinkPublic() || r.OnionKey != kr.CurrentOnion().Public() ||
		r.OnionEpoch != kr.CurrentOnion().Epoch || r.IssuedAt != uint64(t0.Unix()) ||
		r.Expires().Sub(r.Issued()) != DefaultLifetime {
		t.Fatalf("record fields do not match the keyring: %+v", r)
	}
	if r.Addrs[0].Kind() != AddrOnion {
		t.Fatal("New did not sort the addresses")
	}
}

func TestNewRefuses(t *testing.T) {
	kr := mustKeyring(t, t0)
	o := Options{Roles: RoleRelay, Addrs: []Addr{tcp("127.0.0.1:1")}}
	next := t0.Add(identity.OnionEpochLength)
	if _, err := New(kr, netA, next, o); !errors.Is(err, ErrStaleOnionKey) {
		t.Fatalf("new epoch without rotation: %v, want ErrStaleOnionKey", err)
	}
	if _, err := kr.RotateOnion(detRand(2), next); err != nil {
		t.Fatal(err)
	}
	if _, err := New(kr, netA, next, o); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	for _, life := range []time.Duration{MaxRecordLifetime + time.Second, time.Millisecond, -time.Hour} {
		o := o
		o.Lifetime = life
		if _, err := New(kr, netA, next, o); !errors.Is(err, ErrMalformed) {
			t.Errorf("lifetime %v: %v, want ErrMalformed", life, err)
		}
	}
	if _, err := New(kr, netA, next, Options{Addrs: o.Addrs}); !errors.Is(err, errRoles) {
		t.Errorf("no roles: %v", err)
	}
	kr.Close()
	if _, err := New(kr, netA, next, o); !errors.Is(err, identity.ErrClosed) {
		t.Fatalf("closed keyring: %v, want identity.ErrClosed", err)
	}
}

func TestLogValueAndErrorsRedacted(t *testing.T) {
	r := signed(t, "a")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("peer", "record", r, "addr", r.Addrs[1])
	out := buf.String()
	if !strings.Contains(out, r.NodeID.Short()) || !strings.Contains(out, `"addrs":3`) {
		t.Fatalf("log lacks the short ID or address count: %s", out)
	}
	secret := []string{r.NodeID.Onion(), "127.0.0.1", "::1", hex.EncodeToString(r.NodeID[:4]), hex.EncodeToString(r.LinkKey[:4])}
	for _, s := range secret {
		if strings.Contains(out, s) {
			t.Fatalf("log contains %q: %s", s, out)
		}
	}
	b := mustMarshal(t, r)
	for i := range b {
		m := slices.Clone(b)
		m[i] ^= 0xff
		d, err := Unmarshal(m)
		if err == nil {
			err = d.Verify(netA, t0)
		}
		for _, s := range secret {
			if err != nil && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q contains %q", err, s)
			}
		}
	}
}
