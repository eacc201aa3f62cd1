// Package tor is Warren's Tor transport, the only importer of
// github.com/cretz/bine.
//
// # What it owns
//
//   - Starting the system tor with our own DataDir and torrc ([Launch]) or
//     attaching to a running tor's control port ([Attach]); the version
//     guard ([CheckVersion]: tor older than [MinVersion], 0.4.9, is refused
//     with a [*VersionError] saying why) and tor's own verdict on its
//     version (status/version/current) in [Status].
//   - Bootstrap progress ([Tor.Bootstrap], [ParseBootstrapPhase]).
//   - The node's v3 onion service, published from its ed25519 node key so
//     the address is identity.NodeID(pub).Onion() at every start, with
//     tor's proof-of-work defence on ([Tor.Listen], [PoWConfig]), handed
//     up as a net.Listener.
//   - A context-aware .onion dialer through tor's SOCKS port with stream
//     isolation per purpose ([Tor.Dial]); the SOCKS5 client codec
//     (socks.go) is pure and fuzzed.
//   - The reachability watchdog ([Tor.StartWatchdog]): it dials our own
//     address on an isolated circuit, re-publishes the service, restarts a
//     launched tor, and reports what it did in [Status]. Its decision logic
//     is the pure [Machine].
//
// # What it does not do
//
// It does not speak Warren's link protocol (the caller runs overlay/link
// over the conns), pick peers, or reach the clear internet (Dial takes
// only .onion addresses). It never modifies a tor it attached to beyond
// adding and removing our own onion services. The private test network
// lives in the subpackage tornet.
//
// # What it uses of bine, and why not more
//
// bine's control package speaks the control protocol (PROTOCOLINFO, reply
// parsing) and its torutil/ed25519 expands the node key into the form
// ADD_ONION takes. The rest of bine is avoided on purpose: tor.Start ties
// tor's life to the start context, gives up on the control port after
// 2 s, and its Close reports errors after a 300 ms wait; its event loop
// (EventWait, Listen's wait for the upload) leaves goroutines behind and
// cannot be bounded; its EnableNetwork swallows errors; its Dialer hides
// SOCKS reply codes; its Listen cannot pass the PoW keywords. So this
// package runs the tor process itself (os/exec, stop by PID: SIGTERM then
// SIGKILL), sends ADD_ONION itself, reads HS_DESC events synchronously on
// a short-lived second connection, and has its own SOCKS5 client.
//
// # I/O and concurrency
//
// Launch runs a tor process; everything else talks to tor's control and
// SOCKS ports on loopback. Every wait has a deadline: from the caller's
// context, or a documented default when it has none (DefaultStartTimeout,
// DefaultDialTimeout, DefaultPublishTimeout, defaultControlTimeout).
// A *Tor and a *Listener are safe for concurrent use. A Tor owns the
// goroutine that waits for its tor process and the watchdog goroutine;
// Close stops both, in the order written on [Tor]. Errors never hold
// addresses, keys or paths; tor's own log lines go to the injected
// slog.Logger at Debug only.
package tor
