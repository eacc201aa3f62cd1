package envelope

import (
	"errors"

	"github.com/warrennet/warren/messaging/ratchet"
)

// Wire constants of the payload codec.
const (
	// MaxPayload is the largest payload Pad accepts: it fills the largest
	// envelope after the ratchet's overhead and the length prefix.
	MaxPayload = MaxSize - ratchet.MinMessageSize - lenPrefix // 15,421
	// MaxTextBody is the largest Text body.
	MaxTextBody = MaxPayload - textHeader // 15,386
	// MaxPaymentCert is the largest certificate a Payment carries.
	MaxPaymentCert = MaxPayload - payHeader
	// MaxReceiptIDs bounds the message IDs one Receipt acknowledges.
	MaxReceiptIDs = 64
	// MaxNameLen bounds a display name, in bytes of UTF-8.
	MaxNameLen = 64
	// MaxQueues bounds the queue addresses a Hello (or an invitation) names.
	MaxQueues = 4
	// QueueAddrSize is the encoded size of a QueueAddr.
	QueueAddrSize = 32 + 16

	lenPrefix  = 2
	textHeader = 1 + 16 + 8 + 8 + 2 // type | id | seq | sent | len
	// payHeader is a Payment's type | id | len.
	payHeader = 1 + 16 + 2
)

// Sentinel errors. None of them carries payload content.
var (
	ErrTooLarge    = errors.New("envelope: payload too large")
	ErrSize        = errors.New("envelope: not a padded envelope size")
	ErrPadding     = errors.New("envelope: malformed padding")
	ErrMalformed   = errors.New("envelope: malformed payload")
	ErrUnknownType = errors.New("envelope: unknown payload type")
	ErrDuplicate   = errors.New("envelope: duplicate entry")
	ErrText        = errors.New("envelope: invalid text")
)
