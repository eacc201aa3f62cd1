// Package envelope is being written (issue 6).
package envelope
