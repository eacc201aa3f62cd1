package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/warrennet/warren/cmd/warren/internal/api"
	"github.com/warrennet/warren/cmd/warren/internal/daemon"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"warren": func() {
			e := &env{args: os.Args[1:], stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
			os.Exit(runMain(e))
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script: what a user types and
// what they see on stdout and stderr, with the exit codes.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Condition: func(cond string) (bool, error) {
			if cond != "tor" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			// In CI tor is installed by .ci/run: a missing tor fails the
			// script there instead of skipping it.
			if _, err := exec.LookPath("tor"); err != nil {
				if os.Getenv("CI") == "true" {
					return false, fmt.Errorf("tor is not installed and CI=true: %v", err)
				}
				return false, nil
			}
			return true, nil
		},
		Setup: func(env *testscript.Env) error {
			// Unix socket paths must stay under 108 bytes.
			env.Setenv("WARREN_DIR", env.WorkDir+"/n")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitdaemon": waitDaemon,
			"exitcode":   exitCodeCmd,
		},
	})
}

// waitDaemon waits up to 30 s for the daemon of $WARREN_DIR to answer.
func waitDaemon(ts *testscript.TestScript, neg bool, _ []string) {
	if neg {
		ts.Fatalf("unsupported: ! waitdaemon")
	}
	c := api.NewClient(daemon.SocketPath(ts.Getenv("WARREN_DIR")))
	err := waitFor(context.Background(), 30*time.Second, "the daemon", func() (bool, error) {
		_, err := c.Status(context.Background())
		return err == nil, nil
	})
	ts.Check(err)
}

// exitCodeCmd runs `exitcode N prog args...`: prog must exit with code N.
// stdout and stderr are kept for the next stdout/stderr checks.
func exitCodeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}
