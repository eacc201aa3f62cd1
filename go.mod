module github.com/warrennet/warren

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/cretz/bine v0.2.0
	github.com/flynn/noise v1.1.0
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/rogpeppe/go-internal v1.16.0
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.58.0
	golang.org/x/term v0.47.0
	rsc.io/qr v0.2.0
)

require (
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)
