package invite

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ratchet"
)

func TestBlobSealOpen(t *testing.T) {
	key := sampleInvitation().Key
	full := sampleBlob(t)
	full.Queues = []envelope.QueueAddr{qa(1), qa(2), qa(3), qa(4)}
	full.Name = strings.Repeat("é", envelope.MaxNameLen/2)
	for _, b := range []Blob{sampleBlob(t), full, {Public: full.Public, Queues: full.Queues[:1], Expires: expiry}} {
		env, err := SealBlob(key, b, detRand(5))
		if err != nil {
			t.Fatal(err)
		}
		if len(env) != envelope.Sizes[1] {
			t.Fatalf("sealed blob is %d bytes, want %d", len(env), envelope.Sizes[1])
		}
		got, err := OpenBlob(key, env)
		if err != nil || !reflect.DeepEqual(got, b) {
			t.Fatalf("OpenBlob: %v, equal %v", err, reflect.DeepEqual(got, b))
		}
	}
	bin, _ := full.MarshalBinary()
	if len(bin) != MaxBlobSize {
		t.Fatalf("largest blob encodes to %d bytes, MaxBlobSize %d", len(bin), MaxBlobSize)
	}
}

func TestOpenBlobRejects(t *testing.T) {
	inv := sampleInvitation()
	env, err := SealBlob(inv.Key, sampleBlob(t), detRand(5))
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := inv.Key
	wrongKey[31] ^= 1
	flipped := bytes.Clone(env)
	flipped[len(flipped)/2] ^= 0x40
	nonce := bytes.Clone(env)
	nonce[0] ^= 1
	req, _ := SealRequest(inv.Key, ratchet.InitMsg{}, make([]byte, envelope.Sizes[0]), detRand(6))
	for _, c := range []struct {
		name string
		key  [32]byte
		env  []byte
		want error
	}{
		{"wrong key", wrongKey, env, ErrDecrypt},
		{"flipped ciphertext bit", inv.Key, flipped, ErrDecrypt},
		{"flipped nonce bit", inv.Key, nonce, ErrDecrypt},
		{"request under the same key", inv.Key, req, ErrDecrypt},
		{"truncated", inv.Key, env[:len(env)-1], ErrMalformed},
		{"extended", inv.Key, append(bytes.Clone(env), 0), ErrMalformed},
		{"empty", inv.Key, nil, ErrMalformed},
	} {
		if b, err := OpenBlob(c.key, c.env); !errors.Is(err, c.want) || !reflect.DeepEqual(b, Blob{}) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

func TestBlobMarshalRejects(t *testing.T) {
	good := sampleBlob(t)
	mod := func(f func(*Blob)) Blob { b := good; f(&b); return b }
	for _, c := range []struct {
		name string
		b    Blob
		want error
	}{
		{"no queues", mod(func(b *Blob) { b.Queues = nil }), ErrMalformed},
		{"5 queues", mod(func(b *Blob) { b.Queues = []envelope.QueueAddr{qa(1), qa(2), qa(3), qa(4), qa(5)} }), ErrMalformed},
		{"duplicate queues", mod(func(b *Blob) { b.Queues = []envelope.QueueAddr{qa(1), qa(1)} }), envelope.ErrDuplicate},
		{"name too long", mod(func(b *Blob) { b.Name = strings.Repeat("x", 65) }), ErrMalformed},
		{"name escape", mod(func(b *Blob) { b.Name = "\x1b]0;pwned\x07" }), envelope.ErrText},
		{"zero expiry", mod(func(b *Blob) { b.Expires = b.Expires.AddDate(-3000, 0, 0) }), ErrExpiry},
	} {
		if out, err := c.b.MarshalBinary(); !errors.Is(err, c.want) || out != nil {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if _, err := SealBlob([32]byte{}, c.b, detRand(1)); err == nil {
			t.Errorf("%s: SealBlob accepted it", c.name)
		}
	}
	if _, err := SealBlob([32]byte{}, good, iotest.ErrReader(errors.New("x"))); !errors.Is(err, ErrRandom) {
		t.Fatalf("failing reader: %v", err)
	}
}

func TestBlobUnmarshalRejects(t *testing.T) {
	bin, _ := sampleBlob(t).MarshalBinary()
	set := func(i int, v byte) []byte { b := bytes.Clone(bin); b[i] = v; return b }
	q := 1 + ratchet.InvitePublicSize // queue count offset
	badKEM := bytes.Clone(bin)
	for i := 1 + 32; i < 1+32+384; i++ { // first ML-KEM coefficients >= q
		badKEM[i] = 0xff
	}
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"version 0", set(0, 0), ErrVersion},
		{"bad ML-KEM key", badKEM, ErrMalformed},
		{"queue count 0", set(q, 0), ErrMalformed},
		{"queue count 3", set(q, 3), ErrMalformed},
		{"name length past end", set(q+1+2*48, 200), ErrMalformed},
		{"trailing", append(bytes.Clone(bin), 0), ErrMalformed},
		{"too long", make([]byte, MaxBlobSize+1), ErrMalformed},
		{"control in name", set(q+1+2*48+1, 0x07), envelope.ErrText},
	} {
		var b Blob
		if err := b.UnmarshalBinary(c.b); !errors.Is(err, c.want) || !reflect.DeepEqual(b, Blob{}) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	for i := range len(bin) {
		var b Blob
		if err := b.UnmarshalBinary(bin[:i]); err == nil {
			t.Fatalf("prefix %d decoded", i)
		}
	}
}

func TestBlobRedaction(t *testing.T) {
	b := sampleBlob(t)
	b.Name = "Secret Name"
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("blob", "b", b)
	for _, s := range []string{fmt.Sprint(b), fmt.Sprintf("%+v", b), logged.String()} {
		if strings.Contains(s, "Secret Name") || strings.Contains(s, fmt.Sprint(b.Public.X25519[0])+" ") {
			t.Fatalf("leak in %q", s)
		}
	}
}
