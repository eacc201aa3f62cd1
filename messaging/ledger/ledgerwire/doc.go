// Package ledgerwire is the codec of the ledger submission protocol: the
// frames a wallet and a validator's ledger service, or two validators,
// exchange over one circapi stream. It is a leaf: no I/O, no state, no
// time; messaging/ledger/service does the reading, writing and fan-out.
//
// # Frames
//
//	frame   = length:u32be  type:u8  body  padding
//	length  = len(type) + len(body) + len(padding)
//
// padding is zero bytes. A response frame is padded to the next multiple
// of circapi.StreamUnit (486), as mailbox frames are. A request frame is
// padded further, to the smallest of 2, 8 or 32 units that holds it: the
// cell counts of the three mailbox DEPOSIT sizes (envelope.Sizes), so a
// link observer or a first hop sees a payment order as a message
// deposit. Any other padding, or a non-zero padding byte, is malformed.
// A reader bounds length before reading the rest: MaxRequestFrame (32
// units) towards a validator and MaxResponseFrame (135 units, just over
// 64 KiB) towards the caller.
//
// # Messages
//
// Requests and their answers, in order on one stream:
//
//	SUBMIT 0x11  len:u16 signed-order   -> VOTES | ERROR   (wallet, fan-out)
//	VOTE   0x12  len:u16 signed-order   -> VOTED | REFUSED | ERROR (validator to validator)
//	CERT   0x13  len:u16 certificate    -> OK | ERROR      (wallet, fan-out)
//	APPLY  0x14  len:u16 certificate    -> OK | ERROR      (validator to validator)
//
//	VOTES   0x91  nv:u8 vote×nv  nr:u8 (len:u16 refusal)×nr
//	VOTED   0x92  vote
//	REFUSED 0x93  len:u16 refusal
//	OK      0x94  (empty)
//	ERROR   0x95  code:u8 (1 malformed, 2 rejected, 3 unavailable,
//	              4 bad certificate)
//
// signed-order, certificate, vote and refusal are the canonical encodings
// of package ledger, decoded strictly (ledger.UnmarshalSignedOrder and
// the like); a vote is ledger.VoteSize bytes. A VOTES frame holds at most
// ledger.MaxValidators votes and as many refusals, and must fit
// MaxResponseFrame. The decoders check grammar and bounds only: that
// votes are valid and for the right order is the receiver's check.
//
// Nothing in any message names the submitter: there is no field for it.
package ledgerwire
