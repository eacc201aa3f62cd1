package wallet

import (
	"encoding/binary"
	"fmt"

	"filippo.io/edwards25519"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/stealth"
)

// rowID is a random local row ID (it binds a sealed blob to its row).
type rowID [16]byte

// Plaintexts of sealed rows. They are authenticated by the vault, but are
// still decoded strictly (fixed or bounded sizes, canonical forms, no
// trailing bytes).
//
//	coin:    0x01 | ledger coin encoding (106) | stealth index(4) | origin(32)
//	journal: 0x01 | len(2) | signed order | recipient address(64) |
//	         pay index(1) | r(32, canonical scalar)
const (
	recordVersion  = 0x01
	coinRecordSize = 1 + ledger.CoinSize + 4 + ledger.IDSize
	journalFixed   = 1 + 2 + stealth.AddressSize + 1 + 32
	maxJournalSize = journalFixed + ledger.MaxSignedOrderSize
	scalarSize     = 32
)

func encodeCoinRecord(c *OwnedCoin) ([]byte, error) {
	enc, err := c.Coin.Marshal()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, coinRecordSize)
	b = append(append(b, recordVersion), enc...)
	b = binary.BigEndian.AppendUint32(b, c.Index)
	return append(b, c.Origin[:]...), nil
}

func decodeCoinRecord(b []byte) (OwnedCoin, error) {
	if len(b) != coinRecordSize || b[0] != recordVersion {
		return OwnedCoin{}, fmt.Errorf("%w: coin record", ErrMalformed)
	}
	c, err := ledger.UnmarshalCoin(b[1 : 1+ledger.CoinSize])
	if err != nil {
		return OwnedCoin{}, fmt.Errorf("%w: coin record", ErrMalformed)
	}
	rest := b[1+ledger.CoinSize:]
	return OwnedCoin{Coin: *c, Index: binary.BigEndian.Uint32(rest), Origin: ledger.Digest(rest[4:])}, nil
}

// journalRecord is what the journal keeps of a payment: the signed order
// exactly as sent, the recipient, which output pays it and that output's
// ephemeral secret r (for receipts).
type journalRecord struct {
	Signed   []byte
	To       stealth.Address
	PayIndex uint8
	R        [scalarSize]byte
}

func (j *journalRecord) encode() []byte {
	b := make([]byte, 0, journalFixed+len(j.Signed))
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(j.Signed)))
	b = append(b, j.Signed...)
	b = append(b, j.To.Marshal()...)
	b = append(b, j.PayIndex)
	return append(b, j.R[:]...)
}

// decodeJournalRecord decodes and checks a journal record: the signed
// order decodes, the address is valid, the pay index names an output
// and r is a canonical scalar.
func decodeJournalRecord(b []byte) (*journalRecord, *ledger.SignedOrder, error) {
	bad := fmt.Errorf("%w: journal record", ErrMalformed)
	if len(b) < journalFixed || len(b) > maxJournalSize || b[0] != recordVersion {
		return nil, nil, bad
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	if len(b) != journalFixed+n {
		return nil, nil, bad
	}
	j := &journalRecord{Signed: append([]byte(nil), b[3:3+n]...)}
	so, err := ledger.UnmarshalSignedOrder(j.Signed)
	if err != nil {
		return nil, nil, bad
	}
	rest := b[3+n:]
	if j.To, err = stealth.ParseAddress(rest[:stealth.AddressSize]); err != nil {
		return nil, nil, bad
	}
	j.PayIndex = rest[stealth.AddressSize]
	j.R = [scalarSize]byte(rest[stealth.AddressSize+1:])
	if int(j.PayIndex) >= len(so.Outputs) || !canonicalScalar(j.R) {
		return nil, nil, bad
	}
	return j, so, nil
}

func canonicalScalar(r [scalarSize]byte) bool {
	_, err := edwards25519.NewScalar().SetCanonicalBytes(r[:])
	return err == nil
}
