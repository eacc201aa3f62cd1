package wallet

import (
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

// paid returns a certified payment of 120 from a to b and its receipt.
func paid(t *testing.T) (*testnet, *user, *user, *Receipt) {
	n, a, b := setup(t, []uint64{500}, nil)
	p, err := a.w.Send(ctx, b.w.Address(), 120, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.w.Receipt(p.Digest); err != ErrNotCertified {
		t.Fatalf("receipt before certificate: %v", err)
	}
	votes, _ := n.submit(p.Signed)
	if _, err := a.w.Settle(ctx, p.Digest, votes, nil); err != nil {
		t.Fatal(err)
	}
	rc, err := a.w.Receipt(p.Digest)
	if err != nil {
		t.Fatal(err)
	}
	return n, a, b, rc
}

func TestReceiptVerifiesOffline(t *testing.T) {
	n, a, b, rc := paid(t)
	enc, err := rc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// A third party: only the bytes, the committee keys and b's address.
	got, err := UnmarshalReceipt(enc)
	if err != nil {
		t.Fatal(err)
	}
	amount, err := VerifyReceipt(n.com, testNet, got, b.w.Address())
	if err != nil || amount != 120 {
		t.Fatalf("VerifyReceipt = %d, %v", amount, err)
	}
	// It does not prove a payment to anyone else (not even the payer, who
	// owns the change output).
	if _, err := VerifyReceipt(n.com, testNet, got, a.w.Address()); err != ErrBadReceipt {
		t.Fatalf("wrong address: %v", err)
	}
	// The receipt survives a restart.
	a.reopen()
	rc2, err := a.w.Receipt(rc.Cert.Order.Digest(testNet))
	if err != nil {
		t.Fatal(err)
	}
	if enc2, _ := rc2.Marshal(); string(enc2) != string(enc) {
		t.Fatal("receipt changed across a restart")
	}
}

func TestReceiptTamperedRejected(t *testing.T) {
	n, _, b, rc := paid(t)
	to := b.w.Address()
	other := ledger.NetworkID{1}
	for name, mut := range map[string]func(r *Receipt) *ledger.NetworkID{
		"other output": func(r *Receipt) *ledger.NetworkID { r.Index ^= 1; return nil },
		"other r":      func(r *Receipt) *ledger.NetworkID { r.R[0] ^= 1; return nil },
		"amount":       func(r *Receipt) *ledger.NetworkID { r.Cert.Order.Outputs[r.Index].Amount++; return nil },
		"fee":          func(r *Receipt) *ledger.NetworkID { r.Cert.Order.Fee--; return nil },
		"vote":         func(r *Receipt) *ledger.NetworkID { r.Cert.Votes[0].Sig[5] ^= 1; return nil },
		"too few votes": func(r *Receipt) *ledger.NetworkID {
			r.Cert.Votes = r.Cert.Votes[:n.com.Quorum()-1]
			return nil
		},
		"other network": func(r *Receipt) *ledger.NetworkID { return &other },
	} {
		t.Run(name, func(t *testing.T) {
			cp := *rc
			cp.Cert.Order.Outputs = append([]ledger.Output(nil), rc.Cert.Order.Outputs...)
			cp.Cert.Votes = append([]ledger.CertVote(nil), rc.Cert.Votes...)
			net := testNet
			if p := mut(&cp); p != nil {
				net = *p
			}
			if _, err := VerifyReceipt(n.com, net, &cp, to); err == nil {
				t.Fatal("tampered receipt verified")
			}
		})
	}
}

func TestReceiptNoPrefixDecodes(t *testing.T) {
	_, _, _, rc := paid(t)
	enc, _ := rc.Marshal()
	for i := range len(enc) {
		if _, err := UnmarshalReceipt(enc[:i]); err == nil {
			t.Fatalf("prefix of length %d decodes", i)
		}
	}
	if _, err := UnmarshalReceipt(append(enc, 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
}
