// Package ledger is being written (issue 7): the payment ledger.
package ledger

import _ "filippo.io/edwards25519" // stealth-address point arithmetic
