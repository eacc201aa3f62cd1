package mailbox

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (a
// handler, reader, committer, sweeper or database worker).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
