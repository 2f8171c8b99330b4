package traces

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/model"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

const tlaDir = "../tla"

func corpus(t *testing.T, name string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("corpus", name, "*.ndjson.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no behaviour in corpus/%s (make traces regenerates the corpus)", name)
	}
	return files
}

// countAnswers is the number of answers all servers of v handed out.
func countAnswers(v *spec.View) int {
	n := 0
	for _, s := range v.Servers {
		n += len(s.ReadStates)
	}
	return n
}

// TestReplayCorpus replays every behaviour TLC generated against raft/
// nodes, comparing the projected state after each step, and prints how
// often each action was replayed.
func TestReplayCorpus(t *testing.T) {
	coverage := map[string]map[string]int{}
	compaction := false // some corpus config enables AllowCompaction
	reads := false      // some corpus config enables reads (MaxReads > 0)
	answered := 0       // reads answered (readStates grown) over the corpus
	for _, name := range SimConfigs {
		cfg, err := SimModelConfig(tlaDir, name)
		if err != nil {
			t.Fatal(err)
		}
		compaction = compaction || cfg.AllowCompaction
		reads = reads || cfg.MaxReads > 0
		coverage[name] = map[string]int{}
		for _, f := range corpus(t, name) {
			tr, err := ReadNDJSON(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := Replay(tr, cfg); err != nil {
				t.Fatal(err)
			}
			for k, st := range tr.Steps[1:] {
				coverage[name][st.Action]++
				answered += countAnswers(st.View) - countAnswers(tr.Steps[k].View)
			}
		}
	}
	// The reads corpus must not only start reads but see them answered,
	// or the replay compares no answer index.
	if !reads {
		t.Error("no corpus config enables reads (MaxReads > 0)")
	}
	if answered == 0 {
		t.Error("no read is answered in the corpus: readStates never grows")
	}
	t.Logf("reads answered over the corpus: %d", answered)
	table := CoverageTable(coverage)
	t.Log("\n" + table)
	// Every action of the spec must have been replayed.
	for _, a := range raft.Actions() {
		if !compaction && (a == raft.ActionCompact || a == raft.ActionHandleSnapshotRequest) {
			// Enabled only by AllowCompaction, which no corpus config sets
			// yet: said, not counted as covered.
			t.Logf("%s: no corpus config enables AllowCompaction", a)
			continue
		}
		total := 0
		for _, c := range coverage {
			total += c[string(a)]
		}
		if total == 0 {
			t.Errorf("the corpus never exercises %s", a)
		}
	}
}

// TestReplayDetectsDivergence: a trace whose state the implementation
// cannot reach must be rejected, with the step, the action and a diff.
func TestReplayDetectsDivergence(t *testing.T) {
	name := "prevote"
	cfg, err := SimModelConfig(tlaDir, name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ReadNDJSON(corpus(t, name)[0])
	if err != nil {
		t.Fatal(err)
	}
	// Corrupt the term of server 1 in the last state.
	last := tr.Steps[len(tr.Steps)-1].View.Clone()
	last.Servers[0].Term += 7
	tr.Steps[len(tr.Steps)-1].View = last
	err = Replay(tr, cfg)
	var re *ReplayError
	if !errors.As(err, &re) {
		t.Fatalf("Replay of a corrupted trace = %v, want a *ReplayError", err)
	}
	if re.Step != len(tr.Steps)-1 || re.Diff == "" || !strings.Contains(re.Error(), "Term") {
		t.Fatalf("the error does not name the step and show the diff: %v", err)
	}
	t.Log(err)
}

// TestParseErrors: bad input names the file, the line and the field.
func TestParseErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "good.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	for _, c := range []struct {
		name, text, want string
	}{
		{"truncated line", lines[0] + lines[1][:len(lines[1])/2], "good.ndjson:2"},
		{"not JSON", "{\n", "good.ndjson:1"},
		{"no state", "", "no state"},
		{"unknown role", strings.Replace(lines[0], `"Follower"`, `"Boss"`, 1), "field state"},
		{"missing variable", strings.Replace(lines[0], `"currentTerm"`, `"currentTerms"`, 1), "field currentTerm"},
		{"bad server", strings.Replace(lines[0], `"votedFor":{"s1":"Nil"`, `"votedFor":{"s1":"s9"`, 1), "not a server"},
		{"bad message", strings.Replace(lines[1], `mterm |-> 1`, `mterm |-> TRUE`, 1), "field messages"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseNDJSON("good.ndjson", strings.NewReader(c.text))
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseNDJSON = %v, want a *ParseError mentioning %q", err, c.want)
			}
		})
	}
	// An unknown action parses, and Labels names it.
	tr, err := ParseNDJSON("good.ndjson", strings.NewReader(lines[0]+strings.Replace(lines[1], `"`+string(raft.ActionTimeout)+`"`, `"Frobnicate"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Labels(tr); err == nil || !strings.Contains(err.Error(), "good.ndjson:2") || !strings.Contains(err.Error(), "Frobnicate") {
		t.Fatalf("Labels = %v, want an error naming the line and the action", err)
	}
}

// FuzzParse: the parsers never panic on any input.
func FuzzParse(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "good.ndjson"))
	if err != nil {
		f.Fatal(err)
	}
	// Two states are enough to reach every decoder; a longer seed only
	// slows the fuzzer's minimisation down.
	lines := strings.SplitAfter(string(good), "\n")
	f.Add([]byte(lines[0] + lines[1]))
	f.Add([]byte(`{"action":[[[1,{}]]],"state":[[1,{}]]}`))
	f.Add([]byte(`[mtype |-> "VoteRequest", mentries |-> <<[term |-> 1, value |-> Nil]>>]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if tr, err := ParseNDJSON("fuzz", bytes.NewReader(data)); err == nil {
			_, _ = Labels(tr)
		}
		_, _ = ParseDumpTrace("fuzz", data)
		_, _ = parseTLA(string(data))
	})
}

