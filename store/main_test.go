package store

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine (such as database/sql's
// connection opener of an unclosed DB) outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
