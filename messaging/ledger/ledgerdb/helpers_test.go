package ledgerdb_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/messaging/ledger/ledgerdb"
	"github.com/warrennet/warren/store"
)

func key(label string, i int) ed25519.PrivateKey {
	h := sha256.Sum256(binary.BigEndian.AppendUint32([]byte(label), uint32(i)))
	return ed25519.NewKeyFromSeed(h[:])
}

func pub(k ed25519.PrivateKey) [ledger.KeySize]byte {
	return [ledger.KeySize]byte(k.Public().(ed25519.PublicKey))
}

var (
	net    = ledger.NetworkID{0x1D}
	params = ledger.Params{MinFee: 1, Dust: 1}
)

// fixture is one validator (index 0 of a committee of 4) over a real
// database in dir, with genesis coins of 1000 each, coin i owned by
// key("owner", i).
type fixture struct {
	t       testing.TB
	dir     string
	db      *store.DB
	st      *ledgerdb.Store
	v       *ledger.Validator
	com     *ledger.Committee
	genesis []ledger.Coin
	supply  uint64
}

func newFixture(t testing.TB, coins int) *fixture {
	t.Helper()
	return newFixtureAt(t, filepath.Join(t.TempDir(), "state"), coins, 1000)
}

func newFixtureAt(t testing.TB, dir string, coins int, coinAmount uint64) *fixture {
	t.Helper()
	var vk [][ledger.KeySize]byte
	for i := range 4 {
		vk = append(vk, pub(key("validator", i)))
	}
	com, err := ledger.NewCommittee(vk)
	if err != nil {
		t.Fatal(err)
	}
	outs := make([]ledger.Output, coins)
	for i := range outs {
		outs[i] = ledger.Output{Owner: pub(key("owner", i)), Amount: coinAmount}
	}
	genesis, err := ledger.GenesisCoins(net, outs)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, com: com, genesis: genesis, supply: coinAmount * uint64(coins)}
	f.open()
	return f
}

// open opens the database (again) and builds a validator over it, as a
// restarted process would.
func (f *fixture) open() {
	f.t.Helper()
	db, err := store.Open(context.Background(), store.Config{Dir: f.dir})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	f.db, f.st = db, ledgerdb.New(db, ledgerdb.Config{})
	f.v = f.validator(f.st, 0)
}

func (f *fixture) validator(st ledger.Storage, i int) *ledger.Validator {
	f.t.Helper()
	v, err := ledger.NewValidator(ledger.Config{Network: net, Committee: f.com, Index: i,
		Key: key("validator", i), Params: params, Storage: st, Genesis: f.genesis})
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// reopen closes the database and opens it again.
func (f *fixture) reopen() {
	f.t.Helper()
	if err := f.db.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

// order spends genesis coins ins (indexes) into outputs of the given
// amounts, owned by key("out", tag+j), signed by the owners.
func (f *fixture) order(ins []int, fee uint64, tag int, amounts ...uint64) *ledger.SignedOrder {
	f.t.Helper()
	o := &ledger.Order{Fee: fee}
	var signers []ledger.Signer
	for _, i := range ins {
		o.Inputs = append(o.Inputs, f.genesis[i].ID)
	}
	sortIDs(o.Inputs)
	for _, id := range o.Inputs {
		for i, c := range f.genesis {
			if c.ID == id {
				signers = append(signers, ledger.Ed25519Signer(key("owner", i)))
			}
		}
	}
	for j, a := range amounts {
		o.Outputs = append(o.Outputs, ledger.Output{Owner: pub(key("out", tag+j)), Amount: a})
	}
	so, err := ledger.SignOrder(net, o, signers)
	if err != nil {
		f.t.Fatal(err)
	}
	return so
}

func sortIDs(ids []ledger.CoinID) {
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if bytes.Compare(ids[j][:], ids[i][:]) < 0 {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
	}
}

// certify builds the certificate of so from the votes of all four
// validators (validators 1..3 sign without storage: they are honest
// here and their state does not matter to the test).
func (f *fixture) certify(so *ledger.SignedOrder) *ledger.Certificate {
	f.t.Helper()
	d := so.Digest(net)
	votes := []*ledger.Vote{}
	for i := 1; i < 4; i++ {
		votes = append(votes, ledger.SignVote(net, d, uint8(i), key("validator", i)))
	}
	cert, err := ledger.AssembleCertificate(f.com, net, &so.Order, votes)
	if err != nil {
		f.t.Fatal(err)
	}
	return cert
}

func (f *fixture) locked(i int) bool {
	f.t.Helper()
	_, ok, err := f.st.Lock(f.genesis[i].ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return ok
}

// checkSupply reads the tables back: Σ unspent + burned = supply.
func (f *fixture) checkSupply() ledgerdb.Totals {
	f.t.Helper()
	tot, err := f.st.Audit()
	if err != nil {
		f.t.Fatal(err)
	}
	if !tot.Conserved(f.supply) {
		f.t.Fatalf("value not conserved: unspent %d + burned %d, supply %d, tombstones %d",
			tot.Unspent, tot.Burned, f.supply, tot.Coins[ledger.StateTombstone])
	}
	return tot
}
