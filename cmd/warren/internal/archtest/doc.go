// Package archtest holds only a test: it enforces the import rules of
// Warren's layers (docs/architecture.md) with `go list -deps`.
package archtest
