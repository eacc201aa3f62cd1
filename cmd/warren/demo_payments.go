package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
)

// The demo's payments: nodes b, c, d and e are the validators (n = 4,
// f = 1, quorum 3: the committee the design tests, and the smallest that
// survives a validator down; node a, the payer's, is not one, so the
// validators never hold the payer's node). The wallets of users a and b
// are drawn before the genesis, which pays them demoGrants; their nodes
// restore them from the seed words once running.
var demoGrants = map[string]uint64{"a": 1000, "b": 500}

const (
	demoPayAmount    = 250
	demoSilentAmount = 50 // paid without telling b: b finds it by syncing
	demoValidatorsN  = 4
)

// demoLedger is what the payment part needs from the set-up.
type demoLedger struct {
	words      map[string]string // user → seed words
	validators map[int]bool      // node index → validates
}

// demoGenesis makes the demo's genesis: node keys for every node, vote
// keys for the validators (nodes 1..4), and, with 5 or more nodes, the
// ledger paying users a and b. With fewer nodes there are no payments
// (3-hop circuits between validators need more relays).
func demoGenesis(count int) (*genesis.Genesis, []*identity.Keyring, []ed25519.PrivateKey, *demoLedger, error) {
	g := &genesis.Genesis{Name: "warren-demo", Created: time.Now().Truncate(time.Second)}
	keys := make([]*identity.Keyring, count)
	votes := make([]ed25519.PrivateKey, count)
	for i := range keys {
		var err error
		if keys[i], err = identity.Generate(rand.Reader, time.Now()); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	if count < 5 {
		return g, keys, votes, nil, nil
	}
	votes, words, err := addPayments(g, keys, span(1, demoValidatorsN), nodeName, []uint64{demoGrants["a"], demoGrants["b"]})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	dl := &demoLedger{words: map[string]string{"a": words[0], "b": words[1]}, validators: map[int]bool{}}
	for i := range votes {
		dl.validators[i] = votes[i] != nil
	}
	return g, keys, votes, dl, nil
}

func nodeName(i int) string { return string(rune('a' + i)) }

// demoPayment: a's and b's wallets are restored from their words, a
// checks that a quorum of validators is reachable, pays b, and b applies
// the certificate.
func demoPayment(ctx context.Context, e *env, nodes []*demoNode, dl *demoLedger) error {
	if dl == nil {
		return nil
	}
	a, b := nodes[0], nodes[1]
	ca, cb := api.NewClient(daemon.SocketPath(a.dir)), api.NewClient(daemon.SocketPath(b.dir))
	fmt.Fprintf(e.stdout, "\n--- payments: validators b, c, d, e (n = 4, quorum 3); the genesis paid user a %d and user b %d to wallets drawn before it was written ---\n", demoGrants["a"], demoGrants["b"])
	for _, u := range []struct {
		n *demoNode
		c *api.Client
	}{{a, ca}, {b, cb}} {
		path := filepath.Join(filepath.Dir(u.n.dir), u.n.name+".words")
		if err := os.WriteFile(path, []byte(dl.words[u.n.name]+"\n"), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "$ warren wallet restore --dir %s < %s\n", u.n.dir, path)
		w, err := u.c.WalletRestore(ctx, dl.words[u.n.name])
		if err != nil {
			return fmt.Errorf("wallet restore at %s: %w", u.n.name, err)
		}
		fmt.Fprintf(e.stdout, "restored; address: %s\n", w.Address)
	}
	if err := demoWalletStatus(ctx, e, a, ca); err != nil {
		return err
	}
	to, err := cb.WalletAddress(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n$ warren wallet send --dir %s --notify b %s %d\n", a.dir, to.Address, demoPayAmount)
	p, err := ca.WalletSend(ctx, api.PayRequest{To: to.Address, Amount: demoPayAmount, Notify: "b"})
	if err != nil {
		return fmt.Errorf("wallet send: %w", err)
	}
	printPayment(e, p)
	if !p.Final {
		return fmt.Errorf("the payment did not become final: %s", p.Note)
	}
	fmt.Fprintf(e.stdout, "demo: payment final in %.1f ms (including its random pause of up to 1 s before sending); certificate signed by %d validators: %s\n", p.FinalityMS, len(p.Signers), strings.Join(p.Signers, ", "))
	if err := demoAwaitPayee(ctx, e, cb); err != nil {
		return err
	}
	if err := demoSilentPayment(ctx, e, a, b, ca, cb, to.Address); err != nil {
		return err
	}
	return demoBalances(ctx, e, []*demoNode{a, b}, []*api.Client{ca, cb})
}

// demoSilentPayment: a pays b again without telling b; b finds the
// payment by scanning the validators' certificate feeds.
func demoSilentPayment(ctx context.Context, e *env, a, b *demoNode, ca, cb *api.Client, to string) error {
	fmt.Fprintf(e.stdout, "\n$ warren wallet send --dir %s %s %d   # no --notify: b is not told\n", a.dir, to, demoSilentAmount)
	p, err := ca.WalletSend(ctx, api.PayRequest{To: to, Amount: demoSilentAmount})
	if err != nil {
		return fmt.Errorf("wallet send: %w", err)
	}
	printPayment(e, p)
	if !p.Final {
		return fmt.Errorf("the second payment did not become final: %s", p.Note)
	}
	fmt.Fprintf(e.stdout, "\n$ warren wallet sync --dir %s   # b scans the validators' certificate feeds with its view key\n", b.dir)
	start := time.Now()
	res, err := cb.WalletSync(ctx)
	if err != nil {
		return fmt.Errorf("wallet sync: %w", err)
	}
	printSync(e, res)
	if res.FoundAmount < demoSilentAmount {
		return fmt.Errorf("b's sync did not find the payment a did not tell it of")
	}
	fmt.Fprintf(e.stdout, "demo: b found the payment nobody told it of in the validators' feeds (sync took %.1f s)\n", time.Since(start).Seconds())
	return nil
}

// demoAwaitPayee waits until b's wallet has applied the certificate a sent
// it as an end-to-end message through b's mailboxes.
func demoAwaitPayee(ctx context.Context, e *env, cb *api.Client) error {
	start := time.Now()
	want := demoGrants["b"] + demoPayAmount // b's genesis coin and the payment
	err := waitFor(ctx, 3*time.Minute, "b's wallet to receive the certificate", func() (bool, error) {
		bal, err := cb.WalletBalance(ctx)
		return err == nil && bal.Spendable >= want, err
	})
	if err == nil {
		fmt.Fprintf(e.stdout, "demo: b's wallet applied the certificate a sent it end to end through b's mailboxes (%.1f s after the payment was final)\n", time.Since(start).Seconds())
	}
	return err
}

func demoWalletStatus(ctx context.Context, e *env, a *demoNode, ca *api.Client) error {
	fmt.Fprintf(e.stdout, "\n$ warren wallet status --dir %s\n", a.dir)
	st, err := ca.WalletStatus(ctx)
	if err != nil {
		return fmt.Errorf("wallet status: %w", err)
	}
	fmt.Fprintf(e.stdout, "%d of %d validators reachable through circuits, quorum %d\n", st.Reachable, len(st.Validators), st.Quorum)
	if !st.OK {
		return fmt.Errorf("no quorum of validators reachable from node a")
	}
	return nil
}

func demoBalances(ctx context.Context, e *env, nodes []*demoNode, cs []*api.Client) error {
	for i, n := range nodes {
		fmt.Fprintf(e.stdout, "\n$ warren wallet balance --dir %s   # user %s\n", n.dir, n.name)
		bal, err := cs[i].WalletBalance(ctx)
		if err != nil {
			return err
		}
		printBalance(e, bal)
	}
	return nil
}
