// Package identity holds a node's long-term keys and their public names.
package identity
