package tornet

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	logTailLines = 15              // lines of a tor's log quoted in a StartError
	stopGrace    = 5 * time.Second // SIGTERM -> SIGKILL
	killWait     = 5 * time.Second // SIGKILL -> give up waiting
)

// mallocTunable fixes glibc's mmap threshold at its initial 128 KiB.
// Otherwise glibc raises it after tor frees its large compression buffers
// (consensus documents are compressed in worker threads), later big
// allocations stay on the heap, and each tor of the network settles at
// ~70 MiB resident instead of ~14 MiB. Ignored by other C libraries.
const mallocTunable = "glibc.malloc.mmap_threshold=131072"

// MallocEnv returns env (KEY=value entries, e.g. os.Environ()) with the
// glibc tunable that keeps a tor process small (~14 MiB instead of ~70 MiB
// RSS for a relay here) added to GLIBC_TUNABLES, keeping any tunables
// already set. Start uses it for the network's tors; callers launching
// clients may use it too.
func MallocEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	merged := false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GLIBC_TUNABLES="); ok && !merged {
			if v != "" {
				v += ":"
			}
			kv, merged = "GLIBC_TUNABLES="+v+mallocTunable, true
		}
		out = append(out, kv)
	}
	if !merged {
		out = append(out, "GLIBC_TUNABLES="+mallocTunable)
	}
	return out
}

// torProc is one tor of the network. Its fields are set before the process
// starts and never change afterwards, except cmd/logFile (set by launch, on
// the goroutine running Start) and waitErr (written before done is closed).
type torProc struct {
	name        string
	authority   bool
	dir         string // DataDirectory
	orPort      int
	dirPort     int
	ctlPort     int
	fingerprint string // relay identity, 40 hex digits
	v3ident     string // authorities only

	cmd     *exec.Cmd
	logFile *os.File
	logw    *logWriter
	done    chan struct{} // closed when the process has been waited for
	waitErr error
}

func (t *torProc) torrcPath() string { return filepath.Join(t.dir, "torrc") }
func (t *torProc) logPath() string   { return filepath.Join(t.dir, "tor.log") }

// launch starts t's tor process. A goroutine waits for it, closes t.done
// and reports t on exited (buffered, one slot per tor).
func (t *torProc) launch(torPath string, log *slog.Logger, exited chan<- *torProc) error {
	f, err := os.OpenFile(t.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("tornet: opening log: %w", err)
	}
	t.logFile = f
	t.logw = &logWriter{file: f, log: log.With("tor", t.name)}
	cmd := exec.Command(torPath, "--defaults-torrc", os.DevNull, "-f", t.torrcPath())
	cmd.Dir = t.dir
	cmd.Env = MallocEnv(cmd.Environ())
	cmd.Stdout, cmd.Stderr = t.logw, t.logw
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		t.logFile = nil
		return fmt.Errorf("tornet: starting tor: %w", err)
	}
	t.cmd = cmd
	t.done = make(chan struct{})
	go func() {
		t.waitErr = cmd.Wait()
		close(t.done)
		exited <- t
	}()
	return nil
}

func (t *torProc) started() bool { return t.cmd != nil }

func (t *torProc) exited() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// exitError describes t's exit during start.
func (t *torProc) exitError() *StartError {
	detail := "exited"
	if t.waitErr != nil {
		detail = t.waitErr.Error()
	} else if ps := t.cmd.ProcessState; ps != nil {
		detail = ps.String()
	}
	return t.startError(ErrExited, detail)
}

func (t *torProc) startError(err error, detail string) *StartError {
	e := &StartError{Tor: t.name, Err: err, Detail: detail, LogPath: t.logPath()}
	if t.logw != nil {
		e.LogTail = t.logw.tail()
	}
	return e
}

// stopAll stops every started tor: SIGTERM, up to stopGrace for all of them
// to exit, then SIGKILL. It returns once every process has been waited for
// (or killWait after SIGKILL, then with an error).
func stopAll(tors []*torProc, log *slog.Logger) error {
	for _, t := range tors {
		if t.started() && !t.exited() {
			_ = terminate(t.cmd.Process)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	var killed []*torProc
	for _, t := range tors {
		if !t.started() {
			continue
		}
		select {
		case <-t.done:
		case <-ctx.Done():
			log.Info("tornet: tor still running after SIGTERM and the grace period; sending SIGKILL",
				"tor", t.name, "grace", stopGrace)
			_ = t.cmd.Process.Kill()
			killed = append(killed, t)
		}
	}
	return waitKilled(killed)
}

func waitKilled(killed []*torProc) error {
	ctx, cancel := context.WithTimeout(context.Background(), killWait)
	defer cancel()
	for _, t := range killed {
		select {
		case <-t.done:
		case <-ctx.Done():
			return fmt.Errorf("tornet: tor %s did not exit after SIGKILL", t.name)
		}
	}
	return nil
}

// closeLogs closes the log files of all tors whose processes are gone.
func closeLogs(tors []*torProc) {
	for _, t := range tors {
		if t.logFile != nil && (t.done == nil || t.exited()) {
			t.logFile.Close()
		}
	}
}

// logWriter receives a tor's stdout and stderr (exec guarantees one writer
// goroutine, as both are the same *logWriter), appends it to the log file,
// logs complete lines at Debug and keeps the last lines for errors.
type logWriter struct {
	file *os.File
	log  *slog.Logger

	mu      sync.Mutex
	partial []byte
	last    []string
}

func (w *logWriter) Write(p []byte) (int, error) {
	_, _ = w.file.Write(p) // a full disk must not block or kill tor
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.addLineLocked(string(bytes.TrimRight(w.partial[:i], "\r")))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 64<<10 { // no newline for 64 KiB: flush it as a line
		w.addLineLocked(string(w.partial))
		w.partial = nil
	}
	return len(p), nil
}

func (w *logWriter) addLineLocked(line string) {
	w.log.Debug(line)
	if len(w.last) == logTailLines {
		copy(w.last, w.last[1:])
		w.last = w.last[:logTailLines-1]
	}
	w.last = append(w.last, line)
}

func (w *logWriter) tail() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.last...)
}
