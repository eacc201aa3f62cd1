package ledgerdb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/store"
)

// TestConflictOnLastInputLocksNothing: an order whose last input is
// locked elsewhere is refused and leaves its other inputs free.
func TestConflictOnLastInputLocksNothing(t *testing.T) {
	f := newFixture(t, 3)
	big := f.order([]int{0, 1, 2}, 1, 10, 2999)
	last, first := -1, []int{}
	for i, c := range f.genesis {
		if c.ID == big.Inputs[2] {
			last = i
		} else {
			first = append(first, i)
		}
	}
	if v, _, err := f.v.HandleOrder(f.order([]int{last}, 1, 0, 999)); v == nil {
		t.Fatal(err)
	}
	v, rf, err := f.v.HandleOrder(big)
	if v != nil || rf == nil || err != nil {
		t.Fatalf("vote %v refusal %v %v", v != nil, rf != nil, err)
	}
	if rf.Input != big.Inputs[2] {
		t.Fatal("the refusal names another input")
	}
	for _, i := range first {
		if f.locked(i) {
			t.Fatalf("coin %d locked by a refused order", i)
		}
	}
	if v, _, err := f.v.HandleOrder(f.order(first, 1, 20, 1999)); v == nil {
		t.Fatalf("free inputs could not be spent: %v", err)
	}
}

// TestFailureMidTransactionWritesNothing makes SQLite fail on the last
// input's lock, after the order and the first locks were written in the
// same transaction: the validator signs nothing and nothing stays.
func TestFailureMidTransactionWritesNothing(t *testing.T) {
	f := newFixture(t, 3)
	so := f.order([]int{0, 1, 2}, 1, 0, 2999)
	last := so.Inputs[2]
	err := f.db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(fmt.Sprintf(`CREATE TEMP TRIGGER fail BEFORE INSERT ON ledger_lock
			WHEN NEW.coin = x'%x' BEGIN SELECT RAISE(ABORT, 'injected'); END`, last[:]))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, rf, err := f.v.HandleOrder(so); v != nil || rf != nil || err == nil {
		t.Fatal("a vote or refusal despite a failed transaction")
	}
	for i := range 3 {
		if f.locked(i) {
			t.Fatalf("coin %d locked after a failed transaction", i)
		}
	}
	if _, err := f.st.Locked(so.Digest(net)); !errors.Is(err, store.ErrLedgerNoOrder) {
		t.Fatalf("order recorded after a failed transaction: %v", err)
	}
}

// TestClosedDatabaseSignsNothing: an I/O failure is an error, not a vote.
func TestClosedDatabaseSignsNothing(t *testing.T) {
	f := newFixture(t, 1)
	f.db.Close()
	if v, rf, err := f.v.HandleOrder(f.order([]int{0}, 1, 0, 999)); v != nil || rf != nil || !errors.Is(err, store.ErrClosed) {
		t.Fatalf("closed database: vote %v refusal %v %v", v != nil, rf != nil, err)
	}
}

// TestConcurrentLockAndRecord races conflicting orders over 8 coins from
// 64 goroutines: one-coin orders and two-coin orders overlapping their
// neighbours. Exactly one order wins each coin; every loser is told the
// winner; the winners are what the table holds.
func TestConcurrentLockAndRecord(t *testing.T) {
	const coins, per = 8, 4
	f := newFixture(t, coins)
	var orders []*ledger.SignedOrder
	for c := range coins {
		for k := range per {
			orders = append(orders, f.order([]int{c}, 1, 100*c+k, 999))
			orders = append(orders, f.order([]int{c, (c + 1) % coins}, 1, 100*c+50+k, 1999))
		}
	}
	errs := make([]error, len(orders))
	var wg sync.WaitGroup
	for i, so := range orders {
		wg.Go(func() { errs[i] = f.st.LockAndRecord(so.Digest(net), so) })
	}
	wg.Wait()
	winner := map[ledger.CoinID]ledger.Digest{}
	for i, so := range orders {
		var ce *ledger.ConflictError
		switch {
		case errs[i] == nil:
			for _, in := range so.Inputs {
				if _, dup := winner[in]; dup {
					t.Fatal("two orders won one coin")
				}
				winner[in] = so.Digest(net)
			}
		case !errors.As(errs[i], &ce):
			t.Fatalf("order %d: %v", i, errs[i])
		}
	}
	if len(winner) != coins {
		t.Fatalf("%d coins locked, want %d", len(winner), coins)
	}
	for i, so := range orders {
		var ce *ledger.ConflictError
		if errors.As(errs[i], &ce) && winner[ce.Input] != ce.Holder {
			t.Fatalf("order %d was told a holder that did not win", i)
		}
		for _, in := range so.Inputs {
			if d, _, _ := f.st.Lock(in); d != winner[in] {
				t.Fatal("the table disagrees with the winners")
			}
		}
	}
}

// TestApplyIdempotentAcrossReopen applies a chain of certificates, some
// twice, some again after a reopen, one out of order (tombstone first),
// and reads the tables back: value conserved, states as expected.
func TestApplyIdempotentAcrossReopen(t *testing.T) {
	f := newFixture(t, 2)
	a := f.order([]int{0, 1}, 3, 0, 1500, 497)
	ca := f.certify(a)
	// b spends a's second output before a is applied here: a tombstone.
	b := &ledger.Order{Inputs: []ledger.CoinID{ledger.OutputID(a.Digest(net), 1)}, Fee: 7,
		Outputs: []ledger.Output{{Owner: pub(key("out", 9)), Amount: 490}}}
	sb, err := ledger.SignOrder(net, b, []ledger.Signer{ledger.Ed25519Signer(key("out", 1))})
	if err != nil {
		t.Fatal(err)
	}
	cb := f.certify(sb)
	for _, c := range []*ledger.Certificate{cb, cb} {
		if err := f.v.HandleCertificate(c); err != nil {
			t.Fatal(err)
		}
	}
	if tot, _ := f.st.Audit(); tot.Coins[ledger.StateTombstone] != 1 || tot.Conserved(f.supply) {
		t.Fatalf("expected one tombstone and an unbalanced sum before a: %+v", tot)
	}
	f.reopen()
	for _, c := range []*ledger.Certificate{ca, cb, ca} {
		if err := f.v.HandleCertificate(c); err != nil {
			t.Fatal(err)
		}
	}
	f.reopen()
	if err := f.v.HandleCertificate(ca); err != nil {
		t.Fatal(err)
	}
	tot := f.checkSupply()
	if tot.Burned != 10 || tot.Applied != 2 || tot.Coins[ledger.StateSpent] != 3 || tot.Coins[ledger.StateUnspent] != 2 {
		t.Fatalf("after applying twice and reopening: %+v", tot)
	}
	// The spent coins refuse new orders: spent, not unknown.
	if _, _, err := f.v.HandleOrder(f.order([]int{0}, 1, 40, 999)); !errors.Is(err, ledger.ErrSpent) {
		t.Fatalf("order spending a spent coin: %v", err)
	}
}
