package model

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/spec"
)

// TestParseAllConfigs parses every model-checking config of tla/.
func TestParseAllConfigs(t *testing.T) {
	mc, err := filepath.Glob(filepath.Join("..", "tla", "MCRaft_*.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	mut, err := filepath.Glob(filepath.Join("..", "tla", "Mut*.cfg"))
	paths := append(mc, mut...)
	if err != nil || len(paths) < 10 {
		t.Fatalf("tla/*.cfg: %d files, %v", len(paths), err)
	}
	for _, p := range paths {
		cfg, err := ParseConfig(p)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		base := strings.TrimSuffix(filepath.Base(p), ".cfg")
		if strings.HasPrefix(base, "Mut") != (cfg.Mutation != "") || cfg.Mutation != "" && "Mut"+cfg.Mutation != base {
			t.Errorf("%s: mutation %q", p, cfg.Mutation)
		}
		if len(cfg.Invariants)+len(cfg.Properties) == 0 {
			t.Errorf("%s: nothing to check", p)
		}
	}
}

func TestParseConfigValues(t *testing.T) {
	cfg := mustConfig(t, "MCRaft_isolation.cfg")
	want := Config{
		N: 3, Values: []string{"v1", "v2"}, PreVote: true, CheckQuorum: true,
		MaxTerm: 1, MaxLogLen: 1, MaxInFlight: 2, MaxCopies: 1, MaxCutLinks: 2, MaxBatch: 2,
		CuttableLinks: []spec.Link{{From: 2, To: 1}, {From: 3, To: 1}},
		Symmetry:      Symmetry{Servers: [][]int{{2, 3}}, Values: true},
		Invariants:    []string{"TypeOK", "ElectionSafety", "LogMatching", "LeaderCompleteness", "StateMachineSafety"},
		Properties: []string{"OneVotePerTerm", "TermMonotonic", "LeaderAppendOnly", "PreVoteKeepsTermAndVote",
			"PreVoteRequestHarmless", "CandidateHasPreVoteQuorum", "IsolatedTermStable",
			"LeaseHonoured", "StepDownWithoutQuorum", "NonDisruption"},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("MCRaft_isolation.cfg:\n got %+v\nwant %+v", cfg, want)
	}
	cfg = mustConfig(t, "MutRestartForgetsVote.cfg")
	if cfg.Mutation != "RestartForgetsVote" || !cfg.AllowRestart || len(cfg.CuttableLinks) != 6 ||
		!reflect.DeepEqual(cfg.Symmetry, Symmetry{Servers: [][]int{{1, 2, 3}}, Values: true}) {
		t.Errorf("MutRestartForgetsVote.cfg: %+v", cfg)
	}
	five, err := cfg.WithServers(5)
	if err != nil {
		t.Fatal(err)
	}
	if five.N != 5 || len(five.CuttableLinks) != 20 || five.Symmetry.Size() != 120 {
		t.Errorf("WithServers(5): %d servers, %d links, a group of %d", five.N, len(five.CuttableLinks), five.Symmetry.Size())
	}
}

// validCfg is a well-formed config; each error case replaces one line.
var validCfg = []string{
	`\* A comment.`,
	`CONSTANTS`,
	`  Server = {s1, s2, s3}`,
	`  Value = {v1, v2}`,
	`  Nil = Nil`,
	`  s1 = s1  s2 = s2  s3 = s3  v1 = v1  v2 = v2`,
	`  PreVote = TRUE`,
	`  CheckQuorum = FALSE`,
	`  MaxTerm = 2`,
	`  MaxLogLen = 1`,
	`  MaxInFlight = 2`,
	`  MaxCopies = 1`,
	`  MaxCutLinks = 0`,
	`  AllowRestart = FALSE  AllowCompaction = FALSE`,
	`  MaxBatch = 2`,
	`  CuttableLinks <- AllLinks`,
	`SYMMETRY Symmetry`,
	`INIT Init`,
	`NEXT Next`,
	`CHECK_DEADLOCK FALSE`,
	`INVARIANT TypeOK ElectionSafety`,
	`PROPERTY OneVotePerTerm`,
}

func TestParseConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines []string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := ParseConfig(write("ok.cfg", validCfg)); err != nil {
		t.Fatalf("the valid config: %v", err)
	}
	with := func(line int, text string) []string {
		out := append([]string(nil), validCfg...)
		out[line-1] = text
		return out
	}
	for _, c := range []struct {
		file  string
		lines []string
		line  int
		want  string
	}{
		{"a.cfg", with(9, "  MaxTerm = two"), 9, "MaxTerm must be a natural number"},
		{"b.cfg", with(7, "  PreVote = 1"), 7, "PreVote must be TRUE or FALSE"},
		{"c.cfg", with(17, "SYMMETRY Sym"), 17, "SYMMETRY Sym: unknown definition"},
		{"d.cfg", with(21, "INVARIANT TypeOK Bogus"), 21, "no such invariant"},
		{"e.cfg", with(22, "PROPERTY Liveness"), 22, "no such action property"},
		{"f.cfg", with(16, "  CuttableLinks <- SomeLinks"), 16, "unknown definition"},
		{"g.cfg", with(15, `  \* MaxBatch = 2`), 22, "MaxBatch is not assigned"},
		{"h.cfg", with(3, "  Server = {s1, s3}"), 3, "without gaps"},
		{"i.cfg", with(16, "  CuttableLinks <- AllLinks  Foo <- MutFoo"), 16, "no seeded mutant overrides Foo"},
		{"j.cfg", with(16, "  CuttableLinks <- AllLinks  Restart <- MutRestart"), 16, "ambiguous"},
		{"MutVoteTwice.cfg", with(16, "  CuttableLinks <- AllLinks  Restart <- MutRestart"), 16, "does not belong to mutant VoteTwice"},
		{"k.cfg", with(12, "  MaxCopies = 0"), 12, "MaxCopies = 0 must be at least 1"},
		{"l.cfg", with(13, "  MaxCutLinks # 0"), 13, "unexpected character"},
		{"m.cfg", with(14, "  AllowRestart"), 14, "AllowRestart: expected = or <-"},
		{"n.cfg", with(19, "NEXT Step"), 19, "only Next is supported"},
		{"o.cfg", with(20, "CHECK_DEADLOCK TRUE"), 20, "not supported"},
		{"p.cfg", with(6, "  s1 = s1  s2 = s2  s3 = s3  v1 = v1  v2 = v3"), 6, "v2 must be the model value v2"},
		{"q.cfg", with(8, "  CheckQuorum = FALSE  Colour = red"), 8, "unknown constant Colour"},
		{"s.cfg", with(10, `  MaxLogLen = "one`), 10, "unterminated string"},
		{"t.cfg", with(10, `  MaxLogLen = "one"`), 10, "MaxLogLen must be a natural number"},
		{"r.cfg", with(10, "  MaxLogLen = 1  MaxLogLen = 2"), 10, "assigned twice"},
		{"u.cfg", with(3, "  Server = s1"), 3, "Server must be a set of model values s1, s2, ..."},
		{"v.cfg", with(4, "  Value = 2"), 4, "Value must be a set of model values v1, v2, ..."},
	} {
		p := write(c.file, c.lines)
		_, err := ParseConfig(p)
		prefix := fmt.Sprintf("%s:%d: ", p, c.line)
		if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q... containing %q", c.file, err, prefix, c.want)
		}
	}
	if _, err := ParseConfig(filepath.Join(dir, "missing.cfg")); err == nil {
		t.Errorf("a missing file parsed")
	}
}

// TestParseConfigData parses a config given as data, with SimRaft.tla's
// constants (ignored), and names the given path in errors.
func TestParseConfigData(t *testing.T) {
	lines := append([]string(nil), validCfg...)
	lines[14] += `  Depth = 30  Dir = "/tmp/behaviours"`
	cfg, err := ParseConfigData("sim.cfg", strings.Join(lines, "\n"))
	if err != nil || cfg.N != 3 || cfg.MaxBatch != 2 || !cfg.PreVote {
		t.Errorf("ParseConfigData: %+v, %v", cfg, err)
	}
	lines[20] = "INVARIANT Record"
	if _, err := ParseConfigData("sim.cfg", strings.Join(lines, "\n")); err == nil || !strings.HasPrefix(err.Error(), "sim.cfg:21: ") {
		t.Errorf("an unknown invariant: %v", err)
	}
}
