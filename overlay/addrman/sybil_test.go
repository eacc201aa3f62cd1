package addrman

import (
	"testing"

	"github.com/warrennet/warren/overlay/identity"
)

const floodSize = 10_000

// TestSybilFlood is R17: one source announcing 10,000 distinct valid
// records holds at most its bucket cap, evicts no honest entry, and gets a
// share of new-table picks near its share of non-empty buckets.
func TestSybilFlood(t *testing.T) {
	c := newClock()
	b := newBook(t, testConfig(c, 17))
	const honest = 300
	for i := range honest { // 300 honest nodes from 30 honest sources
		add(t, b, i, nodeID(floodSize+1000+i%30))
	}
	for i := 0; i < honest; i += 10 { // some of them reached
		b.Good(nodeID(i))
	}
	kept := honestPresent(b, honest)
	newBefore, triedBefore := b.Len()

	attacker := nodeID(floodSize + 999)
	results := map[AddResult]int{}
	for i := honest; i < honest+floodSize; i++ {
		results[add(t, b, i, attacker)]++
	}
	held := b.SourceCount(attacker)
	t.Logf("flood of %d: %v; attacker holds %d (cap %d); honest kept %d/%d",
		floodSize, results, held, b.BucketCap(), honestPresent(b, honest), kept)
	if held > b.BucketCap() || held != results[AddNew] {
		t.Fatalf("attacker holds %d entries (%d added), cap %d", held, results[AddNew], b.BucketCap())
	}
	if held < b.BucketCap()/2 {
		t.Errorf("attacker holds only %d: the flood did not fill its buckets", held)
	}
	if got := honestPresent(b, honest); got != kept {
		t.Fatalf("honest entries %d after the flood, %d before", got, kept)
	}
	newAfter, triedAfter := b.Len()
	if triedAfter != triedBefore || newAfter != newBefore+held {
		t.Errorf("Len %d,%d -> %d,%d with %d attacker entries", newBefore, triedBefore, newAfter, triedAfter, held)
	}
	checkAttackerBuckets(t, b, attacker)
	checkSelectShare(t, b, attacker)
	checkInvariants(t, b)
}

func honestPresent(b *Book, n int) int {
	k := 0
	for i := range n {
		if _, ok := b.Get(nodeID(i)); ok {
			k++
		}
	}
	return k
}

func checkAttackerBuckets(t *testing.T, b *Book, attacker identity.NodeID) {
	t.Helper()
	buckets := map[int]bool{}
	for _, in := range b.List() {
		if in.Source == attacker {
			buckets[int(entryOf(b, in.NodeID).pos)/DefaultBucketSize] = true
		}
	}
	if len(buckets) > DefaultSourceBuckets {
		t.Errorf("attacker spread over %d buckets, cap %d", len(buckets), DefaultSourceBuckets)
	}
}

// checkSelectShare: the attacker holds most new-table entries but few of
// its non-empty buckets, and Select picks by bucket.
func checkSelectShare(t *testing.T, b *Book, attacker identity.NodeID) {
	t.Helper()
	newN, _ := b.Len()
	picks, hits := 2000, 0
	for range picks {
		r, ok := b.Select(true, nil)
		if !ok {
			t.Fatal("Select found nothing")
		}
		if e := entryOf(b, r.NodeID); e.source == attacker {
			hits++
		}
	}
	entryShare := float64(b.SourceCount(attacker)) / float64(newN)
	pickShare := float64(hits) / float64(picks)
	t.Logf("attacker: %.0f%% of new entries, %.1f%% of new-table picks", 100*entryShare, 100*pickShare)
	if pickShare > 0.25 {
		t.Errorf("attacker got %.1f%% of picks", 100*pickShare)
	}
}
