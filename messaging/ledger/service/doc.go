// Package service is the ledger's submission protocol over circuits: a
// validator's "ledger" service (Server) and the wallet's side (Client),
// speaking ledgerwire over circapi streams.
//
// The protocol (FastPay-style; docs in shared/ledger.md): a wallet opens
// a fresh circuit (its own circapi.Purpose with a random key) for one
// attempt at one order, to the ledger service of a validator chosen at
// random, after a random delay, and sends SUBMIT. That validator votes
// itself and asks every other validator (VOTE, through Peers) in
// parallel; it answers VOTES as soon as it holds a quorum of valid votes,
// or enough refusals and failures that no quorum can form, or at its
// gather deadline. The wallet assembles the certificate and sends it the
// same way (CERT); the service applies it and forwards it to every
// validator (APPLY), answering OK once a quorum has applied it. A wallet
// whose attempt fails or times out sends the identical frame over a new
// circuit to another validator: identical orders never conflict, and a
// validator gives the same vote for the same order.
//
// Deviations from FastPay: the wallet does not talk to every authority
// itself (that would take n circuits per order, or one circuit whose
// exit sees n streams); the first validator relays. It learns nothing a
// direct submission would not tell every validator anyway; it can drop
// or delay the order (the wallet then retries elsewhere) but cannot forge
// votes (the wallet verifies them). Nothing in the protocol names the
// submitter: there is no field for it, and a Handler sees only a stream.
//
// It does not journal orders (package wallet does), choose circuits
// (circapi's Dialer does), or catch lagging validators up (a validator
// that missed a certificate learns it only when someone sends it again).
//
// I/O: streams only. Server owns a goroutine per stream being served and
// per peer being asked; Close stops and waits for all of them. Server and
// Client are safe for concurrent use.
package service
