// Package store owns Warren's local state in SQLite.
package store

import _ "github.com/mattn/go-sqlite3"
