package wallet

import (
	"math"
	"slices"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
)

func coinsOf(amounts ...uint64) []*owned {
	var out []*owned
	for i, a := range amounts {
		out = append(out, &owned{OwnedCoin: OwnedCoin{Coin: ledger.Coin{ID: ledger.CoinID{byte(i), byte(i >> 8)}, Output: ledger.Output{Amount: a}}}})
	}
	return out
}

func amountsOf(cs []*owned) []uint64 {
	var a []uint64
	for _, c := range cs {
		a = append(a, c.Amount)
	}
	slices.Sort(a)
	return a
}

func TestSelectCoins(t *testing.T) {
	const dust = 10
	for _, tc := range []struct {
		name   string
		have   []uint64
		need   uint64
		want   []uint64
		change uint64
		err    error
	}{
		{"exact single, no change", []uint64{50, 100, 101, 500}, 101, []uint64{101}, 0, nil},
		{"smallest single with change >= dust", []uint64{50, 105, 120, 500}, 101, []uint64{120}, 19, nil},
		{"single with change exactly dust", []uint64{111, 500}, 101, []uint64{111}, 10, nil},
		{"fewest coins, largest first", []uint64{40, 30, 60, 5}, 90, []uint64{40, 60}, 10, nil},
		{"dust change: one more coin", []uint64{40, 30, 60, 5}, 95, []uint64{30, 40, 60}, 35, nil},
		{"all coins exactly", []uint64{40, 30, 60}, 130, []uint64{30, 40, 60}, 0, nil},
		{"insufficient", []uint64{40, 30, 60}, 131, nil, 0, ErrInsufficient},
		{"nothing", nil, 1, nil, 0, ErrInsufficient},
		{"only dust change possible", []uint64{105}, 100, nil, 0, ErrDustChange},
		{"dust change avoided by one more coin", []uint64{105, 20}, 100, []uint64{20, 105}, 25, nil},
		{"16 inputs exactly", rep(10, 16), 160, rep(10, 16), 0, nil},
		{"17 inputs needed", rep(10, 17), 170, nil, 0, ErrTooManyInputs},
		{"17 coins, 16 enough", rep(10, 17), 150, rep(10, 15), 0, nil},
		{"large amounts", []uint64{math.MaxUint64 - 10, 10}, math.MaxUint64, []uint64{10, math.MaxUint64 - 10}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, change, err := selectCoins(coinsOf(tc.have...), tc.need, dust)
			if tc.err != nil {
				wantErr(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := amountsOf(sel); !slices.Equal(got, tc.want) {
				t.Fatalf("selected %v, want %v", got, tc.want)
			}
			var sum uint64
			for _, c := range sel {
				sum += c.Amount
			}
			if sum-tc.need != change || (change != 0 && change < dust) {
				t.Fatalf("change %d for sum %d need %d", change, sum, tc.need)
			}
		})
	}
}

func rep(a uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = a
	}
	return out
}
