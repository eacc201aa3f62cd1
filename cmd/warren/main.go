package main

import (
	_ "go.uber.org/goleak"
	_ "golang.org/x/term"
	_ "github.com/rogpeppe/go-internal/testscript"
)

func main() {}
