package gossip

import "sync"

// maxReoffers is how many more copies of one record, each from another
// peer, are offered to the book after it had no room for the first: each
// source's records land in different buckets. Re-offered copies are not
// forwarded again, so a record no book can hold does not circulate.
const maxReoffers = 3

// maxRetryEntries bounds the retry set; when full it is cleared (a record
// then gets at most maxReoffers more tries, which is harmless).
const maxRetryEntries = 4096

// retrySet counts re-offers per record hash. Safe for concurrent use.
type retrySet struct {
	mu  sync.Mutex
	max int
	m   map[[32]byte]uint8
}

func newRetrySet(max int) *retrySet { return &retrySet{max: max, m: make(map[[32]byte]uint8)} }

func (r *retrySet) get(h [32]byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(r.m[h])
}

func (r *retrySet) bump(h [32]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.m) >= r.max {
		clear(r.m)
	}
	r.m[h]++
}
