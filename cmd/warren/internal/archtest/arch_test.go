package archtest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const mod = "github.com/warrennet/warren"

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Imports    []string
	Deps       []string
	Module     *struct{ Path string }
}

var (
	loadOnce sync.Once
	loaded   map[string]*pkg
	loadErr  string
)

// loadPackages lists every package of the module with its dependencies
// (once per test binary).
func loadPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = goList() })
	if loadErr != "" {
		t.Fatal(loadErr)
	}
	return loaded
}

func goList() (map[string]*pkg, string) {
	cmd := exec.Command("go", "list", "-deps", "-json", mod+"/...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, "go list: " + err.Error() + "\n" + errb.String()
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		p := new(pkg)
		if err := dec.Decode(p); err != nil {
			return nil, err.Error()
		}
		if p.Module != nil && p.Module.Path == mod {
			pkgs[p.ImportPath] = p
		}
	}
	if len(pkgs) < 5 {
		return nil, "go list found too few packages of " + mod
	}
	return pkgs, ""
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
		{"onion/cell", "onion/tor"}, {"onion/circuit", "onion/tor"}, {"onion/relaycrypto", "onion/tor"}, {"onion/handshake", "onion/tor"}, {"onion/circmgr", "onion/tor"},
		{"onion", "messaging"},
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
var codecs = []string{"overlay/record", "overlay/link/wire", "overlay/msg", "overlay/genesis", "overlay/gossip/wire", "store/seal", "onion/cell", "onion/relaycrypto", "onion/handshake", "messaging/envelope", "messaging/invite", "messaging/mailbox/wire", "messaging/cellframe", "messaging/ledger", "messaging/ledger/stealth", "messaging/ledger/ledgerwire"}

// ioPackages are the standard-library packages that do I/O or read the
// process environment. log/slog is allowed: codecs implement
// slog.LogValuer to redact, and never log. net/netip is pure values.
var ioPackages = []string{"net", "os", "io/fs", "io/ioutil", "database/sql", "syscall", "log", "os/exec", "bufio"}

// TestCodecsDoNoIO checks that codec packages, and every package of this
// module they depend on, import nothing that does I/O.
func TestCodecsDoNoIO(t *testing.T) {
	pkgs := loadPackages(t)
	for _, c := range codecs {
		p, ok := pkgs[mod+"/"+c]
		if !ok {
			t.Errorf("codec %s not found: the list in this test is stale", c)
			continue
		}
		checked := []*pkg{p}
		for _, d := range p.Deps {
			if dp, ok := pkgs[d]; ok {
				checked = append(checked, dp)
			}
		}
		for _, cp := range checked {
			for _, imp := range cp.Imports {
				if slices.Contains(ioPackages, imp) || (strings.HasPrefix(imp, "net/") && imp != "net/netip") {
					t.Errorf("codec %s: %s imports %s", c, rel(cp.ImportPath), imp)
				}
			}
		}
	}
}

// banned lists, by import path, the functions only cmd/ may call: reading
// the environment, the command line and flags.
var banned = map[string][]string{
	"os":      {"Getenv", "LookupEnv", "Environ", "Args", "ExpandEnv", "Expand"},
	"syscall": {"Getenv", "Environ"},
	"flag":    nil, // anything
}

// TestNoFlagsOrEnvBelowCmd checks that only cmd/ reads flags and the
// environment, in every non-test Go file (cgo files included). Tests may
// read switches such as CI.
func TestNoFlagsOrEnvBelowCmd(t *testing.T) {
	for _, p := range loadPackages(t) {
		if under(p.ImportPath, "cmd") {
			continue
		}
		for _, f := range slices.Concat(p.GoFiles, p.CgoFiles) {
			for _, v := range violations(t, filepath.Join(p.Dir, f)) {
				t.Errorf("%s: %s: only cmd/ may read flags and the environment", filepath.Join(rel(p.ImportPath), f), v)
			}
		}
	}
}

// TestViolationsFound makes sure the checker sees through import aliases.
func TestViolationsFound(t *testing.T) {
	src := "package x\nimport (o \"os\"; \"syscall\"; fl \"flag\")\nvar _ = o.Getenv(\"A\")\nvar _, _ = syscall.Getenv(\"B\")\nvar _ = fl.Bool\nvar _ = o.ReadFile\n"
	path := filepath.Join(t.TempDir(), "x.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := violations(t, path)
	want := []string{"os.Getenv", "syscall.Getenv", "flag.Bool"}
	if !slices.Equal(got, want) {
		t.Fatalf("violations = %v, want %v", got, want)
	}
}

// violations lists the banned calls in one file, resolving import aliases.
func violations(t *testing.T, path string) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{} // local name -> import path
	for _, imp := range file.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = p
	}
	var out []string
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		p := names[id.Name]
		fns, isBanned := banned[p]
		if isBanned && (fns == nil || slices.Contains(fns, sel.Sel.Name)) {
			out = append(out, p+"."+sel.Sel.Name)
		}
		return true
	})
	return out
}

// TestMessagingReachesCircuitsThroughCircapi: messaging and the ledger
// see circuits only through onion/circapi (and its in-memory double).
func TestMessagingReachesCircuitsThroughCircapi(t *testing.T) {
	for _, p := range loadPackages(t) {
		if !under(p.ImportPath, "messaging") {
			continue
		}
		for _, imp := range p.Imports {
			r := rel(imp)
			if strings.HasPrefix(imp, mod+"/onion") && !under(imp, "onion/circapi") {
				t.Errorf("%s imports %s: messaging reaches circuits only through onion/circapi", rel(p.ImportPath), r)
			}
		}
	}
}
