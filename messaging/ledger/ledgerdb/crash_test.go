package ledgerdb_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/warrennet/warren/messaging/ledger"
	"github.com/warrennet/warren/store"
)

// The two orders every crash test races: both spend genesis coin 0.
func crashOrders(f *fixture) (a, b *ledger.SignedOrder) {
	return f.order([]int{0}, 1, 0, 999), f.order([]int{0}, 1, 100, 500, 499)
}

// afterRestart checks what a restarted validator must do: the identical
// vote for a (the one its lock promised), a refusal of b carrying a.
func afterRestart(t *testing.T, f *fixture, a, b *ledger.SignedOrder) {
	t.Helper()
	vote, rf, err := f.v.HandleOrder(a)
	if err != nil || rf != nil {
		t.Fatalf("the locked order after restart: refusal %v, %v", rf != nil, err)
	}
	if want := ledger.SignVote(net, a.Digest(net), 0, key("validator", 0)); !bytes.Equal(vote.Marshal(), want.Marshal()) {
		t.Fatal("the vote after restart differs from the vote for the locked order")
	}
	vote, rf, err = f.v.HandleOrder(b)
	if vote != nil || rf == nil || err != nil {
		t.Fatalf("conflicting order after restart: vote %v, %v", vote != nil, err)
	}
	wantEv, _ := a.Marshal()
	gotEv, _ := rf.First.Marshal()
	if !bytes.Equal(gotEv, wantEv) || rf.Input != f.genesis[0].ID {
		t.Fatal("the refusal's evidence is not the locked order")
	}
	if err := rf.VerifyEvidence(net, f.genesis[0].Owner); err != nil {
		t.Fatal(err)
	}
}

// crashStore commits LockAndRecord, then fails as if the process died
// before the vote was signed.
type crashStore struct{ ledger.Storage }

func (c crashStore) LockAndRecord(d ledger.Digest, so *ledger.SignedOrder) error {
	if err := c.Storage.LockAndRecord(d, so); err != nil {
		return err
	}
	return errors.New("crash after commit")
}

// TestCrashAfterLockBeforeReplyReopen: the lock commits, the validator
// signs nothing, the database is closed and reopened.
func TestCrashAfterLockBeforeReplyReopen(t *testing.T) {
	f := newFixture(t, 2)
	a, b := crashOrders(f)
	if v, _, err := f.validator(crashStore{f.st}, 0).HandleOrder(a); err == nil || v != nil {
		t.Fatal("the crashing validator returned a vote")
	}
	f.reopen()
	afterRestart(t, f, a, b)
}

const crashEnv = "LEDGERDB_CRASH_DIR"

// TestCrashAfterLockBeforeReplySIGKILL: a child process locks a for real
// and is SIGKILLed before it could sign or close the database (its WAL
// is left behind, uncheckpointed); the restarted validator keeps the
// lock's promise.
func TestCrashAfterLockBeforeReplySIGKILL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName+"-wal")); err != nil {
		t.Fatalf("no WAL left behind: the child did not crash mid-life: %v", err)
	}
	f := newFixtureAt(t, dir, 2, 1000)
	a, b := crashOrders(f)
	afterRestart(t, f, a, b)
}

// TestCrashChild is the child of the SIGKILL test; it does nothing in a
// normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("child process of TestCrashAfterLockBeforeReplySIGKILL")
	}
	f := newFixtureAt(t, dir, 2, 1000)
	a, _ := crashOrders(f)
	if err := f.st.LockAndRecord(a.Digest(net), a); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}
