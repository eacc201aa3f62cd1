package genesis

import (
	"bytes"
	"slices"
	"strconv"
	"time"

	"github.com/warrennet/warren/overlay/identity"
	"github.com/warrennet/warren/overlay/record"
)

// Reasons shared by the validators and both decoders.
const (
	reasonWeakEd25519 = "small-order or non-canonical ed25519 key"
	reasonWeakX25519  = "small-order or non-canonical X25519 key"
	reasonDuplicate   = "duplicate"
	reasonOrder       = "not in canonical order"
)

var (
	reasonPeerCount      = "more than " + strconv.Itoa(MaxBootstrap) + " peers"
	reasonValidatorCount = "more than " + strconv.Itoa(MaxValidators) + " validators"
	reasonAddrCount      = "need 1 to " + strconv.Itoa(record.MaxAddrs) + " addresses"
)

// canonical validates g and returns a deep copy in canonical order. Errors
// name g's own indexes, so they point at what the caller wrote.
func (g *Genesis) canonical() (*Genesis, error) {
	if err := checkName("name", g.Name, MaxNameLen); err != nil {
		return nil, err
	}
	if err := checkCreated(g.Created); err != nil {
		return nil, err
	}
	peers, err := canonicalPeers(g.Bootstrap)
	if err != nil {
		return nil, err
	}
	vals, err := canonicalValidators(g.Validators)
	if err != nil {
		return nil, err
	}
	if len(g.Ledger) > MaxLedgerSize {
		return nil, invalid("ledger", "longer than "+strconv.Itoa(MaxLedgerSize)+" bytes")
	}
	c := &Genesis{Name: g.Name, Bootstrap: peers, Validators: vals}
	if len(g.Ledger) > 0 {
		c.Ledger = bytes.Clone(g.Ledger)
	}
	if !g.Created.IsZero() {
		c.Created = time.Unix(g.Created.Unix(), 0).UTC()
	}
	return c, nil
}

// checkName checks a name of 1..max bytes of printable ASCII with no space
// at either end (limit is the largest length).
func checkName(field, s string, limit int) error {
	switch {
	case s == "":
		return invalid(field, "empty")
	case len(s) > limit:
		return invalid(field, "longer than "+strconv.Itoa(limit)+" bytes")
	case s[0] == ' ' || s[len(s)-1] == ' ':
		return invalid(field, "space at the start or end")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return invalid(field, "not printable ASCII")
		}
	}
	return nil
}

func checkCreated(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Nanosecond() != 0 {
		return invalid("created", "not a whole number of seconds")
	}
	if s := t.Unix(); s < 1 || s > maxCreated {
		return invalid("created", "out of range (after 1970-01-01T00:00:00Z, up to 9999-12-31T23:59:59Z)")
	}
	return nil
}

func canonicalPeers(ps []Peer) ([]Peer, error) {
	if len(ps) > MaxBootstrap {
		return nil, invalid("bootstrap", reasonPeerCount)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	out := make([]Peer, len(ps))
	for i, p := range ps {
		addrs, err := p.canonicalAddrs(i)
		if err != nil {
			return nil, err
		}
		out[i] = Peer{NodeID: p.NodeID, LinkKey: p.LinkKey, Addrs: addrs}
	}
	order, dup := sortedOrder(out, comparePeer)
	if dup >= 0 {
		return nil, invalid(index("bootstrap", dup, "node"), reasonDuplicate)
	}
	return permute(out, order), nil
}

// canonicalAddrs checks p (the i-th peer) and returns its addresses sorted.
func (p *Peer) canonicalAddrs(i int) ([]record.Addr, error) {
	if !p.NodeID.Valid() {
		return nil, invalid(index("bootstrap", i, "node"), reasonWeakEd25519)
	}
	if !validLinkKey(p.LinkKey) {
		return nil, invalid(index("bootstrap", i, "link_key"), reasonWeakX25519)
	}
	if len(p.Addrs) < 1 || len(p.Addrs) > record.MaxAddrs {
		return nil, invalid(index("bootstrap", i, "addrs"), reasonAddrCount)
	}
	for j, a := range p.Addrs {
		if reason := checkAddr(a, p.NodeID); reason != "" {
			return nil, invalid(addrField(i, j), reason)
		}
	}
	order, dup := sortedOrder(p.Addrs, compareAddr)
	if dup >= 0 {
		return nil, invalid(addrField(i, dup), reasonDuplicate)
	}
	return permute(p.Addrs, order), nil
}

// checkAddr returns what is wrong with a as an address of node, or "".
func checkAddr(a record.Addr, node identity.NodeID) string {
	switch a.Kind() {
	case record.AddrOnion:
		if id, _ := a.Onion(); id != node {
			return "onion address is not the peer's own"
		}
	case record.AddrIPv4, record.AddrIPv6:
	default:
		return "not an address"
	}
	if a.Port() == 0 {
		return "port 0"
	}
	return ""
}

func canonicalValidators(vs []Validator) ([]Validator, error) {
	if len(vs) > MaxValidators {
		return nil, invalid("validators", reasonValidatorCount)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	for i, v := range vs {
		if !identity.ValidNodeKey(v.Key) {
			return nil, invalid(index("validators", i, "key"), reasonWeakEd25519)
		}
		if !v.NodeID.Valid() {
			return nil, invalid(index("validators", i, "node"), reasonWeakEd25519)
		}
		if err := checkName(index("validators", i, "name"), v.Name, MaxValidatorNameLen); err != nil {
			return nil, err
		}
	}
	if _, dup := sortedOrder(vs, compareValidatorName); dup >= 0 {
		return nil, invalid(index("validators", dup, "name"), reasonDuplicate)
	}
	if _, dup := sortedOrder(vs, compareValidatorNode); dup >= 0 {
		return nil, invalid(index("validators", dup, "node"), reasonDuplicate)
	}
	order, dup := sortedOrder(vs, compareValidator)
	if dup >= 0 {
		return nil, invalid(index("validators", dup, "key"), reasonDuplicate)
	}
	return permute(vs, order), nil
}

func comparePeer(x, y Peer) int { return bytes.Compare(x.NodeID[:], y.NodeID[:]) }

func compareValidator(x, y Validator) int { return bytes.Compare(x.Key[:], y.Key[:]) }

func compareValidatorNode(x, y Validator) int { return bytes.Compare(x.NodeID[:], y.NodeID[:]) }

func compareValidatorName(x, y Validator) int {
	switch {
	case x.Name < y.Name:
		return -1
	case x.Name > y.Name:
		return 1
	}
	return 0
}

// sortedOrder returns the indexes of s in ascending order by cmp and, if
// two elements compare equal, the larger index of such a pair (else -1).
func sortedOrder[T any](s []T, cmp func(x, y T) int) (order []int, dup int) {
	order = make([]int, len(s))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp(s[i], s[j]) })
	for k := 1; k < len(order); k++ {
		if cmp(s[order[k-1]], s[order[k]]) == 0 {
			return nil, max(order[k-1], order[k])
		}
	}
	return order, -1
}

// permute returns a new slice holding s in the given order.
func permute[T any](s []T, order []int) []T {
	out := make([]T, len(order))
	for k, i := range order {
		out[k] = s[i]
	}
	return out
}

// index names field of the i-th element of list: "list[i].field".
func index(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}

func addrField(peer, j int) string {
	return index("bootstrap", peer, "addrs") + "[" + strconv.Itoa(j) + "]"
}
