package wallet

import (
	"fmt"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// Receipt proves that output Index of a final order pays a given
// address: the certificate (final: q votes, checked offline against the
// pinned committee keys) and the paying output's ephemeral secret r.
// With r anyone recomputes R = r·G and P = H_s(8·r·A ‖ i)·G + B for the
// claimed address (A, B) and compares them with the output; since R =
// r·G, the payee's own scan gives the same P (8·a·R = 8·r·A), so the
// holder of the address's keys, and only they (it needs b), can spend it.
//
// What it reveals to whoever holds it: the whole order (inputs, every
// output's one-time key and amount, fee: the validators saw all of it
// already) and that output Index belongs to the address it is checked
// against. It reveals nothing about the other outputs (each has its own
// r), does not let anyone spend, and does not name the payer: it proves
// a payment happened, not who made it (only the payer and, if shown,
// the payee hold r).
//
// Encoding: 0x52 | index(1) | r(32, canonical scalar) | certificate.
type Receipt struct {
	Index uint8
	R     [scalarSize]byte
	Cert  ledger.Certificate
}

const (
	tagReceipt = 0x52
	// MaxReceiptSize bounds an encoded receipt.
	MaxReceiptSize = 2 + scalarSize + ledger.MaxCertificateSize
)

// Marshal returns the receipt's encoding.
func (rc *Receipt) Marshal() ([]byte, error) {
	cert, err := rc.Cert.Marshal()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+scalarSize+len(cert))
	b = append(b, tagReceipt, rc.Index)
	b = append(b, rc.R[:]...)
	return append(b, cert...), nil
}

// UnmarshalReceipt decodes a receipt strictly (it does not verify it).
func UnmarshalReceipt(b []byte) (*Receipt, error) {
	if len(b) < 2+scalarSize || len(b) > MaxReceiptSize || b[0] != tagReceipt {
		return nil, fmt.Errorf("%w: receipt", ErrMalformed)
	}
	rc := &Receipt{Index: b[1], R: [scalarSize]byte(b[2 : 2+scalarSize])}
	cert, err := ledger.UnmarshalCertificate(b[2+scalarSize:])
	if err != nil || !canonicalScalar(rc.R) || int(rc.Index) >= len(cert.Order.Outputs) {
		return nil, fmt.Errorf("%w: receipt", ErrMalformed)
	}
	rc.Cert = *cert
	return rc, nil
}

// VerifyReceipt checks, offline, that rc proves a final payment to
// address to on network net under committee com, and returns the amount.
func VerifyReceipt(com *ledger.Committee, net ledger.NetworkID, rc *Receipt, to stealth.Address) (uint64, error) {
	if err := ledger.VerifyCertificate(com, net, &rc.Cert); err != nil {
		return 0, err
	}
	if int(rc.Index) >= len(rc.Cert.Order.Outputs) || !canonicalScalar(rc.R) {
		return 0, ErrBadReceipt
	}
	out := rc.Cert.Order.Outputs[rc.Index]
	want, err := output(rc.R, to, int(rc.Index), out.Amount)
	if err != nil {
		return 0, ErrBadReceipt
	}
	if want != out {
		return 0, ErrBadReceipt
	}
	return out.Amount, nil
}

// Receipt returns the receipt of the certified payment d.
func (w *Wallet) Receipt(d ledger.Digest) (*Receipt, error) {
	if err := w.lock(); err != nil {
		return nil, err
	}
	defer w.mu.Unlock()
	j, ok := w.st.orders[d]
	if !ok {
		return nil, ErrUnknownOrder
	}
	a, ok := w.st.certs[d]
	if j.state != Certified || !ok {
		return nil, ErrNotCertified
	}
	return &Receipt{Index: j.rec.PayIndex, R: j.rec.R, Cert: *a.cert}, nil
}
