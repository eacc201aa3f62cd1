package ledgerwire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/warrennet/warren/messaging/envelope"
	"github.com/warrennet/warren/messaging/ledger"
	mwire "github.com/warrennet/warren/messaging/mailbox/wire"
)

var testNet = ledger.NetworkID{0x1E}

func key(label string, i int) ed25519.PrivateKey {
	h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte(label), uint32(i)))
	return ed25519.NewKeyFromSeed(h[:])
}

func pub(k ed25519.PrivateKey) [ledger.KeySize]byte {
	return [ledger.KeySize]byte(k.Public().(ed25519.PublicKey))
}

// signedOrder spends nIn coins into nOut outputs.
func signedOrder(t testing.TB, nIn, nOut int, salt byte) *ledger.SignedOrder {
	t.Helper()
	o := &ledger.Order{Fee: 1}
	var signers []ledger.Signer
	for i := range nIn {
		o.Inputs = append(o.Inputs, ledger.GenesisCoinID(testNet, i+int(salt)*100))
		signers = append(signers, ledger.Ed25519Signer(key("owner", i)))
	}
	slices.SortFunc(o.Inputs, func(a, b ledger.CoinID) int { return bytes.Compare(a[:], b[:]) })
	for i := range nOut {
		o.Outputs = append(o.Outputs, ledger.Output{Owner: pub(key("out", i)), Amount: 10 + uint64(salt), ViewTag: byte(i), R: pub(key("r", i))})
	}
	so, err := ledger.SignOrder(testNet, o, signers)
	if err != nil {
		t.Fatal(err)
	}
	return so
}

func vote(so *ledger.SignedOrder, i int) *ledger.Vote {
	return ledger.SignVote(testNet, so.Digest(testNet), uint8(i), key("validator", i))
}

func refusal(t testing.TB, i int) *ledger.Refusal {
	first := signedOrder(t, 2, 2, 1)
	other := signedOrder(t, 2, 3, 1)
	return &ledger.Refusal{Validator: uint8(i), Refused: other.Digest(testNet), Input: first.Inputs[0], First: *first}
}

func cert(t testing.TB, so *ledger.SignedOrder, n int) *ledger.Certificate {
	t.Helper()
	c := &ledger.Certificate{Order: so.Order}
	for i := range n {
		v := vote(so, i)
		c.Votes = append(c.Votes, ledger.CertVote{Validator: v.Validator, Sig: v.Sig})
	}
	return c
}

func requests(t testing.TB) []Request {
	small, big := signedOrder(t, 1, 2, 0), signedOrder(t, ledger.MaxInputs, ledger.MaxOutputs, 2)
	return []Request{
		Submit{Order: small}, Submit{Order: big}, VoteRequest{Order: small},
		Cert{Cert: cert(t, small, 3)}, Cert{Cert: cert(t, big, ledger.MaxValidators)}, Apply{Cert: cert(t, small, 4)},
		Feed{}, Feed{After: 12345}, Feed{After: MaxFeedPosition},
	}
}

func responses(t testing.TB) []Response {
	so := signedOrder(t, 1, 2, 0)
	return []Response{
		Votes{}, Votes{Votes: []*ledger.Vote{vote(so, 2), vote(so, 0), vote(so, 1)}},
		Votes{Votes: []*ledger.Vote{vote(so, 0)}, Refusals: []*ledger.Refusal{refusal(t, 1), refusal(t, 3)}},
		Voted{Vote: vote(so, 3)}, Refused{Refusal: refusal(t, 2)}, OK{},
		Error{Code: CodeMalformed}, Error{Code: CodeRejected}, Error{Code: CodeUnavailable}, Error{Code: CodeBadCert},
		Certs{}, Certs{Next: 7, Last: 9, Certs: []*ledger.Certificate{cert(t, so, 3), cert(t, signedOrder(t, 2, 3, 1), 4)}},
	}
}