// TestDumpTraceCounterexample: a -dumpTrace json counterexample from TLC
// (the MutVoteTwice mutant's) parses, and the model reaches each state.
func TestDumpTraceCounterexample(t *testing.T) {
	tr, err := ReadDumpTrace(filepath.Join("testdata", "MutVoteTwice.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.ParseConfig(filepath.Join(tlaDir, "MutVoteTwice.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := Labels(tr)
	if err != nil {
		t.Fatal(err)
	}
	v := tr.Steps[0].View
	for k, l := range labels {
		next, err := model.Apply(cfg, v, l)
		if err != nil {
			t.Fatalf("step %d %v: %v", k+1, l, err)
		}
		if !spec.Equal(next, tr.Steps[k+1].View) {
			t.Fatalf("step %d %v: the model and TLC's counterexample disagree", k+1, l)
		}
		v = next
	}
	if err := spec.ElectionSafety(v); err == nil {
		t.Fatal("the counterexample's last state does not violate ElectionSafety")
	}
}

// TestValidateLogs runs property-harness clusters with tracing on, writes
// their logs and has TLC validate them against tla/TraceRaft.tla; a
// corrupted log must be rejected at the corrupted line.
func TestValidateLogs(t *testing.T) {
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		t.Skipf("TLC skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, o := range []properties.Options{{N: 3, PreVote: true, CheckQuorum: true}, {N: 3, MaxEntriesPerMsg: 1},
		{N: 3, Compaction: true}, {N: 3, Reads: true}} {
		path := filepath.Join(dir, fmt.Sprintf("run-%v-%v-%v-%v.ndjson", o.PreVote, o.CheckQuorum, o.Compaction, o.Reads))
		seed := uint64(7)
		if o.Compaction {
			seed = 20 // a run in which followers handle snapshots (3 of them)
		}
		if o.Reads {
			seed = 5 // a run with 5 reads, answered
		}
		lines, err := WriteRandomLog(path, o, seed, 400)
		if err != nil {
			t.Fatal(err)
		}
		if o.Compaction {
			// The run must compact and send a snapshot that a follower
			// handles, or it validates nothing of them.
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{`"action":"Compact"`, `"action":"HandleSnapshotRequest"`} {
				if !bytes.Contains(data, []byte(a)) {
					t.Fatalf("the compaction run's log has no %s line", a)
				}
			}
		}
		kinds := Corruptions
		if o.Reads {
			// The run must read and answer, or it validates nothing
			// of reads: a ClientRead line, and an answer in a state.
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{`"action":"ClientRead"`, `"readStates":[[`} {
				if !bytes.Contains(data, []byte(a)) {
					t.Fatalf("the reads run's log has no %s", a)
				}
			}
			kinds = append(slices.Clone(kinds), ReadCorruptions...)
		}
		if err := ValidateLog(context.Background(), jar, tlaDir, path, o); err != nil {
			t.Fatalf("TLC rejected a real run (%d lines): %v", lines, err)
		}
		// Each kind of corruption is rejected, at the corrupted line.
		for _, kind := range kinds {
			bad, at, err := CorruptLogAs(path, kind)
			if err != nil {
				t.Fatal(err)
			}
			err = ValidateLog(context.Background(), jar, tlaDir, bad, o)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Line != at {
				t.Errorf("%v: TLC on a log whose %s is corrupted at line %d: %v", o, kind, at, err)
			}
		}
	}
}
