package xref

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository, seen from this package's folder (go test runs
// in it).
const root = "../.."

func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// errorsText joins errs, one a line, for failure messages.
func errorsText(errs []error) string {
	var b strings.Builder
	for _, err := range errs {
		fmt.Fprintf(&b, "\n\t%v", err)
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// README.md's example and raft's Example

// section returns the text of the markdown section under the heading
// "## title", up to the next heading of that level.
func section(md, title string) (string, error) {
	head := "## " + title + "\n"
	i := strings.Index(md, head)
	if i < 0 {
		return "", fmt.Errorf("no section %q", "## "+title)
	}
	s := md[i+len(head):]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j+1]
	}
	return s, nil
}

// readmeExample returns the first Go code block of README.md's section
// "Using the library".
func readmeExample(readme string) (string, error) {
	s, err := section(readme, "Using the library")
	if err != nil {
		return "", fmt.Errorf("README.md: %w", err)
	}
	const fence = "```go\n"
	i := strings.Index(s, fence)
	if i < 0 {
		return "", errors.New(`README.md: section "Using the library" has no go code block`)
	}
	s = s[i+len(fence):]
	j := strings.Index(s, "```")
	if j < 0 {
		return "", errors.New(`README.md: the go code block of "Using the library" is not closed`)
	}
	return s[:j], nil
}

// exampleBody returns the text between the braces of the function name in
// the Go source src.
func exampleBody(src, name string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "example_test.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			lo := fset.Position(fd.Body.Lbrace).Offset + 1
			hi := fset.Position(fd.Body.Rbrace).Offset
			return src[lo:hi], nil
		}
	}
	return "", fmt.Errorf("no function %s", name)
}

// lines splits s into lines without their indentation, dropping the empty
// lines at either end.
func lines(s string) []string {
	ls := strings.Split(strings.Trim(s, "\n"), "\n")
	for k, l := range ls {
		ls[k] = strings.TrimLeft(l, " \t")
	}
	return ls
}

// sameText reports the first line where the README's example and the
// Example's body differ, indentation aside.
func sameText(readme, example string) error {
	r, e := lines(readme), lines(example)
	for k := range min(len(r), len(e)) {
		if r[k] != e[k] {
			return fmt.Errorf("line %d of the example differs:\n\tREADME.md:       %q\n\texample_test.go: %q", k+1, r[k], e[k])
		}
	}
	switch {
	case len(r) > len(e):
		return fmt.Errorf("README.md's example goes on after the Example ends (line %d: %q)", len(e)+1, r[len(e)])
	case len(e) > len(r):
		return fmt.Errorf("the Example goes on after README.md's example ends (line %d: %q)", len(r)+1, e[len(r)])
	}
	return nil
}

func TestReadmeExampleIsTheExample(t *testing.T) {
	code, err := readmeExample(readFile(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := exampleBody(readFile(t, "raft/example_test.go"), "Example")
	if err != nil {
		t.Fatalf("raft/example_test.go: %v", err)
	}
	if !strings.Contains(body, "// Output:") {
		t.Fatal("raft/example_test.go: Example has no // Output: comment, so go test would not check it")
	}
	if err := sameText(code, body); err != nil {
		t.Fatalf("README.md's example is not raft/example_test.go's Example: %v", err)
	}
}

// The comparison catches a drift, and names the line.
func TestReadmeExampleDriftCaught(t *testing.T) {
	const src = "package raft_test\n\nfunc Example() {\n\ta := 1\n\tapply(a)\n\t// Output:\n}\n"
	body, err := exampleBody(src, "Example")
	if err != nil {
		t.Fatal(err)
	}
	same := "# x\n\n## Using the library\n\n```go\na := 1\napply(a)\n// Output:\n```\n\n## Next\n"
	code, err := readmeExample(same)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameText(code, body); err != nil {
		t.Fatalf("same text, reindented: %v", err)
	}
	for _, c := range []struct{ readme, want string }{
		{"## Using the library\n```go\na := 1\nuse(a)\n// Output:\n```\n", `line 2 of the example differs:` + "\n\tREADME.md:       \"use(a)\""},
		{"## Using the library\n```go\na := 1\napply(a)\n```\n", `the Example goes on after README.md's example ends (line 3: "// Output:")`},
		{"## Using the library\n```go\na := 1\napply(a)\n// Output:\nb := 2\n```\n", `README.md's example goes on after the Example ends (line 4: "b := 2")`},
	} {
		code, err := readmeExample(c.readme)
		if err != nil {
			t.Fatal(err)
		}
		err = sameText(code, body)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("README %q: got %v, want an error containing %q", c.readme, err, c.want)
		}
	}
	for _, c := range []struct{ readme, want string }{
		{"## Usage\n```go\nx\n```\n", `no section "## Using the library"`},
		{"## Using the library\nno code\n## Next\n```go\nx\n```\n", "has no go code block"},
	} {
		if _, err := readmeExample(c.readme); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("README %q: got %v, want an error containing %q", c.readme, err, c.want)
		}
	}
	if _, err := exampleBody(src, "ExampleRawNode"); err == nil || !strings.Contains(err.Error(), "no function ExampleRawNode") {
		t.Errorf("a missing Example: got %v", err)
	}
}

