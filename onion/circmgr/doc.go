// Package circmgr decides which circuits exist and what they are for:
// path selection, persistent guards, isolation by purpose and pre-built
// circuits. It asks onion/circuit to build, extend and close them; it
// never touches cells.
//
// Paths are guard → middle → destination, three distinct nodes: the
// destination is the relay the caller names (where the service runs), the
// guard comes from a small persistent set (a client always enters through
// the same few relays, so a hostile relay gets to be its first hop only
// if it is one of them), the middle is drawn at random from the other
// relays and is never the destination. Each Purpose gets its own
// circuits, and a circuit once given to a purpose is never given to
// another (nor, after it closes, reused at all). To spare callers a
// three-hop build, the manager keeps a few idle guard → middle circuits
// ready and extends one to the destination when a request comes.
//
// It owns its goroutine (the pre-builder) and the anonymous links to its
// guards; Close stops both. Relays come from a Directory, guard choices
// persist through a GuardStore. Safe for concurrent use.
package circmgr
