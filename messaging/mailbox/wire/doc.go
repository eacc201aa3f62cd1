// Package wire is the mailbox protocol's codec: the frames a client and a
// mailbox exchange over one circapi stream, and the identifiers they carry.
// It is a leaf: no I/O, no state, no time; messaging/mailbox does the
// reading, writing and storage.
//
// # Frames
//
//	frame   = length:u32be  type:u8  body  padding
//	length  = len(type) + len(body) + len(padding)
//
// padding is zero bytes, exactly as many as bring the whole frame (4 +
// length) to the next multiple of circapi.StreamUnit (486), so every frame
// fills whole cells and an observer of cells learns only a frame's size in
// cells. Any other amount of padding, or a non-zero padding byte, is
// malformed. Bodies are self-delimiting, so the decoder knows where the
// padding starts. A reader bounds length before reading the rest:
// MaxRequestFrame (32 units, the largest deposit) towards the mailbox and
// MaxResponseFrame (135 units, about 64 KiB) towards the client.
//
// # Messages
//
// Requests (client to mailbox) and their answers, in order on one stream:
//
//	CREATE  0x01  auth:32                              -> CREATED | ERROR
//	DEPOSIT 0x02  queue:16 len:u16 envelope            -> OK | ERROR
//	FETCH   0x03  queue:16 secret:32 wait:u8 max:u8    -> MSGS | ERROR
//	ACK     0x04  queue:16 secret:32 n:u8 id:16 ×n     -> OK | ERROR
//	DELETE  0x05  queue:16 secret:32                   -> OK | ERROR
//	FETCHACK 0x06 queue:16 secret:32 wait:u8 max:u8
//	              n:u8 id:16 ×n                        -> MSGS | ERROR
//
//	CREATED 0x81  queue:16
//	OK      0x82  (empty)
//	MSGS    0x83  n:u8 (id:16 len:u16 envelope) ×n
//	ERROR   0x84  code:u8 (1 no queue, 2 queue full, 3 mailbox full,
//	              4 malformed, 5 unavailable)
//
// envelope lengths are one of envelope.Sizes; wait is at most MaxWait
// seconds; max is 1..255; an ACK or FETCHACK names 1..MaxAck IDs (a
// FETCHACK is an ACK, applied first, then a FETCH of the same queue); a
// MSGS frame holds 0..255 messages and must fit MaxResponseFrame. auth is SHA-256 of the
// 32-byte secret (AuthOf); a message's id is the first 16 bytes of SHA-256
// of its envelope (MsgIDOf). The decoders check grammar and bounds only:
// that a MSGS id matches its envelope is the client's check.
//
// Decoded envelopes and ID slices alias the frame passed to the decoder.
package wire
