package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/warrennet/warren/onion/tor/tornet"
)

// demoNetTimeout bounds the private Tor network's start.
const demoNetTimeout = 2 * time.Minute

// demoTransport prepares the nodes' transport: for onion, a private Tor
// network on loopback whose torrc lines every node's tor gets. It returns
// the extra `warren run` arguments and a function that stops the network.
func demoTransport(ctx context.Context, e *env, who, root, transport string, count int) ([]string, func(), error) {
	if transport == "tcp" {
		fmt.Fprintf(e.stdout, "%s: %d nodes on loopback TCP, state under %s\n", who, count, root)
		return []string{"--transport", "tcp"}, func() {}, nil
	}
	if _, err := exec.LookPath("tor"); err != nil {
		return nil, func() {}, fmt.Errorf("the demo needs tor 0.4.9 or newer and tor-gencert: install the Debian package 'tor' (apt-get install tor), or run 'warren demo --transport tcp'")
	}
	fmt.Fprintf(e.stdout, "%s: %d nodes as Tor onion services on a private Tor network on loopback, state under %s\n", who, count, root)
	bar := newProgressBar(e.stderr, "tor network")
	net, err := tornet.Start(ctx, tornet.Config{
		Dir: filepath.Join(root, "tornet"), StartTimeout: demoNetTimeout,
		Progress: func(p tornet.Progress) { bar.Update(p.Done, p.Total, p.Phase) },
	})
	bar.Done()
	if err != nil {
		return nil, func() {}, fmt.Errorf("private Tor network: %w", err)
	}
	stop := func() {
		if err := net.Close(); err != nil {
			fmt.Fprintf(e.stderr, "%s: stopping the Tor network: %v\n", who, err)
		}
	}
	fmt.Fprintf(e.stdout, "%s: private Tor network (%d tor processes) has a consensus after %s\n", who, len(net.PIDs()), net.StartupTime().Round(100*time.Millisecond))
	torrc := filepath.Join(root, "tornet.torrc")
	if err := os.WriteFile(torrc, []byte(strings.Join(net.ClientTorrc(), "\n")+"\n"), 0o600); err != nil {
		stop()
		return nil, func() {}, err
	}
	return []string{"--transport", "onion", "--tor-torrc", torrc}, stop, nil
}
