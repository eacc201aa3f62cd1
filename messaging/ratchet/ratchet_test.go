package ratchet

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestRoundTripBothWays(t *testing.T) {
	a, b := pair(t)
	for i := range 50 { // alternating: a DH ratchet step on every turn
		mustDecrypt(t, b, mustEncrypt(t, a, msgText(i)), msgText(i))
		mustDecrypt(t, a, mustEncrypt(t, b, msgText(-i)), msgText(-i))
	}
	for i := range 300 { // long one-direction runs
		mustDecrypt(t, b, mustEncrypt(t, a, msgText(i)), msgText(i))
	}
	for i := range 300 {
		mustDecrypt(t, a, mustEncrypt(t, b, msgText(i)), msgText(i))
	}
	if len(a.skipped) != 0 || len(b.skipped) != 0 {
		t.Fatalf("in-order delivery stored skipped keys: %d, %d", len(a.skipped), len(b.skipped))
	}
}

func TestResponderCannotSendFirst(t *testing.T) {
	_, b := pair(t)
	if _, err := b.Encrypt([]byte("x"), nil); !errors.Is(err, ErrCannotSend) {
		t.Fatalf("err = %v, want ErrCannotSend", err)
	}
}

func TestEmptyAndLargePlaintext(t *testing.T) {
	a, b := pair(t)
	mustDecrypt(t, b, mustEncrypt(t, a, ""), "")
	big := bytes.Repeat([]byte{7}, MaxPlaintext)
	m, err := a.Encrypt(big, nil)
	if err != nil || len(m) != MaxMessageSize {
		t.Fatalf("max plaintext: len %d err %v", len(m), err)
	}
	if _, err := a.Encrypt(append(big, 1), nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestOutOfOrderAcrossRatchet(t *testing.T) {
	a, b := pair(t)
	var chain1 [][]byte
	for i := range 20 {
		chain1 = append(chain1, mustEncrypt(t, a, msgText(i)))
	}
	mustDecrypt(t, b, chain1[19], msgText(19)) // skips 0..18
	mustDecrypt(t, a, mustEncrypt(t, b, "reply"), "reply")
	late := mustEncrypt(t, a, "new chain") // new DH key, pn = 20
	mustDecrypt(t, b, late, "new chain")
	order := rand.New(rand.NewPCG(1, 2)).Perm(19)
	for _, i := range order[:15] { // 4 stay lost forever
		mustDecrypt(t, b, chain1[i], msgText(i))
	}
	if len(b.skipped) != 4 {
		t.Fatalf("skipped keys = %d, want 4", len(b.skipped))
	}
	mustDecrypt(t, a, mustEncrypt(t, b, "still fine"), "still fine")
}

func TestSkipAcrossPreviousChain(t *testing.T) {
	a, b := pair(t)
	mustDecrypt(t, b, mustEncrypt(t, a, "first"), "first")
	mustDecrypt(t, a, mustEncrypt(t, b, "reply"), "reply")
	lost := []([]byte){mustEncrypt(t, a, "l0"), mustEncrypt(t, a, "l1")}
	mustDecrypt(t, a, mustEncrypt(t, b, "reply2"), "reply2") // same chain of b
	m := mustEncrypt(t, a, "after")                          // still a's chain: n = 2
	mustDecrypt(t, b, m, "after")
	mustDecrypt(t, b, lost[1], "l1")
	mustDecrypt(t, b, lost[0], "l0")
}

func TestBeyondMaxSkip(t *testing.T) {
	a, b := pair(t)
	var ms [][]byte
	for i := range MaxSkip + 2 {
		ms = append(ms, mustEncrypt(t, a, msgText(i)))
	}
	err := mustFailUnchanged(t, b, ms[MaxSkip+1], []byte("ad"))
	if !errors.Is(err, ErrTooManySkips) {
		t.Fatalf("err = %v, want ErrTooManySkips", err)
	}
	mustDecrypt(t, b, ms[MaxSkip], msgText(MaxSkip)) // exactly MaxSkip skipped
	mustDecrypt(t, b, ms[MaxSkip+1], msgText(MaxSkip+1))
	mustDecrypt(t, b, ms[3], msgText(3))
}

func TestSkippedStoreEvictsOldest(t *testing.T) {
	a, b := pair(t)
	var firstChain [][]byte
	for round := range 3 {
		var last []byte
		for i := range MaxSkip + 1 {
			last = mustEncrypt(t, a, msgText(i))
			if round == 0 && i < 10 {
				firstChain = append(firstChain, last)
			}
		}
		mustDecrypt(t, b, last, msgText(MaxSkip))
		mustDecrypt(t, a, mustEncrypt(t, b, "turn"), "turn")
	}
	if len(b.skipped) != MaxStoredSkipped {
		t.Fatalf("stored = %d, want %d", len(b.skipped), MaxStoredSkipped)
	}
	mustFailUnchanged(t, b, firstChain[0], []byte("ad")) // evicted
	if _, err := UnmarshalSession(dump(t, b), nil); err != nil {
		t.Fatalf("full store does not round-trip: %v", err)
	}
}

func TestTamperedMessages(t *testing.T) {
	a, b := pair(t)
	mustDecrypt(t, b, mustEncrypt(t, a, "warm"), "warm")
	m := mustEncrypt(t, a, "target")
	cases := map[string]int{"version": 0, "nonce": 5, "header": 40, "tag": prefixSize - 1, "body": prefixSize + 2, "bodytag": len(m) - 1}
	for name, pos := range cases {
		t.Run(name, func(t *testing.T) {
			bad := bytes.Clone(m)
			bad[pos] ^= 0x40
			mustFailUnchanged(t, b, bad, []byte("ad"))
		})
	}
	mustFailUnchanged(t, b, m, []byte("AD"))
	mustFailUnchanged(t, b, m, nil)
	mustFailUnchanged(t, b, m[:len(m)-1], []byte("ad"))
	mustFailUnchanged(t, b, append(bytes.Clone(m), 0), []byte("ad"))
	mustDecrypt(t, b, m, "target") // the genuine message still works
}

func TestTamperedRatchetMessageKeepsState(t *testing.T) {
	a, b := pair(t)
	mustDecrypt(t, b, mustEncrypt(t, a, "1"), "1")
	r := mustEncrypt(t, b, "r") // carries b's new DH key: a ratchets on it
	bad := bytes.Clone(r)
	bad[len(bad)-3] ^= 1
	mustFailUnchanged(t, a, bad, []byte("ad"))
	mustDecrypt(t, a, r, "r")
}

func TestReplayRejected(t *testing.T) {
	a, b := pair(t)
	m0 := mustEncrypt(t, a, "m0")
	m1 := mustEncrypt(t, a, "m1")
	mustDecrypt(t, b, m1, "m1")
	mustDecrypt(t, b, m0, "m0") // from the skipped store
	for _, m := range [][]byte{m0, m1} {
		if err := mustFailUnchanged(t, b, m, []byte("ad")); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("replay err = %v, want ErrDecrypt", err)
		}
	}
}

func TestMarshalRoundTripContinues(t *testing.T) {
	a, b := pair(t)
	lost := mustEncrypt(t, a, "lost")
	mustDecrypt(t, b, mustEncrypt(t, a, "1"), "1")
	for _, s := range []**Session{&a, &b} {
		enc := dump(t, *s)
		s2, err := UnmarshalSession(enc, detRand(9))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dump(t, s2), enc) {
			t.Fatal("re-marshal differs")
		}
		(*s).Close()
		*s = s2
	}
	mustDecrypt(t, a, mustEncrypt(t, b, "2"), "2")
	mustDecrypt(t, b, lost, "lost")
	mustDecrypt(t, b, mustEncrypt(t, a, "3"), "3")
}

