package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"

	"github.com/warrennet/warren/cmd/warren/internal/daemon"
	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/overlay/genesis"
	"github.com/warrennet/warren/overlay/identity"
)

// addPayments gives the local network g payments (the demo's, the
// testnet's, the benches'): the nodes validators[...] (indices into keys)
// become the committee, each with a vote key drawn here, named by name;
// the ledger genesis pays amounts[i] to a wallet drawn from fresh seed
// words. It returns the vote keys by node index (nil for the others) and
// the seed words by grant.
func addPayments(g *genesis.Genesis, keys []*identity.Keyring, validators []int, name func(int) string, amounts []uint64) ([]ed25519.PrivateKey, []string, error) {
	votes := make([]ed25519.PrivateKey, len(keys))
	for _, i := range validators {
		vk, err := daemon.NewVoteKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		votes[i] = vk
		g.Validators = append(g.Validators, genesis.Validator{Key: daemon.VotePublic(vk), NodeID: keys[i].NodeID(), Name: name(i)})
	}
	words := make([]string, len(amounts))
	grants := make([]daemon.Grant, len(amounts))
	for i, amount := range amounts {
		list, addr, err := daemon.NewSeedWords(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		words[i], grants[i] = strings.Join(list, " "), daemon.Grant{Address: addr, Amount: amount}
	}
	var err error
	g.Ledger, err = daemon.MakeLedgerGenesis(ledger.Params{MinFee: 1, Dust: 1}, grants, rand.Reader)
	return votes, words, err
}

// span is the indices from..to, inclusive.
func span(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}