// ---------------------------------------------------------------------------
// Names: Go packages and TLA+ operators

// goPkg is what one Go package of the repository declares.
type goPkg struct {
	name  string
	funcs map[string]bool // functions and methods, by name
	// members are "T.m" for every method m and field m of type T.
	members map[string]bool
	// top are the package-level names: functions, types, constants,
	// variables; and methods.
	top map[string]bool
	// names are every declared name: top and the fields of types.
	names map[string]bool
}

func loadPkg(dir, name string) (*goPkg, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	p := &goPkg{name: name, funcs: map[string]bool{}, members: map[string]bool{}, top: map[string]bool{}, names: map[string]bool{}}
	fset := token.NewFileSet()
	n := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		n++
		for _, d := range f.Decls {
			p.addDecl(d)
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no Go files", dir)
	}
	return p, nil
}

func (p *goPkg) addDecl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		p.funcs[d.Name.Name] = true
		p.top[d.Name.Name] = true
		p.names[d.Name.Name] = true
		if d.Recv != nil && len(d.Recv.List) == 1 {
			p.members[recvType(d.Recv.List[0].Type)+"."+d.Name.Name] = true
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				p.top[s.Name.Name] = true
				p.names[s.Name.Name] = true
				if st, ok := s.Type.(*ast.StructType); ok {
					for _, f := range st.Fields.List {
						for _, n := range f.Names {
							p.names[n.Name] = true
							p.members[s.Name.Name+"."+n.Name] = true
						}
					}
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					p.top[n.Name] = true
					p.names[n.Name] = true
				}
			}
		}
	}
}

// recvType is the name of a receiver's type: T for T, *T, T[P] or *T[P].
func recvType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return fmt.Sprintf("%T", e)
		}
	}
}

// names resolves the names the documentation uses.
type names struct {
	root string
	pkgs map[string]*goPkg
	tla  map[string]bool // every operator defined in tla/*.tla
}

var tlaDef = regexp.MustCompile(`(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\([^)]*\))?[ \t]*==`)

