package circuit

import "github.com/warrennet/warren/onion/cell"

// SendToLast sends any relay message to the circuit's last hop, for tests
// that play a misbehaving client.
func SendToLast(c *Circuit, m cell.Msg) error {
	_, err := c.toLast(m)
	return err
}
