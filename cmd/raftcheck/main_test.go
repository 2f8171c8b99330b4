package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs raftcheck with args and returns its exit status and output.
func runCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

const manifest = "../../tla/models.json"

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"frobnicate"},
		{"explore", "-no-such-flag"},
		{"explore", "-models", manifest, "-config", "no-such-model"},
		{"explore", "-config", "../../tla/NoSuch.cfg"},
		{"explore", "-models", manifest, "-config", "plain", "-servers", "9"},
		{"explore", "-models", manifest, "-config", "plain", "stray"},
		{"agree", "-models", "no/such/models.json"},
	} {
		if code, _, errOut := runCmd(args...); code != exitBadUsage || errOut == "" {
			t.Errorf("raftcheck %q: exit %d (stderr %q), want %d with a message", args, code, errOut, exitBadUsage)
		}
	}
}

func TestExploreBadConfigNamesLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.cfg")
	if err := os.WriteFile(p, []byte("CONSTANTS\n  Server = {s1}\n  MaxTerm = x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd("explore", "-config", p)
	if code != exitBadUsage || !strings.Contains(errOut, p+":3:") {
		t.Errorf("exit %d, stderr %q: want %d and the file and line", code, errOut, exitBadUsage)
	}
}

func TestExplorePasses(t *testing.T) {
	code, out, errOut := runCmd("explore", "-models", manifest, "-config", "prevote", "-max-term", "1", "-progress", "0")
	if code != exitOK || !strings.Contains(out, "every invariant and property holds") || !strings.Contains(out, "MaxTerm 1") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestExploreOverrides(t *testing.T) {
	// Without PreVote, a server becomes candidate at once, without a
	// pre-vote quorum.
	code, out, _ := runCmd("explore", "-models", manifest, "-config", "isolation", "-prevote=false", "-checkquorum=false", "-progress", "0")
	if code != exitFailed || !strings.Contains(out, "CandidateHasPreVoteQuorum is violated") || !strings.Contains(out, "PreVote false") ||
		!strings.Contains(out, "counterexample: 2 states") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("explore", "-models", manifest, "-config", "plain", "-servers", "1", "-max-term", "2", "-max-log", "1",
		"-max-inflight", "1", "-max-copies", "2", "-max-cut", "0", "-batch", "1", "-restart", "-progress", "0")
	if code != exitOK || !strings.Contains(out, "1 servers") || !strings.Contains(out, "AllowRestart true") || !strings.Contains(out, "MaxBatch 1") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestExploreViolationTable(t *testing.T) {
	code, out, _ := runCmd("explore", "-config", "../../tla/MutVoteTwice.cfg", "-progress", "0")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailed, out)
	}
	for _, want := range []string{"invariant ElectionSafety is violated", "counterexample: 11 states",
		"step", "server 3", "Timeout(1)", "HandleVoteResponse", "in flight:"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}

func TestSpeedWithoutTLC(t *testing.T) {
	t.Setenv("TLA2TOOLS_JAR", filepath.Join(t.TempDir(), "none.jar"))
	t.Setenv("REQUIRE_TLC", "")
	code, out, errOut := runCmd("speed", "-models", manifest, "-config", "MutCommitEarlierTerm")
	if code != exitOK || !strings.Contains(out, "distinct states/s") || !strings.Contains(out, "TLC skipped") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// An agreement check that must fail: a manifest whose figures are off.
func TestAgreeDetectsDisagreement(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"MutVoteTwice.cfg", "MCRaft_isolation_noprevote.cfg"} {
		data, err := os.ReadFile(filepath.Join("../../tla", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	man := `{"tlc": {"version": "x", "workers": 1}, "models": [
	 {"name": "m", "module": "MutVoteTwice", "config": "MutVoteTwice.cfg", "expect": "ElectionSafety", "mutation": "VoteTwice", "check": true, "trace_length": 12},
	 {"name": "n", "module": "MCRaft", "config": "MCRaft_isolation_noprevote.cfg", "expect": "IsolatedTermStable", "check": true, "trace_length": 4}]}`
	p := filepath.Join(dir, "models.json")
	if err := os.WriteFile(p, []byte(man), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd("agree", "-models", p)
	if code != exitFailed || !strings.Contains(out, "DISAGREE: trace of 11 states, TLC 12") || !strings.Contains(out, "1 of 2 models disagree") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// Every TLC step, without a jar: skipped (exit 0, "TLC skipped: ...") unless
// REQUIRE_TLC=1, when it fails saying TLC was required and where the jar was
// looked for.
func TestTLCStepsRequireTLC(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none", "tla2tools.jar")
	t.Setenv("TLA2TOOLS_JAR", missing)
	steps := [][]string{
		{"tlc", "-models", manifest},
		{"tlc", "-fail", "-models", manifest},
		{"traces", "gen", "-out", filepath.Join(t.TempDir(), "corpus")},
		{"traces", "validate"},
		{"speed", "-models", manifest, "-config", "MutVoteTwice"},
	}
	for _, args := range steps {
		t.Setenv("REQUIRE_TLC", "")
		code, out, errOut := runCmd(args...)
		if code != exitOK || !strings.Contains(out, "TLC skipped: no TLC: no jar at "+missing) {
			t.Errorf("raftcheck %q without REQUIRE_TLC: exit %d\n%s%s", args, code, out, errOut)
		}
		t.Setenv("REQUIRE_TLC", "1")
		code, out, errOut = runCmd(args...)
		if code != exitFailed || strings.Contains(out, "TLC skipped") ||
			!strings.Contains(errOut, "TLC is required (REQUIRE_TLC=1)") || !strings.Contains(errOut, missing) {
			t.Errorf("raftcheck %q with REQUIRE_TLC=1: exit %d, want %d and an error naming %s\n%s%s", args, code, exitFailed, missing, out, errOut)
		}
	}
}

// A manifest entry without TLC's figures is a usage error naming the entry,
// for agree and for tlc (even where TLC is skipped).
func TestManifestWithoutFigures(t *testing.T) {
	t.Setenv("TLA2TOOLS_JAR", filepath.Join(t.TempDir(), "none.jar"))
	t.Setenv("REQUIRE_TLC", "")
	man := `{"tlc": {"version": "x", "workers": 1}, "models": [
	 {"name": "unrecorded", "module": "MCRaft", "config": "MCRaft_plain.cfg", "expect": "pass", "check": true}]}`
	p := filepath.Join(t.TempDir(), "models.json")
	if err := os.WriteFile(p, []byte(man), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"agree", "-models", p}, {"tlc", "-models", p}} {
		code, out, errOut := runCmd(args...)
		if code != exitBadUsage || !strings.Contains(errOut, `model 0 ("unrecorded") has no TLC figures`) {
			t.Errorf("raftcheck %q: exit %d, want %d naming the entry\n%s%s", args, code, exitBadUsage, out, errOut)
		}
	}
}

// explore -walk: a passing model holds on every walk; a mutant is caught by
// the property it is seeded for, with its counterexample table.
func TestExploreWalk(t *testing.T) {
	code, out, errOut := runCmd("explore", "-models", manifest, "-config", "prevote", "-walk", "100", "-depth", "50", "-progress", "0")
	if code != exitOK || !strings.Contains(out, "100 walks of at most 50 states") || !strings.Contains(out, "holds on every walk") {
		t.Errorf("prevote: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd("explore", "-models", manifest, "-config", "MutVoteTwice", "-walk", "5000", "-depth", "60", "-draw", t.TempDir())
	if code != exitFailed || !strings.Contains(out, "ElectionSafety violated on walk") {
		t.Errorf("MutVoteTwice: exit %d, want %d and ElectionSafety violated\n%s%s", code, exitFailed, out, errOut)
	}
	for _, args := range [][]string{{"-walk", "-1"}, {"-walk", "3", "-depth", "0"}} {
		if code, _, _ := runCmd(append([]string{"explore", "-models", manifest, "-config", "prevote"}, args...)...); code != exitBadUsage {
			t.Errorf("explore %q: exit %d, want %d", args, code, exitBadUsage)
		}
	}
}

// agree with model names checks only those, and an unknown name is bad
// usage; tlc -simulate needs model names.
func TestAgreeNamedAndSimulateUsage(t *testing.T) {
	code, out, errOut := runCmd("agree", "-models", manifest, "four", "MutVoteTwice")
	if code != exitOK || !strings.Contains(out, "all 2 models agree") || strings.Contains(out, "plain") {
		t.Errorf("agree four MutVoteTwice: exit %d\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"agree", "-models", manifest, "no-such-model"},
		{"tlc", "-models", manifest, "-simulate", "10"},
		{"tlc", "-models", manifest, "-simulate", "10", "-record", "four"},
	} {
		if code, _, errOut := runCmd(args...); code != exitBadUsage || errOut == "" {
			t.Errorf("raftcheck %q: exit %d (stderr %q), want %d with a message", args, code, errOut, exitBadUsage)
		}
	}
}

// explore -record writes a passing run's figures into the manifest as the
// explorer's (a new entry for a cfg without one), and refuses overrides and
// models whose figures are TLC's.
func TestExploreRecord(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../tla/MCRaft_four.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "MCRaft_cousin.cfg")
	for _, p := range []string{cfg, filepath.Join(dir, "MCRaft_four.cfg")} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	man := filepath.Join(dir, "models.json")
	if err := os.WriteFile(man, []byte(`{"tlc": {"version": "x", "workers": 1}, "models": [
	 {"name": "four", "module": "MCRaft", "config": "MCRaft_four.cfg", "expect": "pass", "check": true, "distinct": 12802, "generated": 1, "depth": 1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("explore", "-models", man, "-config", cfg, "-progress", "0", "-record")
	if code != exitOK || !strings.Contains(out, "recorded cousin") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got, err := os.ReadFile(man)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name": "cousin"`, `"distinct": 12802`, `"recorded_by": "explorer"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the manifest lacks %s:\n%s", want, got)
		}
	}
	for _, args := range [][]string{
		{"-config", cfg, "-record", "-max-term", "1"},
		{"-config", "four", "-record"},
	} {
		if code, _, errOut := runCmd(append([]string{"explore", "-models", man, "-progress", "0"}, args...)...); code != exitBadUsage || !strings.Contains(errOut, "-record") {
			t.Errorf("explore %q: exit %d, stderr %q", args, code, errOut)
		}
	}
}
