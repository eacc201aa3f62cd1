package link

import (
	"bytes"
	"crypto/ecdh"
	"testing"
	"time"
)

// poison plants a wrong static-static DH result for peer in c.
func poison(c *ssCache, peer []byte) {
	e := ssEntry{ss: [32]byte{0xba, 0xd0}}
	copy(e.peer[:], peer)
	c.put(&e)
}

// stepHandshake runs one IK handshake through the pure steps.
func stepHandshake(t *testing.T, cp, sp *prepared, remote Remote) error {
	t.Helper()
	resp, err := newResponder(sp, NewReplayGuard(ReplayConfig{NotBefore: time.Unix(1, 0)}))
	if err != nil {
		t.Fatal(err)
	}
	in, err := newInitiator(cp, remote)
	if err != nil {
		t.Fatal(err)
	}
	m1, wait, err := in.start(nil)
	if err != nil {
		return err
	}
	reply, err := resp.read1(m1, time.Now())
	if err != nil {
		return err
	}
	m2, _, err := reply.write2(nil)
	if err != nil {
		return err
	}
	_, err = wait.finish(m2)
	return err
}

// Regression (timing oracle): the responder must not look up DH(s, rs)
// by the initiator's static key, which an attacker chooses before
// anything is authenticated. A planted entry for the initiator's key is
// ignored (the handshake works), and the responder caches nothing.
func TestResponderIgnoresStaticDHCache(t *testing.T) {
	client, server := newNode(t), newNode(t)
	cp, sp := mustPrepare(t, client.config()), mustPrepare(t, server.config())
	poison(sp.ss, client.linkKey.PublicKey().Bytes())
	if err := stepHandshake(t, cp, sp, server.remote()); err != nil {
		t.Fatalf("responder used a cached DH result for an unauthenticated key: %v", err)
	}
	sp.ss = new(ssCache)
	if err := stepHandshake(t, cp, sp, server.remote()); err != nil {
		t.Fatal(err)
	}
	if *sp.ss != (ssCache{}) {
		t.Fatal("responder cached a static-static DH result")
	}
}

// Regression (timing oracle): the initiator's se DH uses our static key
// with the responder's ephemeral, which the responder chooses; it must not
// be looked up in the cache either. The responder's ephemeral is fixed
// through its Rand so a wrong result can be planted for it.
func TestInitiatorCachesOnlyPinnedRemote(t *testing.T) {
	client, server := newNode(t), newNode(t)
	seed := bytes.Repeat([]byte{0x5e}, 32)
	scfg := server.config()
	scfg.Rand = bytes.NewReader(seed)
	cp, sp := mustPrepare(t, client.config()), mustPrepare(t, scfg)
	eph, err := ecdh.X25519().NewPrivateKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	poison(cp.ss, eph.PublicKey().Bytes())
	if err := stepHandshake(t, cp, sp, server.remote()); err != nil {
		t.Fatalf("initiator used a cached DH result for the responder's ephemeral: %v", err)
	}
	// The pinned remote key is cached, and with the right value.
	rk := server.remote().LinkKey
	got, ok := cp.ss.get(rk[:])
	want, _ := client.linkKey.ECDH(server.linkKey.PublicKey())
	if !ok || !bytes.Equal(got, want) {
		t.Fatalf("initiator cache for the pinned remote: hit %v, correct %v", ok, bytes.Equal(got, want))
	}
}
