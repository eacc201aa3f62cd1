package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
)

// errHelpShown ends a command after its --help was printed.
var errHelpShown = errors.New("help shown")

// newFlags returns a flag set whose errors and help go to e.stderr.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		io.WriteString(w, "Usage: warren "+synopsis+"\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelpShown
		}
		return usageError{err.Error()}
	}
	return nil
}

// dirFlag adds --dir, defaulting to $WARREN_DIR or ~/.warren.
func dirFlag(e *env, fs *flag.FlagSet) *string {
	return fs.String("dir", defaultDir(e), "state directory (env WARREN_DIR)")
}

func defaultDir(e *env) string {
	if d := e.getenv("WARREN_DIR"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".warren")
	}
	return ".warren"
}

// noArgs rejects stray positional arguments.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError{"unexpected argument " + fs.Arg(0)}
	}
	return nil
}
