// Package invite is being written (issue 6): one-time invitations.
package invite

import _ "rsc.io/qr" // QR rendering of invitations
