package main

import (
	"context"
	"os"
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
		Setup: func(env *testscript.Env) error {
			// Unix socket paths must stay under 108 bytes.
			env.Setenv("WARREN_DIR", env.WorkDir+"/n")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitdaemon": waitDaemon,
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
