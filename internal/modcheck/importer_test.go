package modcheck

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goCmd runs the go command in dir, with no workspace and no toolchain
// switch, and returns its standard output.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out)
}

// requires returns the module paths the go.mod file at path requires.
func requires(t *testing.T, path string) []string {
	t.Helper()
	var mf struct{ Require []struct{ Path string } }
	out := goCmd(t, filepath.Dir(path), "mod", "edit", "-json", path)
	if err := json.Unmarshal([]byte(out), &mf); err != nil {
		t.Fatalf("go mod edit -json %s: %v", path, err)
	}
	var paths []string
	for _, r := range mf.Require {
		paths = append(paths, r.Path)
	}
	return paths
}

// TestImporterGetsOnlyThisModule builds a throwaway module that imports
// raft/ and kv/ (through a replace to this checkout), tidies it, and checks
// what it inherits: its go.mod requires this module alone, it compiles no
// code from any other module, and its module graph holds none of the tool
// module's requirements (staticcheck, x/tools). The graph still lists this
// module's own direct requirements (go-cmp, rapid, gopter, porcupine, used
// by the tests of properties/, traces/ and kv/): Go's graph pruning keeps
// the go.mod requirements of every module an importer requires, whether it
// uses their packages or not; an importer downloads their go.mod files,
// never their code.
func TestImporterGetsOnlyThisModule(t *testing.T) {
	rootMod := strings.TrimSpace(goCmd(t, ".", "env", "GOMOD"))
	if rootMod == "" || rootMod == os.DevNull {
		t.Fatal("not inside a module: go env GOMOD is empty")
	}
	root := filepath.Dir(rootMod)
	self := strings.TrimSpace(goCmd(t, root, "list", "-m", "-f", "{{.Path}}"))
	goVersion := strings.TrimSpace(goCmd(t, root, "list", "-m", "-f", "{{.GoVersion}}"))
	toolReqs := requires(t, filepath.Join(root, "tools", "go.mod"))
	if len(toolReqs) == 0 {
		t.Fatal("tools/go.mod requires nothing: the check below would be vacuous")
	}
	rootReqs := requires(t, rootMod)

	dir := t.TempDir()
	const importer = "example.com/importer"
	gomod := "module " + importer + "\n\ngo " + goVersion + "\n"
	// raft/, and kv/ over it (whose tests alone import porcupine).
	src := "package main\n\nimport (\n\t\"" + self + "/kv\"\n\t\"" + self + "/raft\"\n)\n\n" +
		"func main() { rn, _ := raft.NewRawNode(&raft.Config{}); _ = kv.NewNode(rn, kv.ReadThroughIndex) }\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "mod", "edit", "-require="+self+"@v0.0.0", "-replace="+self+"="+root)
	goCmd(t, dir, "mod", "tidy")

	if got := requires(t, filepath.Join(dir, "go.mod")); !slices.Equal(got, []string{self}) {
		t.Errorf("the importer's go.mod requires %v after go mod tidy, want only %s", got, self)
	}

	// What the importer compiles: the standard library and this module.
	mods := strings.Fields(goCmd(t, dir, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./..."))
	slices.Sort(mods)
	for _, m := range slices.Compact(mods) {
		if m != importer && m != self {
			t.Errorf("the importer compiles packages of module %s", m)
		}
	}

	// Its module graph: nothing of the tool module, nothing this module
	// does not require directly.
	var others []string
	for _, m := range strings.Fields(goCmd(t, dir, "list", "-m", "-f", "{{.Path}}", "all")) {
		switch {
		case m == importer || m == self:
		case slices.Contains(toolReqs, m):
			t.Errorf("the importer's module graph holds %s, a requirement of tools/go.mod: the tool leaks into every importer", m)
		case !slices.Contains(rootReqs, m):
			t.Errorf("the importer's module graph holds %s, which %s's go.mod does not require", m, self)
		default:
			others = append(others, m)
		}
	}
	t.Logf("the importer's graph also lists %s's own requirements (go.mod only): %v", self, others)
}
