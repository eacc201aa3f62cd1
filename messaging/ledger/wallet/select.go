package wallet

import (
	"cmp"
	"slices"

	"github.com/warrennet/warren/messaging/ledger"
)

// selectCoins chooses the inputs of a payment needing need = amount + fee,
// where any change must be at least dust (≥ 1).
//
// Policy (privacy first: every input spent together links those coins in
// the validators' view, and change reveals how much was left):
//  1. one coin if any can pay: the exact amount if some coin has it (no
//     change output at all), else the smallest coin leaving change ≥ dust;
//  2. otherwise the fewest coins: largest first until the sum covers need
//     with change 0 or ≥ dust. Taking the k largest maximises the sum of
//     any k coins, so if 16 are not enough no selection of ≤ 16 is
//     (ErrTooManyInputs, distinct from ErrInsufficient: consolidate by
//     paying yourself first).
//
// Ties are broken by coin ID, so the choice is deterministic.
func selectCoins(avail []*owned, need, dust uint64) ([]*owned, uint64, error) {
	dust = max(dust, 1)
	var total uint64
	for _, c := range avail {
		total += c.Amount // the total supply fits a uint64
	}
	if total < need {
		return nil, 0, ErrInsufficient
	}
	sorted := slices.Clone(avail)
	slices.SortFunc(sorted, func(a, b *owned) int {
		return cmp.Or(cmp.Compare(a.Amount, b.Amount), slices.Compare(a.ID[:], b.ID[:]))
	})
	if c := single(sorted, need, dust); c != nil {
		return []*owned{c}, c.Amount - need, nil
	}
	return largestFirst(sorted, need, dust)
}

// single returns the exact coin, else the smallest one with valid change
// (sorted ascending), else nil.
func single(sorted []*owned, need, dust uint64) *owned {
	i, found := slices.BinarySearchFunc(sorted, need, func(c *owned, v uint64) int { return cmp.Compare(c.Amount, v) })
	if found {
		return sorted[i]
	}
	for _, c := range sorted[i:] {
		if c.Amount-need >= dust {
			return c
		}
	}
	return nil
}

// largestFirst takes coins from the largest down (sorted ascending).
func largestFirst(sorted []*owned, need, dust uint64) ([]*owned, uint64, error) {
	var sel []*owned
	var sum uint64
	for i := len(sorted) - 1; i >= 0; i-- {
		sel = append(sel, sorted[i])
		sum += sorted[i].Amount
		if sum == need || (sum > need && sum-need >= dust) {
			if len(sel) > ledger.MaxInputs {
				return nil, 0, ErrTooManyInputs
			}
			return sel, sum - need, nil
		}
	}
	if sum > need {
		return nil, 0, ErrDustChange
	}
	return nil, 0, ErrInsufficient
}
