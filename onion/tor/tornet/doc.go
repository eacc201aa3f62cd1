// Package tornet runs a private Tor network on loopback: a few directory
// authorities and relays, started from the system tor binary, that tests,
// `warren testnet --tor` and the demo join as clients and onion-service
// hosts through ClientTorrc.
//
// It is for tests and demos only and must never be pointed at the real Tor
// network: every tor it starts sets TestingTorNetwork, trusts only the
// network's own authorities and listens on 127.0.0.1 only. Every relay is
// an exit (so exit circuits to loopback services work), but its exit
// connections leave from 127.0.0.1 (OutboundBindAddressExit), from which the
// kernel reaches no other host: the network can only reach this machine.
// The recipe and its measured figures are in the project's tornet.md.
//
// What it owns: key generation (tor-gencert, tor --list-fingerprint), the
// torrc and DataDirectory (mode 0700) of each of its tors under Config.Dir,
// their processes (started with os/exec in their own process group, stopped
// by PID: SIGTERM, then SIGKILL) and the readiness check through each
// relay's control port (cookie authentication, GETINFO ns/all; a tor still
// waiting for the consensus once one exists gets SIGNAL RELOAD, which makes
// it fetch at once instead of after its backoff). What it does not do: start
// clients or onion services (callers run their own tor with ClientTorrc,
// e.g. through bine in package onion/tor), reuse a previous network's
// directory, or touch anything outside Config.Dir.
//
// I/O: it runs processes, writes under Config.Dir, dials 127.0.0.1 control
// ports and reads /proc (RSS). tor's log lines go to Dir/<name>/tor.log and,
// at Debug, to Config.Logger.
//
// Concurrency: Start blocks until the network is ready or has failed; a
// Network's methods are safe for concurrent use and Close is idempotent.
// Each tor process has one goroutine that waits for it; Close (or a failed
// Start) waits for all of them.
package tornet