func newNames(t *testing.T) *names {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "tla", "*.tla"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tla/*.tla (%v)", err)
	}
	n := &names{root: root, pkgs: map[string]*goPkg{}, tla: map[string]bool{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tlaDef.FindAllStringSubmatch(string(b), -1) {
			n.tla[m[1]] = true
		}
	}
	return n
}

// isPkg reports whether the repository has a Go package in the folder dir.
func (n *names) isPkg(dir string) bool {
	if n.pkgs[dir] != nil {
		return true
	}
	files, _ := filepath.Glob(filepath.Join(n.root, dir, "*.go"))
	return len(files) > 0
}

func (n *names) pkg(dir string) (*goPkg, error) {
	if p := n.pkgs[dir]; p != nil {
		return p, nil
	}
	p, err := loadPkg(filepath.Join(n.root, dir), dir)
	if err != nil {
		return nil, err
	}
	n.pkgs[dir] = p
	return p, nil
}

// goName checks a Go name as the documentation writes it, in package def
// unless it says otherwise:
//
//	x          anything declared in def (a function, method, type, field,
//	           constant or variable)
//	pkg.f      a function, method, type, constant or variable f of
//	           package pkg
//	T.m        a method or field m of type T in def
//	pkg.T.m    a method or field m of type T in package pkg
//	f(x)       f as above, and x declared in def
func (n *names) goName(def, name string) error {
	if i := strings.IndexByte(name, '('); i >= 0 && strings.HasSuffix(name, ")") {
		arg := name[i+1 : len(name)-1]
		name = name[:i]
		if arg != "" {
			if err := n.goName(def, arg); err != nil {
				return err
			}
		}
	}
	parts := strings.Split(name, ".")
	switch {
	case len(parts) == 1:
		p, err := n.pkg(def)
		if err != nil {
			return err
		}
		if !p.names[name] {
			return fmt.Errorf("package %s declares no %s", def, name)
		}
	case len(parts) == 2 && n.isPkg(parts[0]):
		p, err := n.pkg(parts[0])
		if err != nil {
			return err
		}
		if !p.top[parts[1]] {
			return fmt.Errorf("package %s has no function, method, type, constant or variable %s", parts[0], parts[1])
		}
	case len(parts) == 2:
		p, err := n.pkg(def)
		if err != nil {
			return err
		}
		if !p.members[name] {
			return fmt.Errorf("package %s has no method or field %s", def, name)
		}
	case len(parts) == 3 && n.isPkg(parts[0]):
		p, err := n.pkg(parts[0])
		if err != nil {
			return err
		}
		if !p.members[parts[1]+"."+parts[2]] {
			return fmt.Errorf("package %s has no method or field %s.%s", parts[0], parts[1], parts[2])
		}
	default:
		return fmt.Errorf("%s is not a Go name this check can resolve", name)
	}
	return nil
}

// tlaName checks that a TLA+ operator, written with or without its
// parameters, is defined in tla/*.tla.
func (n *names) tlaName(name string) error {
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = name[:i]
	}
	if !n.tla[name] {
		return fmt.Errorf("tla/*.tla defines no operator %s", name)
	}
	return nil
}

// modelName checks that package model has a function or method of the
// name.
func (n *names) modelName(name string) error {
	p, err := n.pkg("model")
	if err != nil {
		return err
	}
	if !p.funcs[name] {
		return fmt.Errorf("package model has no function or method %s", name)
	}
	return nil
}

// ---------------------------------------------------------------------------
// tla/README.md: the action map and the list of helpers

var backticked = regexp.MustCompile("`([^`]+)`")

// codeSpans returns the backticked names of s.
func codeSpans(s string) []string {
	var out []string
	for _, m := range backticked.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// actionMap checks every row of the table of tla/README.md's section
// "Actions and where they live": the TLA+ action is defined in tla/, the
// model/ function exists, and so does every Go name of the raft/ column
// (in package raft unless qualified). It returns the actions of the rows.
func actionMap(md string, n *names) (actions []string, errs []error) {
	s, err := section(md, "Actions and where they live")
	if err != nil {
		return nil, []error{fmt.Errorf("tla/README.md: %w", err)}
	}
	row := 0
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		row++
		if row <= 2 { // the header and the separator
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			errs = append(errs, fmt.Errorf("tla/README.md action map, row %q: %d cells, want 3", line, len(cells)))
			continue
		}
		tla, model, impl := codeSpans(cells[0]), codeSpans(cells[1]), codeSpans(cells[2])
		if len(tla) != 1 || len(model) != 1 || len(impl) == 0 {
			errs = append(errs, fmt.Errorf("tla/README.md action map, row %q: want one TLA+ action, one model/ function and Go names", line))
			continue
		}
		fail := func(err error) {
			if err != nil {
				errs = append(errs, fmt.Errorf("tla/README.md action map, row %s: %w", tla[0], err))
			}
		}
		fail(n.tlaName(tla[0]))
		fail(n.modelName(model[0]))
		for _, g := range impl {
			fail(n.goName("raft", g))
		}
		actions = append(actions, strings.SplitN(tla[0], "(", 2)[0])
	}
	if len(actions) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New(`tla/README.md: the section "Actions and where they live" has no table rows`))
	}
	return actions, errs
}

// helperList checks the paragraph of tla/README.md that begins "The helpers
// inside the actions": each name outside brackets is a TLA+ operator and a
// model/ function of that name; each name in brackets after it is a Go name
// in package raft.
func helperList(md string, n *names) (helpers int, errs []error) {
	const lead = "The helpers inside the actions"
	i := strings.Index(md, lead)
	if i < 0 {
		return 0, []error{fmt.Errorf("tla/README.md: no paragraph beginning %q", lead)}
	}
	p := md[i:]
	if j := strings.Index(p, "\n\n"); j >= 0 {
		p = p[:j]
	}
	depth, helper := 0, ""
	for k := 0; k < len(p); k++ {
		switch p[k] {
		case '(':
			depth++
		case ')':
			depth--
		case '`':
			end := strings.IndexByte(p[k+1:], '`')
			if end < 0 {
				return helpers, append(errs, fmt.Errorf("tla/README.md helper list: unclosed ` after %q", helper))
			}
			name := p[k+1 : k+1+end]
			k += end + 1
			if depth == 0 {
				helper = name
				helpers++
				for _, err := range []error{n.tlaName(name), n.modelName(name)} {
					if err != nil {
						errs = append(errs, fmt.Errorf("tla/README.md helper list, %s: %w", name, err))
					}
				}
			} else if err := n.goName("raft", name); err != nil {
				errs = append(errs, fmt.Errorf("tla/README.md helper list, %s (%s): %w", helper, name, err))
			}
		}
	}
	if helpers == 0 {
		errs = append(errs, errors.New("tla/README.md: the helper list names no helper"))
	}
	return helpers, errs
}

// nextActions returns the actions that Raft.tla's Next is made of.
func nextActions(spec string) ([]string, error) {
	i := strings.Index(spec, "\nNext ==")
	if i < 0 {
		return nil, errors.New("tla/Raft.tla: no Next")
	}
	s := spec[i+len("\nNext =="):]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j]
	}
	var out []string
	for _, m := range regexp.MustCompile(`:\s*([A-Za-z_][A-Za-z0-9_]*)\(`).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		return nil, errors.New("tla/Raft.tla: Next names no action")
	}
	return out, nil
}

func TestActionMapNamesExist(t *testing.T) {
	n := newNames(t)
	md := readFile(t, "tla/README.md")
	actions, errs := actionMap(md, n)
	if len(errs) > 0 {
		t.Errorf("tla/README.md's action map names what does not exist:%s", errorsText(errs))
	}
	next, err := nextActions(readFile(t, "tla/Raft.tla"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range next {
		found := false
		for _, b := range actions {
			found = found || a == b
		}
		if !found {
			t.Errorf("tla/README.md's action map has no row for %s, an action of Raft.tla's Next", a)
		}
	}
	if _, errs := helperList(md, n); len(errs) > 0 {
		t.Errorf("tla/README.md's helper list names what does not exist:%s", errorsText(errs))
	}
}

// The checks catch made-up names, and say which name in which row.
func TestActionMapMissingNamesCaught(t *testing.T) {
	n := newNames(t)
	const md = "# tla\n\n## Actions and where they live\n\n" +
		"| TLA+ action | model/ | raft/ (reached through) |\n" +
		"| --- | --- | --- |\n" +
		"| `Timeout(i)` | `Timeout` | `raft.hup` → `campaign` (`Tick` via `tickElection`, `Fire(ElectionTimer)`) |\n" +
		"| `Heartbeat(i)` | `Heartbeat` | `raft.bcastHeartbeat` (`Fire(NoSuchTimer)`) |\n" +
		"| `Teleport(i)` | `Teleport` | `raftLog.teleport`, `properties.Cluster.Teleport`, `raft.teleport` |\n" +
		"| `DropMessage(i, j)` | `DropMessage` | the network (`properties.Cluster.Drop`) |\n" +
		"\nThe helpers inside the actions carry the same names on both sides, e.g.\n" +
		"`Merge` (`raftLog.merge`), `Frobnicate` (`raft.frobnicate`), `Poll`\n(`raft.pol`).\n\n## Properties\n"
	actions, errs := actionMap(md, n)
	if want := []string{"Timeout", "Heartbeat", "Teleport", "DropMessage"}; fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("rows: got %v, want %v", actions, want)
	}
	want := []string{
		"tla/README.md action map, row Timeout(i): package raft declares no tickElection",
		"tla/README.md action map, row Heartbeat(i): package raft declares no NoSuchTimer",
		"tla/README.md action map, row Teleport(i): tla/*.tla defines no operator Teleport",
		"tla/README.md action map, row Teleport(i): package model has no function or method Teleport",
		"tla/README.md action map, row Teleport(i): package raft has no method or field raftLog.teleport",
		"tla/README.md action map, row Teleport(i): package properties has no method or field Cluster.Teleport",
		"tla/README.md action map, row Teleport(i): package raft has no function, method, type, constant or variable teleport",
	}
	if got := errorsText(errs); got != errorsText(stringErrors(want)) {
		t.Errorf("action map errors:%s\nwant:%s", got, errorsText(stringErrors(want)))
	}

	helpers, errs := helperList(md, n)
	if helpers != 3 {
		t.Errorf("helpers: got %d, want 3", helpers)
	}
	want = []string{
		"tla/README.md helper list, Frobnicate: tla/*.tla defines no operator Frobnicate",
		"tla/README.md helper list, Frobnicate: package model has no function or method Frobnicate",
		"tla/README.md helper list, Frobnicate (raft.frobnicate): package raft has no function, method, type, constant or variable frobnicate",
		"tla/README.md helper list, Poll (raft.pol): package raft has no function, method, type, constant or variable pol",
	}
	if got := errorsText(errs); got != errorsText(stringErrors(want)) {
		t.Errorf("helper list errors:%s\nwant:%s", got, errorsText(stringErrors(want)))
	}

	if _, errs := actionMap("## Actions\n", n); len(errs) != 1 || !strings.Contains(errs[0].Error(), `no section "## Actions and where they live"`) {
		t.Errorf("a missing section: got %v", errs)
	}
	if _, errs := actionMap("## Actions and where they live\n\nno table\n", n); len(errs) != 1 || !strings.Contains(errs[0].Error(), "has no table rows") {
		t.Errorf("a missing table: got %v", errs)
	}
	if _, err := nextActions("Spec == Init\n"); err == nil || !strings.Contains(err.Error(), "no Next") {
		t.Errorf("a spec without Next: got %v", err)
	}
}

func stringErrors(ss []string) []error {
	var errs []error
	for _, s := range ss {
		errs = append(errs, errors.New(s))
	}
	return errs
}

// ---------------------------------------------------------------------------
// Comments: the Go names in tla/*.tla, the TLA+ names in Go

// goRef is a dotted Go name in a comment of the spec, e.g. raft.hup,
// RawNode.Fire(LeaseTimer), properties.Cluster.Drop.
var goRef = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\([A-Za-z_][A-Za-z0-9_]*\))?`)

// camel is a camel-case word: electionElapsed, ElectionTick, RawNode.
var camel = regexp.MustCompile(`\b(?:[a-z]+|[A-Z][a-z0-9]+)[A-Z][A-Za-z0-9]*\b`)

// specGoRefs checks the Go names in the TLA+ module text of file: every
// dotted or camel-case name in a sentence that begins "Go:" (up to its full
// stop, over continued comment lines), and every dotted name anywhere that
// begins with a package of the repository (raft.Config.MaxEntriesPerMsg).
func specGoRefs(file, text string, n *names) (refs int, errs []error) {
	lines := strings.Split(text, "\n")
	check := func(k int, name string) {
		refs++
		if err := n.goName("raft", name); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", file, k+1, name, err))
		}
	}
	inGo := false
	for k, line := range lines {
		comment := ""
		if c := strings.Index(line, `\*`); c >= 0 {
			comment = line[c+2:]
		} else if c := strings.Index(line, "(*"); c >= 0 {
			comment = strings.TrimSuffix(strings.TrimSpace(line[c+2:]), "*)")
		} else {
			inGo = false
			continue
		}
		// goPart is the part of the line in a Go: sentence, rest the others.
		goPart, rest := "", comment
		if g := strings.Index(comment, "Go:"); g >= 0 {
			inGo = true
			rest = comment[:g]
			comment = comment[g+3:]
		} else if !inGo {
			comment = ""
		}
		if inGo {
			goPart = comment
			if e := strings.Index(comment, ". "); e >= 0 {
				goPart, rest, inGo = comment[:e], rest+" "+comment[e+1:], false
			} else if strings.HasSuffix(strings.TrimSpace(comment), ".") {
				inGo = false
			}
		}
		for _, part := range []struct {
			text string
			all  bool
		}{{goPart, true}, {rest, false}} {
			for _, loc := range goRef.FindAllStringIndex(part.text, -1) {
				name := strings.TrimSuffix(part.text[loc[0]:loc[1]], ".")
				if loc[0] > 0 && part.text[loc[0]-1] == '/' { // a path: tla/README.md
					continue
				}
				if part.all || n.isPkg(strings.SplitN(name, ".", 2)[0]) {
					check(k, name)
				}
			}
		}
		// A Go: sentence's other camel-case words are Go names in raft.
		for _, name := range camel.FindAllString(goRef.ReplaceAllString(goPart, " "), -1) {
			check(k, name)
		}
	}
	return refs, errs
}

// tlaRef is a TLA+ operator named in a Go comment.
var tlaRef = regexp.MustCompile(`(Raft\.tla's|the TLA\+|Mutant) ([A-Z][A-Za-z0-9_]*)(\*?)`)

// goTLARefs checks the TLA+ names in the comments of the Go source src:
// "Raft.tla's X" and "the TLA+ X" name an operator X of tla/*.tla (the TLA+
// On* is a family, not checked), "Mutant X" a module tla/MutX.tla.
func goTLARefs(file, src string, n *names) (refs int, errs []error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return 0, []error{err}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			for _, m := range tlaRef.FindAllStringSubmatch(c.Text, -1) {
				if m[3] == "*" {
					continue
				}
				refs++
				var err error
				if m[1] == "Mutant" {
					if !mutantModule(n.root, m[2]) {
						err = fmt.Errorf("no module tla/Mut%s.tla", m[2])
					}
				} else {
					err = n.tlaName(m[2])
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %q: %w", fset.Position(c.Pos()), m[0], err))
				}
			}
		}
	}
	return refs, errs
}

func mutantModule(root, name string) bool {
	_, err := os.Stat(filepath.Join(root, "tla", "Mut"+name+".tla"))
	return err == nil
}

func TestSpecCommentsNameExistingGo(t *testing.T) {
	n := newNames(t)
	files, err := filepath.Glob(filepath.Join(root, "tla", "*.tla"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		refs, errs := specGoRefs(filepath.ToSlash(strings.TrimPrefix(f, root+"/")), string(b), n)
		total += refs
		if len(errs) > 0 {
			t.Errorf("Go names in the spec's comments that do not exist:%s", errorsText(errs))
		}
	}
	if total < 10 {
		t.Errorf("only %d Go names found in the comments of tla/*.tla: is the Go: convention gone?", total)
	}
}

func TestGoCommentsNameExistingTLA(t *testing.T) {
	n := newNames(t)
	total := 0
	for _, dir := range []string{"model", "raft", "spec", "traces"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			refs, errs := goTLARefs(filepath.Join(dir, filepath.Base(f)), string(b), n)
			total += refs
			if len(errs) > 0 {
				t.Errorf("TLA+ names in Go comments that tla/ does not define:%s", errorsText(errs))
			}
		}
	}
	if total < 50 {
		t.Errorf("only %d TLA+ names found in Go comments: is the naming convention gone?", total)
	}
}

// Both comment checks catch made-up names, and say where.
func TestCommentNamesCaught(t *testing.T) {
	n := newNames(t)
	const spec = `\* Server i times out.
\* Go: raft.hup (from raft.tickElection, RawNode.Campaign and
\* RawNode.Fire(BogusTimer), when electionElapsed reaches tickHeartbeat).
\* Not RawNode.Nothing: the sentence ended.
Timeout(i) == TRUE
\* See tla/README.md; etcd's raft.Config.MaxSizePerMsg.
(* Go: RawNode.Stepp *)
`
	refs, errs := specGoRefs("Fixture.tla", spec, n)
	want := []string{
		"Fixture.tla:2: raft.tickElection: package raft has no function, method, type, constant or variable tickElection",
		"Fixture.tla:3: RawNode.Fire(BogusTimer): package raft declares no BogusTimer",
		"Fixture.tla:3: tickHeartbeat: package raft declares no tickHeartbeat",
		"Fixture.tla:6: raft.Config.MaxSizePerMsg: package raft has no method or field Config.MaxSizePerMsg",
		"Fixture.tla:7: RawNode.Stepp: package raft has no method or field RawNode.Stepp",
	}
	if got := errorsText(errs); got != errorsText(stringErrors(want)) {
		t.Errorf("spec comment errors:%s\nwant:%s", got, errorsText(stringErrors(want)))
	}
	if refs != 8 {
		t.Errorf("spec comment names checked: got %d, want 8", refs)
	}

	const src = `package x

// hup is the TLA+ Timeout; tick is the TLA+ Tick.
func hup() {}

// Raft.tla's Merge and Raft.tla's Glue; the TLA+ On* operators.
// Mutant VoteTwice, Mutant VoteThrice.
var v int
`
	refs, errs = goTLARefs("x.go", src, n)
	want = []string{
		`x.go:3:1: "the TLA+ Tick": tla/*.tla defines no operator Tick`,
		`x.go:6:1: "Raft.tla's Glue": tla/*.tla defines no operator Glue`,
		`x.go:7:1: "Mutant VoteThrice": no module tla/MutVoteThrice.tla`,
	}
	if got := errorsText(errs); got != errorsText(stringErrors(want)) {
		t.Errorf("Go comment errors:%s\nwant:%s", got, errorsText(stringErrors(want)))
	}
	if refs != 6 {
		t.Errorf("Go comment names checked: got %d, want 6", refs)
	}
}
