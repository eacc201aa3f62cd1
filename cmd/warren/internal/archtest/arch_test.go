package archtest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/warrennet/warren"

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
	Module     *struct{ Path string }
}

// loadPackages lists every package of the module with its dependencies.
func loadPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json", mod+"/...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errb.String())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		p := new(pkg)
		if err := dec.Decode(p); err != nil {
			t.Fatal(err)
		}
		if p.Module != nil && p.Module.Path == mod {
			pkgs[p.ImportPath] = p
		}
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages of %s", len(pkgs), mod)
	}
	return pkgs
}

func rel(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, mod), "/") }

func under(p, dir string) bool { r := rel(p); return r == dir || strings.HasPrefix(r, dir+"/") }

func importsPrefix(list []string, prefix string) string {
	for _, i := range list {
		if i == prefix || strings.HasPrefix(i, prefix+"/") {
			return i
		}
	}
	return ""
}

// TestOnlyOwnersImport checks that each sensitive dependency has one owner.
func TestOnlyOwnersImport(t *testing.T) {
	owners := map[string][]string{
		"github.com/mattn/go-sqlite3": {"store"},
		"github.com/cretz/bine":       {"onion/tor"},
		"github.com/flynn/noise":      {"overlay/link", "onion/handshake"},
	}
	for _, p := range loadPackages(t) {
		for dep, allowed := range owners {
			if imp := importsPrefix(p.Imports, dep); imp != "" && !slices.ContainsFunc(allowed, func(d string) bool { return under(p.ImportPath, d) }) {
				t.Errorf("%s imports %s; only %v may", rel(p.ImportPath), imp, allowed)
			}
		}
	}
}

// TestLayers checks what each layer may depend on (design.md section 2).
func TestLayers(t *testing.T) {
	forbidden := []struct{ from, to string }{
		{"store", "overlay"}, {"store", "onion"}, {"store", "messaging"},
		{"overlay", "messaging"}, {"overlay", "onion"},
		{"onion/cell", "onion/tor"}, {"onion/circuit", "onion/tor"},
		{"messaging", "onion/tor"}, {"messaging", "overlay/link"},
	}
	for _, p := range loadPackages(t) {
		for _, f := range forbidden {
			if !under(p.ImportPath, f.from) {
				continue
			}
			if dep := importsPrefix(p.Deps, mod+"/"+f.to); dep != "" {
				t.Errorf("%s depends on %s: %s must not depend on %s", rel(p.ImportPath), rel(dep), f.from, f.to)
			}
		}
		if !under(p.ImportPath, "cmd") {
			if dep := importsPrefix(p.Deps, mod+"/cmd"); dep != "" {
				t.Errorf("%s depends on %s", rel(p.ImportPath), rel(dep))
			}
		}
	}
}

// codecs are the wire-format packages: leaves with no I/O.
var codecs = []string{"overlay/record", "overlay/link/wire", "overlay/msg", "store/seal"}

// ioPackages are the standard-library packages that do I/O or read the
// process environment. log/slog is allowed: codecs implement
// slog.LogValuer to redact, and never log. net/netip is pure values.
var ioPackages = []string{"net", "os", "io/fs", "io/ioutil", "database/sql", "syscall", "log", "os/exec", "bufio"}

// TestCodecsDoNoIO checks that codec packages import nothing that does I/O.
func TestCodecsDoNoIO(t *testing.T) {
	pkgs := loadPackages(t)
	found := 0
	for _, c := range codecs {
		p, ok := pkgs[mod+"/"+c]
		if !ok {
			continue
		}
		found++
		for _, imp := range p.Imports {
			if slices.Contains(ioPackages, imp) || (strings.HasPrefix(imp, "net/") && imp != "net/netip") {
				t.Errorf("codec %s imports %s", c, imp)
			}
		}
	}
	if found == 0 {
		t.Fatal("no codec package found: the list in this test is stale")
	}
}

// TestNoFlagsOrEnvBelowCmd checks that only cmd/ reads flags and the
// environment.
func TestNoFlagsOrEnvBelowCmd(t *testing.T) {
	banned := map[string][]string{
		"os":   {"Getenv", "LookupEnv", "Environ", "Args", "ExpandEnv"},
		"flag": nil, // any use
	}
	for _, p := range loadPackages(t) {
		if under(p.ImportPath, "cmd") {
			continue
		}
		for _, f := range p.GoFiles {
			checkFile(t, filepath.Join(p.Dir, f), banned)
		}
	}
}

func checkFile(t *testing.T, path string, banned map[string][]string) {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		names, isBanned := banned[id.Name]
		if isBanned && (names == nil || slices.Contains(names, sel.Sel.Name)) {
			t.Errorf("%s uses %s.%s: only cmd/ may read flags and the environment", path, id.Name, sel.Sel.Name)
		}
		return true
	})
}
