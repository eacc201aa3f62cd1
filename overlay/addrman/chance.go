package addrman

import (
	"math"
	"time"
)

// Bitcoin Core's constants (addrman.h), minus the "not seen in 30 days"
// rule: record expiry (at most a week) takes its place.
const (
	recentTry      = int64(time.Minute)        // tried this recently: never terrible (unless expired)
	retries        = 3                         // failures with no success ever: terrible
	maxFailures    = 10                        // failures ...
	minFailSpan    = int64(7 * 24 * time.Hour) // ... with no success for this long: terrible
	chanceCooldown = int64(10 * time.Minute)   // tried this recently: chance × 0.01
	chanceDecay    = 0.66                      // chance × 0.66 per failed attempt ...
	chanceMaxFails = 8                         // ... counting at most this many
)

// terrible reports whether e may be overwritten by a newcomer: its record
// has expired, or it keeps failing (Bitcoin Core's IsTerrible).
func terrible(e *entry, now int64) bool {
	switch {
	case expired(e, now):
		return true
	case e.lastTry != 0 && now-e.lastTry < recentTry:
		return false
	case e.lastSuccess == 0 && e.attempts >= retries:
		return true
	case e.lastSuccess != 0 && now-e.lastSuccess > minFailSpan && e.attempts >= maxFailures:
		return true
	}
	return false
}

// chance is the relative probability that Select takes e once found
// (Bitcoin Core's GetChance): lower after recent and repeated failures.
func chance(e *entry, now int64) float64 {
	c := 1.0
	if e.lastTry != 0 && now-e.lastTry < chanceCooldown {
		c *= 0.01
	}
	return c * math.Pow(chanceDecay, float64(min(e.attempts, chanceMaxFails)))
}
