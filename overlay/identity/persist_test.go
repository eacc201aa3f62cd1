package identity

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// memStore is an in-memory SecretStore. It copies on Put and Get, like a
// real store, and keeps what it was given and what it handed out so tests
// can check the keyring zeroed them.
type memStore struct {
	m       map[string][]byte
	puts    []string
	given   [][]byte // slices passed to PutSecret
	handed  [][]byte // slices returned by GetSecret
	failPut string   // PutSecret of this name fails
	failGet string
}

var errStore = errors.New("memstore: injected failure")

func newMemStore() *memStore { return &memStore{m: map[string][]byte{}} }

func (s *memStore) PutSecret(_ context.Context, name string, p []byte) error {
	if name == s.failPut {
		return errStore
	}
	s.puts = append(s.puts, name)
	s.given = append(s.given, p)
	s.m[name] = bytes.Clone(p)
	return nil
}

func (s *memStore) GetSecret(_ context.Context, name string) ([]byte, bool, error) {
	if name == s.failGet {
		return nil, false, errStore
	}
	b, ok := s.m[name]
	if !ok {
		return nil, false, nil
	}
	c := bytes.Clone(b)
	s.handed = append(s.handed, c)
	return c, true, nil
}

var _ SecretStore = (*memStore)(nil)

func savedKeyring(t *testing.T) (*Keyring, *memStore) {
	t.Helper()
	k := mustGenerate(t, 5, t0)
	if _, err := k.RotateOnion(detRand(6), t0.Add(OnionEpochLength)); err != nil {
		t.Fatal(err)
	}
	s := newMemStore()
	if err := k.Save(context.Background(), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return k, s
}

func TestSaveLoadRoundTrip(t *testing.T) {
	k, s := savedKeyring(t)
	got, err := Load(context.Background(), s)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.NodeID() != k.NodeID() || got.LinkPublic() != k.LinkPublic() {
		t.Fatal("loaded node or link key differs")
	}
	if !bytes.Equal(got.Node, k.Node) || !bytes.Equal(got.Link.Bytes(), k.Link.Bytes()) {
		t.Fatal("loaded private keys differ")
	}
	cur := k.CurrentOnion()
	for _, e := range []uint32{cur.Epoch, cur.Epoch - 1} {
		a, ok1 := k.OnionByEpoch(e)
		b, ok2 := got.OnionByEpoch(e)
		if !ok1 || !ok2 || a.Public() != b.Public() || !bytes.Equal(a.Private.Bytes(), b.Private.Bytes()) {
			t.Fatalf("onion key of epoch %d not restored", e)
		}
	}
	if got.CurrentOnion().Epoch != cur.Epoch {
		t.Fatal("current epoch not restored")
	}
}

func TestSaveOrderAndZeroing(t *testing.T) {
	_, s := savedKeyring(t)
	if want := []string{SecretLink, SecretOnion, SecretNode}; strings.Join(s.puts, ",") != strings.Join(want, ",") {
		t.Fatalf("put order %v, want %v (node last)", s.puts, want)
	}
	for i, b := range s.given {
		if !isZero(b) {
			t.Fatalf("plaintext of %s not zeroed after Save", s.puts[i])
		}
	}
	if _, err := Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(s.handed) != 3 {
		t.Fatalf("Load read %d secrets, want 3", len(s.handed))
	}
	for _, b := range s.handed {
		if !isZero(b) {
			t.Fatal("Load did not zero a blob it read")
		}
	}
}

func TestLoadNoKeys(t *testing.T) {
	if _, err := Load(context.Background(), newMemStore()); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("empty store: %v, want ErrNoKeys", err)
	}
	// A first Save interrupted before the node key: still "no keys".
	k := mustGenerate(t, 1, t0)
	s := newMemStore()
	s.failPut = SecretNode
	if err := k.Save(context.Background(), s); !errors.Is(err, errStore) {
		t.Fatalf("Save with failing store: %v", err)
	}
	if _, err := Load(context.Background(), s); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("interrupted first save: %v, want ErrNoKeys", err)
	}
}

