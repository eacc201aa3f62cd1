// Package tor drives the system tor binary through bine.
package tor

import _ "github.com/cretz/bine/tor"