func TestUnmarshalRejectsPrefixesAndTrailing(t *testing.T) {
	a, b := pair(t)
	mustEncrypt(t, a, "skip")
	mustDecrypt(t, b, mustEncrypt(t, a, "x"), "x")
	for _, enc := range [][]byte{dump(t, a), dump(t, b)} {
		for n := range len(enc) {
			if s, err := UnmarshalSession(enc[:n], nil); err == nil || s != nil {
				t.Fatalf("prefix of length %d decoded", n)
			}
		}
		if _, err := UnmarshalSession(append(bytes.Clone(enc), 0), nil); err == nil {
			t.Fatal("trailing byte accepted")
		}
		bad := bytes.Clone(enc)
		bad[1] |= 0x80
		if _, err := UnmarshalSession(bad, nil); err == nil {
			t.Fatal("unknown flag accepted")
		}
		bad[0], bad[1] = 2, enc[1]
		if _, err := UnmarshalSession(bad, nil); !errors.Is(err, ErrVersion) {
			t.Fatalf("version 2: err = %v", err)
		}
	}
}

func TestCloseZeroes(t *testing.T) {
	a, b := pair(t)
	mustEncrypt(t, a, "skip")
	mustDecrypt(t, b, mustEncrypt(t, a, "x"), "x")
	b.Close()
	b.Close()
	if b.st != (state{}) || b.skipped != nil {
		t.Fatal("Close left key material")
	}
	if _, err := b.Decrypt(mustEncrypt(t, a, "y"), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
	if _, err := b.MarshalBinary(); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestRandomFailureKeepsState(t *testing.T) {
	a, b := pair(t)
	mustDecrypt(t, b, mustEncrypt(t, a, "1"), "1")
	r := mustEncrypt(t, b, "r")
	a.rand = failReader{}
	before := dump(t, a)
	if _, err := a.Encrypt([]byte("x"), nil); !errors.Is(err, ErrRandom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := a.Decrypt(r, []byte("ad")); !errors.Is(err, ErrRandom) { // needs a new DH key
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(before, dump(t, a)) {
		t.Fatal("state changed")
	}
	a.rand = detRand(7)
	mustDecrypt(t, a, r, "r")
}

// A clone is independent: using it leaves the original where it was, and
// both can continue from their own states.
func TestClone(t *testing.T) {
	a, b := pair(t)
	m1, err := a.Encrypt([]byte("one"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Clone()
	if got, err := c.Decrypt(m1, nil); err != nil || string(got) != "one" {
		t.Fatalf("the clone: %q %v", got, err)
	}
	if got, err := b.Decrypt(m1, nil); err != nil || string(got) != "one" {
		t.Fatalf("the original after its clone decrypted: %q %v", got, err)
	}
	c.Close()
	m2, err := b.Encrypt([]byte("two"), nil)
	if err != nil {
		t.Fatalf("the original after its clone was closed: %v", err)
	}
	if got, err := a.Decrypt(m2, nil); err != nil || string(got) != "two" {
		t.Fatalf("reply: %q %v", got, err)
	}
}