func TestLoadMissingPart(t *testing.T) {
	for _, name := range []string{SecretLink, SecretOnion} {
		_, s := savedKeyring(t)
		delete(s.m, name)
		k, err := Load(context.Background(), s)
		if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNoKeys) || k != nil {
			t.Fatalf("without %s: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestLoadMixedKeyrings(t *testing.T) {
	for _, name := range []string{SecretLink, SecretOnion} {
		a, s := savedKeyring(t)
		other := newMemStore()
		if err := mustGenerate(t, 9, t0).Save(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		s.m[name] = other.m[name]
		_, err := Load(context.Background(), s)
		if !errors.Is(err, errOwner) {
			t.Fatalf("%s from another keyring: %v, want errOwner", name, err)
		}
		assertNoSecretsIn(t, err.Error(), a)
	}
}

func TestLoadCorruptBlobs(t *testing.T) {
	for _, name := range []string{SecretNode, SecretLink, SecretOnion} {
		for _, at := range []int{0, 40, 64} {
			k, s := savedKeyring(t)
			s.m[name][at] ^= 0x10
			got, err := Load(context.Background(), s)
			if !errors.Is(err, ErrCorrupt) || got != nil {
				t.Fatalf("%s with byte %d flipped: %v, want ErrCorrupt", name, at, err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not say which secret", err)
			}
			assertNoSecretsIn(t, err.Error(), k)
		}
	}
}

func TestLoadLinkReusedAsOnion(t *testing.T) {
	k, s := savedKeyring(t)
	s.m[SecretOnion] = encodeOnion(k.NodeID(), []OnionKey{{Epoch: 7, Private: k.Link}})
	if _, err := Load(context.Background(), s); !errors.Is(err, errKeyReuse) {
		t.Fatalf("link key stored as onion key: %v, want errKeyReuse", err)
	}
}

func TestStoreErrorsPropagate(t *testing.T) {
	for _, name := range []string{SecretNode, SecretLink, SecretOnion} {
		_, s := savedKeyring(t)
		s.failGet = name
		if _, err := Load(context.Background(), s); !errors.Is(err, errStore) || errors.Is(err, ErrNoKeys) {
			t.Fatalf("GetSecret(%s) failing: %v", name, err)
		}
	}
	k := mustGenerate(t, 1, t0)
	s := newMemStore()
	s.failPut = SecretOnion
	if err := k.SaveOnion(context.Background(), s); !errors.Is(err, errStore) {
		t.Fatalf("SaveOnion with failing store: %v", err)
	}
}

func TestSaveOnionAfterRotation(t *testing.T) {
	k, s := savedKeyring(t)
	if _, err := k.RotateOnion(detRand(8), t0.Add(2*OnionEpochLength)); err != nil {
		t.Fatal(err)
	}
	if err := k.SaveOnion(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	got, err := Load(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got.CurrentOnion().Public() != k.CurrentOnion().Public() {
		t.Fatal("rotated onion key not persisted")
	}
}

func TestSaveAfterClose(t *testing.T) {
	k := mustGenerate(t, 1, t0)
	k.Close()
	if err := k.Save(context.Background(), newMemStore()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Save after Close: %v", err)
	}
	if err := k.SaveOnion(context.Background(), newMemStore()); !errors.Is(err, ErrClosed) {
		t.Fatalf("SaveOnion after Close: %v", err)
	}
}

func assertNoSecretsIn(t *testing.T, s string, k *Keyring) {
	t.Helper()
	id := k.NodeID()
	for _, f := range append(secretForms(k), id.Onion()[:20], hex.EncodeToString(id[:8])) {
		if strings.Contains(s, f) {
			t.Fatalf("error %q contains a key or ID", s)
		}
	}
}
