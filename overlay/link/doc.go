// Package link is a Noise session over a net.Conn.
package link

import _ "github.com/flynn/noise"