// TestFeedBounds: positions above MaxFeedPosition, Next past Last and
// too many certificates are refused both ways.
func TestFeedBounds(t *testing.T) {
	if _, err := AppendRequest(nil, Feed{After: MaxFeedPosition + 1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("After too large: %v", err)
	}
	c := cert(t, signedOrder(t, 1, 2, 0), 3)
	for name, m := range map[string]Certs{
		"next past last": {Next: 3, Last: 2},
		"last too large": {Next: 1, Last: MaxFeedPosition + 1},
		"too many":       {Next: 1, Last: 1, Certs: slices.Repeat([]*ledger.Certificate{c}, MaxFeedCerts+1)},
		"nil cert":       {Next: 1, Last: 1, Certs: []*ledger.Certificate{nil}},
	} {
		if _, err := AppendResponse(nil, m); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	b := encodeResp(t, Certs{Next: 2, Last: 2})
	b[HeaderLen+1+7] = 3 // Next = 3 > Last
	if _, err := DecodeResponse(b); !errors.Is(err, ErrMalformed) {
		t.Fatalf("decoded Next past Last: %v", err)
	}
	r := encodeReq(t, Feed{After: 1})
	r[HeaderLen+1+2] = 0x40 // After = 2^62 + 1
	if _, err := DecodeRequest(r); !errors.Is(err, ErrMalformed) {
		t.Fatalf("decoded After past the bound: %v", err)
	}
}

func encodeReq(t testing.TB, m Request) []byte {
	t.Helper()
	b, err := AppendRequest(nil, m)
	if err != nil {
		t.Fatalf("%T: %v", m, err)
	}
	return b
}

func encodeResp(t testing.TB, m Response) []byte {
	t.Helper()
	b, err := AppendResponse(nil, m)
	if err != nil {
		t.Fatalf("%T: %v", m, err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	for _, m := range requests(t) {
		b := encodeReq(t, m)
		got, err := DecodeRequest(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("%T: %v", m, err)
		}
	}
	for _, m := range responses(t) {
		b := encodeResp(t, m)
		got, err := DecodeResponse(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("%T: got %+v, %v", m, got, err)
		}
	}
}

// TestRequestsLookLikeDeposits: every request frame has the cell count of
// a mailbox deposit of one of envelope.Sizes, and a typical payment (one
// input, two outputs) the smallest.
func TestRequestsLookLikeDeposits(t *testing.T) {
	var deposits []int
	for _, n := range envelope.Sizes {
		b, err := mwire.AppendRequest(nil, mwire.Deposit{Envelope: make([]byte, n)})
		if err != nil {
			t.Fatal(err)
		}
		deposits = append(deposits, len(b))
	}
	for _, m := range requests(t) {
		if n := len(encodeReq(t, m)); !slices.Contains(deposits, n) {
			t.Errorf("%T frame is %d bytes; deposits are %v", m, n, deposits)
		}
	}
	typical := encodeReq(t, Submit{Order: signedOrder(t, 1, 2, 0)})
	if len(typical) != deposits[0] {
		t.Errorf("a 1-in 2-out order takes %d bytes, the smallest deposit %d", len(typical), deposits[0])
	}
	if n := len(encodeReq(t, Submit{Order: signedOrder(t, ledger.MaxInputs, ledger.MaxOutputs, 0)})); n != deposits[1] {
		t.Errorf("the largest order takes %d bytes, want %d", n, deposits[1])
	}
	if n := len(encodeReq(t, Cert{Cert: cert(t, signedOrder(t, ledger.MaxInputs, ledger.MaxOutputs, 0), ledger.MaxValidators)})); n != deposits[2] {
		t.Errorf("the largest certificate takes %d bytes, want %d", n, deposits[2])
	}
}

func TestResponsesFillWholeCells(t *testing.T) {
	for _, m := range responses(t) {
		if n := len(encodeResp(t, m)); n%Unit != 0 || n > MaxResponseFrame {
			t.Errorf("%T: %d bytes", m, n)
		}
	}
}

// TestWorstCaseVotesFits: the most a service gathers before it stops (a
// quorum less one of votes and f+1 refusals of the largest orders, with
// 64 validators) fits one response frame.
func TestWorstCaseVotesFits(t *testing.T) {
	so := signedOrder(t, 1, 1, 0)
	first := signedOrder(t, ledger.MaxInputs, ledger.MaxOutputs, 3)
	const n, f = ledger.MaxValidators, (ledger.MaxValidators - 1) / 3
	var m Votes
	for i := range n - f - 1 {
		m.Votes = append(m.Votes, vote(so, i))
	}
	for i := range f + 1 {
		m.Refusals = append(m.Refusals, &ledger.Refusal{Validator: uint8(n - 1 - i), Refused: so.Digest(testNet), Input: first.Inputs[0], First: *first})
	}
	encodeResp(t, m)
	m.Refusals = append(m.Refusals, m.Refusals[0])
	if _, err := AppendResponse(nil, m); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized VOTES: %v", err)
	}
}

func TestRejects(t *testing.T) {
	good := encodeReq(t, Submit{Order: signedOrder(t, 1, 2, 0)})
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	bad := map[string][]byte{
		"trailing":      append(bytes.Clone(good), 0),
		"extra unit":    mutate(func(b []byte) []byte { return relen(append(b, make([]byte, Unit)...)) }),
		"padded to 8":   mutate(func(b []byte) []byte { return relen(append(b, make([]byte, 6*Unit)...)) }),
		"nonzero pad":   mutate(func(b []byte) []byte { b[len(b)-1] = 1; return b }),
		"unknown type":  mutate(func(b []byte) []byte { b[4] = 0x7F; return b }),
		"response type": mutate(func(b []byte) []byte { b[4] = TypeOK; return b }),
		"short blob":    mutate(func(b []byte) []byte { b[6]--; return b }),
		"long blob":     mutate(func(b []byte) []byte { b[6]++; return b }),
		"zero length":   {0, 0, 0, 0},
		"huge length":   {0xFF, 0xFF, 0xFF, 0xFF},
	}
	for name, b := range bad {
		if m, err := DecodeRequest(b); err == nil || m != nil {
			t.Errorf("%s: decoded %T", name, m)
		}
	}
	if m, err := DecodeResponse(encodeResp(t, Error{Code: 1})[:Unit-1]); err == nil || m != nil {
		t.Error("short response decoded")
	}
	badCode := encodeResp(t, Error{Code: 1})
	badCode[5] = 9
	if m, err := DecodeResponse(badCode); err == nil || m != nil {
		t.Error("unknown error code decoded")
	}
	if _, err := AppendResponse(nil, Error{Code: 0}); !errors.Is(err, ErrInvalid) {
		t.Error("encoded error code 0")
	}
	if _, err := AppendRequest(nil, Submit{}); !errors.Is(err, ErrInvalid) {
		t.Error("encoded an empty submit")
	}
}

// relen rewrites a frame's length header to match its length.
func relen(b []byte) []byte {
	binary.BigEndian.PutUint32(b, uint32(len(b)-HeaderLen))
	return b
}

func TestNoStrictPrefixDecodes(t *testing.T) {
	for _, m := range requests(t) {
		b := encodeReq(t, m)
		for i := range len(b) {
			if _, err := DecodeRequest(b[:i]); err == nil {
				t.Fatalf("%T: prefix of %d bytes decodes", m, i)
			}
		}
	}
	for _, m := range responses(t) {
		b := encodeResp(t, m)
		for i := range len(b) {
			if _, err := DecodeResponse(b[:i]); err == nil {
				t.Fatalf("%T: prefix of %d bytes decodes", m, i)
			}
		}
	}
}

func TestFrameLen(t *testing.T) {
	b := encodeReq(t, Submit{Order: signedOrder(t, 1, 2, 0)})
	if n, err := FrameLen(b, MaxRequestFrame); err != nil || n != len(b) {
		t.Fatalf("FrameLen = %d, %v", n, err)
	}
	if _, err := FrameLen(b, Unit); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bound: %v", err)
	}
	if _, err := FrameLen(b[:3], MaxRequestFrame); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short header: %v", err)
	}
}
