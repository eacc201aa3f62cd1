package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
)

// A testnet of 5 nodes or more has payments: nodes n02 to n05 validate
// (n = 4, quorum 3: n01, the first bootstrap node, is left out so that
// paths between validators always have a relay that is not one), and the
// genesis pays every node's wallet testnetCoins from seed words drawn
// before it (written to nXX.words beside the node's directory).
const (
	testnetValidators = 4
	testnetCoins      = 1000
	testnetMinNodes   = 5 // 3-hop circuits between validators need relays besides them
)

// testnetLedger is the payment part of a testnet's set-up.
type testnetLedger struct {
	votes []ed25519.PrivateKey // per node; nil for non-validators
	words []string             // per node
}

func (l *testnetLedger) validates(i int) bool { return l != nil && l.votes[i] != nil }

// addLedger names the validators in g and pays every node's wallet.
func (t *testnet) addLedger(g *genesis.Genesis, keys []*identity.Keyring) (*testnetLedger, error) {
	if t.count < testnetMinNodes {
		return nil, nil
	}
	amounts := make([]uint64, t.count)
	for i := range amounts {
		amounts[i] = testnetCoins
	}
	votes, words, err := addPayments(g, keys, span(1, testnetValidators), testnetName, amounts)
	if err != nil {
		return nil, err
	}
	return &testnetLedger{votes: votes, words: words}, nil
}

func testnetName(i int) string { return fmt.Sprintf("n%02d", i+1) }

// restoreWallets writes each node's seed words beside it and restores its
// wallet through its API: every node then holds testnetCoins.
func (t *testnet) restoreWallets(ctx context.Context) error {
	if t.ledger == nil {
		return nil
	}
	for i, n := range t.nodes {
		path := filepath.Join(t.root, n.name+".words")
		if err := os.WriteFile(path, []byte(t.ledger.words[i]+"\n"), 0o600); err != nil {
			return err
		}
		c := api.NewClient(daemon.SocketPath(n.dir))
		if _, err := c.WalletRestore(ctx, t.ledger.words[i]); err != nil {
			return fmt.Errorf("wallet restore at %s: %w", n.name, err)
		}
		if bal, err := c.WalletBalance(ctx); err != nil || bal.Spendable != testnetCoins {
			return fmt.Errorf("wallet at %s holds %+v after restore (%v), want %d spendable", n.name, bal, err, testnetCoins)
		}
	}
	var names []string
	for i := range t.nodes {
		if t.ledger.validates(i) {
			names = append(names, t.nodes[i].name)
		}
	}
	fmt.Fprintf(t.e.stdout, "testnet: payments: validators %s (n = %d, quorum %d); every node's wallet holds %d demo coins (seed words in %s)\n",
		strings.Join(names, ", "), len(names), len(names)-(len(names)-1)/3, testnetCoins, filepath.Join(t.root, "nXX.words"))
	return nil
}
