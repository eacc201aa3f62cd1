package tor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process-handling constants.
const (
	// stopGrace is how long a tor gets to exit after SIGTERM (a client tor
	// exits at once on SIGTERM) before it is SIGKILLed.
	stopGrace = 5 * time.Second
	// killWait bounds the wait after SIGKILL.
	killWait = 5 * time.Second
	// pipeWait bounds how long Wait waits for tor's stdout/stderr to drain.
	pipeWait = 2 * time.Second
	// maxLogLine: longer tor log lines are cut (tor's are < 1 KiB).
	maxLogLine = 4096
)

// process is one tor process we started. It owns one goroutine, which
// waits for the process and closes done; stop ends it.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // Wait's result; read only after done is closed
	once sync.Once
}

// startProcess starts path with args, tor's stdout and stderr going line by
// line to log at Debug (tor's log lines can hold addresses). The process is
// not tied to any context: it lives until stop.
func startProcess(path string, args []string, log *slog.Logger) (*process, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdout = &lineLogger{log: log, stream: "stdout"}
	cmd.Stderr = &lineLogger{log: log, stream: "stderr"}
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = pipeWait
	cmd.Env = []string{} // tor needs no environment; pass none of ours
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go p.wait()
	return p, nil
}

func (p *process) wait() {
	p.err = p.cmd.Wait()
	close(p.done)
}

// pid returns the process ID.
func (p *process) pid() int { return p.cmd.Process.Pid }

// alive reports whether the process has not exited yet.
func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM, waits up to stopGrace, then SIGKILLs and waits up to
// killWait. It is idempotent and safe for concurrent use.
func (p *process) stop() error {
	var err error
	p.once.Do(func() { err = p.terminate() })
	return err
}

func (p *process) terminate() error {
	if !p.alive() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if waitClosed(p.done, stopGrace) {
		return nil
	}
	_ = p.cmd.Process.Kill()
	if waitClosed(p.done, killWait) {
		return nil
	}
	return fmt.Errorf("tor: process did not exit after SIGKILL")
}

// waitClosed waits up to d for ch to be closed.
func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// exitError describes how the process ended, for error messages.
func (p *process) exitError() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	if p.err == nil {
		return ErrExited
	}
	return fmt.Errorf("%w (%v)", ErrExited, p.err)
}

// lineLogger is the io.Writer given to os/exec for tor's output: it splits
// it into lines and logs each at Debug. os/exec writes from one goroutine
// per stream; the mutex keeps it safe anyway.
type lineLogger struct {
	log    *slog.Logger
	stream string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			break
		}
		l.buf = append(l.buf, p[:i]...)
		l.emit(len(l.buf))
		p = p[i+1:]
	}
	for len(l.buf) >= maxLogLine { // a very long line is logged in pieces
		l.emit(maxLogLine)
	}
	return n, nil
}

// emit logs the first n buffered bytes (n <= maxLogLine or a whole line)
// and drops them from the buffer.
func (l *lineLogger) emit(n int) {
	for n > maxLogLine {
		l.emit(maxLogLine)
		n -= maxLogLine
	}
	line := strings.TrimRight(string(l.buf[:n]), "\r")
	l.buf = append(l.buf[:0], l.buf[n:]...)
	if line != "" {
		l.log.Debug("tor: "+line, "stream", l.stream)
	}
}

// waitForFile polls path until it exists and is non-empty, ctx ends or the
// process exits.
func waitForFile(ctx context.Context, path string, p *process) ([]byte, error) {
	const poll = 50 * time.Millisecond
	for {
		b, err := os.ReadFile(path)
		if err == nil && len(b) > 0 && bytes.HasSuffix(b, []byte("\n")) {
			return b, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", ErrStart, err)
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: no control port yet: %w", ErrStart, ctx.Err())
		case <-p.done:
			t.Stop()
			return nil, fmt.Errorf("%w: %w", ErrStart, p.exitError())
		case <-t.C:
		}
	}
}
