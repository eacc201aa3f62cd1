// Package torbench measures tor's own 3-hop circuits on this machine, the
// peer figures `warren bench circuits` prints next to Warren's: how long
// tor takes to build a 3-hop circuit, and how fast one carries a bulk
// transfer. [Measure] does one whole run: it starts a private Tor network
// on loopback, measures, and stops everything.
//
// # Method
//
// Network. [tornet.Start] with 1 directory authority and 3 relays, all of
// them exits limited to this machine: the smallest network tornet accepts
// and the smallest tornet.md found reliable. One client tor joins it,
// launched by onion/tor's [tor.Launch] with the network's ClientTorrc
// (TestingTorNetwork, so ClientRejectInternalAddresses is 0 and the
// client may open streams to 127.0.0.1); it has a SOCKS port and a
// control port on 127.0.0.1 with cookie authentication. Measuring starts
// once the client has bootstrapped (100 %) and its consensus lists all 4
// relays Running with their microdescriptors. [Result.StartTime] is the
// time to get there (key generation included); it is reported, not part
// of the figures.
//
// Circuit builds. On our own control connection to the client (bine's
// control.Conn authenticates it; we read every reply and event
// ourselves), after SETEVENTS CIRC, each build is
// "EXTENDCIRCUIT 0 $fp1,$fp2,$fp3" with three distinct relays. The time
// runs from just before the command is written to the moment we read the
// "650 CIRC <id> BUILT" event for the circuit ID that EXTENDCIRCUIT
// returned ("250 EXTENDED <id>"); events of tor's own (preemptive)
// circuits carry other IDs and are skipped, and the BUILT event's path
// must be the one requested. Each circuit is closed (CLOSECIRCUIT) as
// soon as it is built; builds run one after the other. The paths are the
// 24 ordered triples of the 4 relays, taken in turn so that consecutive
// builds start at different relays (build i uses path i mod 24, so 20
// builds never repeat a path). A build tor reports FAILED is retried on
// the next path and counted in [Result.BuildFailures] (more than
// max(5, Builds/4) fail the run). [Result.BuildMedian] is the median of
// the Builds (the mean of the two middle values for an even count). The
// first build may include a TLS handshake with a relay the client had no
// channel to; it is reported like the others.
//
// Bulk transfer. A sink in this process listens on 127.0.0.1:0, takes one
// connection and counts and SHA-256-hashes what arrives. The client gets
// SETCONF __LeaveStreamsUnattached=1 and SETEVENTS CIRC STREAM; a fresh
// circuit is built on the next path in the rotation (same EXTENDCIRCUIT
// as above, not counted in Builds); a SOCKS5 CONNECT to the sink's
// address goes to the client's SOCKS port; on tor's "STREAM <id> NEW"
// event for that target, ATTACHSTREAM puts the stream on our circuit, and
// GETINFO stream-status must then show it there. So the transfer runs on
// a 3-hop circuit that carries nothing else. The payload is a 1 MiB block
// of random bytes generated once before the clock starts, sent over and
// over in ChunkSize (64 KiB) writes until Bytes are written (tor
// encrypts every cell at every hop and compresses nothing, so the
// content does not matter). [Result.Elapsed] runs from just before the
// first write to the moment the sink's count reaches Bytes (taken before
// hashing the last read); the sink then checks the hash, so every byte is
// counted and intact. [Result.MBps] = Bytes / Elapsed / 1e6. Data flows
// client → guard → middle → exit → sink, all on loopback: the "upload"
// direction.
//
// # What it does not do
//
// It does not measure Warren (the CLI does, next to this), the download
// direction, onion-service circuits, or anything on the real Tor network:
// every tor it starts is in the private network, and everything listens
// on and connects to 127.0.0.1 only. It does not keep the network for a
// second run; each Measure starts its own.
//
// # I/O, deadlines and shutdown
//
// Measure runs tor processes (through tornet and onion/tor, which stop
// them by PID: SIGTERM, then SIGKILL), writes under Config.Dir, and talks
// TCP on 127.0.0.1. Every wait has a deadline, also when the caller's
// context has none: network start 120 s, client launch and bootstrap
// 90 s, one circuit build 30 s, opening the bulk stream 60 s, the
// transfer 30 s + Bytes at 250 kB/s, any other control exchange 30 s.
// Before returning, on success, error or cancellation, Measure closes the
// sink and the control connection, stops the client tor, then the
// network, waits for every process to exit and removes Dir/net and
// Dir/client. Tor's log lines go to Config.Logger at Debug.
//
// # Concurrency
//
// Measure is safe to call from several goroutines, but each call starts
// five tor processes; on the 2-core machines Warren targets, run one at a
// time. Config.Progress is called from the goroutine running Measure.
// Inside a run, the SOCKS dial runs on its own goroutine (it blocks until
// we attach the stream) and the sink owns one; both have ended when
// Measure returns.
package torbench
