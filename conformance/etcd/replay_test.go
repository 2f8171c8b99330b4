package etcd_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/traces"
)

const repoRoot = "../.."

// TestReplayCorpus replays the checked-in TLC corpus (traces/corpus)
// against etcd v3.7 nodes, step by step, as traces.TestReplayCorpus does
// against raft/. Two kinds of behaviour are told apart and counted, never
// passed silently:
//   - behaviours the spec's MaxBatch shaped (traces.BatchBinds) are not
//     replayed: etcd bounds an append in bytes (MaxSizePerMsg), and entries
//     of different sizes make no byte bound equal to a bound of two
//     entries; raft/ replays them (traces.TestReplayCorpus);
//   - a replay that stops at etcd's commit bump (traces.CommitBumpOnly,
//     issue 10 section 5), which a corpus generated before the spec had the
//     rule shows; once the corpus has it, there are none.
//
// Any other divergence fails the test.
func TestReplayCorpus(t *testing.T) {
	total, bound, bumps, failed := 0, 0, 0, 0
	for _, name := range traces.SimConfigs {
		cfg, err := traces.SimModelConfig(filepath.Join(repoRoot, "tla"), name)
		if err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(repoRoot, "traces", "corpus", name, "*.ndjson.gz"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no behaviour in traces/corpus/%s: %v", name, err)
		}
		for _, f := range files {
			tr, err := traces.ReadNDJSON(f)
			if err != nil {
				t.Fatal(err)
			}
			total++
			if traces.BatchBinds(tr, cfg) {
				bound++
				continue
			}
			// Not shaped by MaxBatch: replayed without a bound
			// (traces.TestBatchBinds shows that this is the same).
			cfg := cfg
			cfg.MaxBatch = 0
			err = traces.ReplayOn(etcd.Library, tr, cfg)
			var re *traces.ReplayError
			switch {
			case err == nil:
			case errors.As(err, &re) && traces.CommitBumpOnly(re):
				bumps++
				t.Logf("stops at the commit bump: %s:%d step %d", re.File, re.Line, re.Step)
			default:
				failed++
				t.Errorf("%v", err)
			}
		}
	}
	fmt.Printf("conformance replay: etcd %s: %d behaviours: %d replayed to the end, %d up to etcd's commit bump, %d shaped by MaxBatch (raft/ only), %d diverged\n",
		etcd.Version, total, total-bound-bumps-failed, bumps, bound, failed)
	if total-bound-bumps-failed < total/2 {
		t.Errorf("fewer than half the behaviours replayed to the end")
	}
}

// TestReplayDetectsDivergence: a behaviour whose last state etcd cannot
// reach is rejected at that step, with a diff, and is not taken for the
// commit bump.
func TestReplayDetectsDivergence(t *testing.T) {
	cfg, err := traces.SimModelConfig(filepath.Join(repoRoot, "tla"), "prevote")
	if err != nil {
		t.Fatal(err)
	}
	// The first behaviour MaxBatch did not shape.
	files, _ := filepath.Glob(filepath.Join(repoRoot, "traces", "corpus", "prevote", "*.ndjson.gz"))
	var tr *traces.Trace
	for _, f := range files {
		if tr, err = traces.ReadNDJSON(f); err != nil {
			t.Fatal(err)
		}
		if !traces.BatchBinds(tr, cfg) {
			break
		}
		tr = nil
	}
	if tr == nil {
		t.Fatal("every behaviour of corpus/prevote is shaped by MaxBatch")
	}
	cfg.MaxBatch = 0
	last := tr.Steps[len(tr.Steps)-1].View.Clone()
	last.Servers[0].Term += 7
	tr.Steps[len(tr.Steps)-1].View = last
	err = traces.ReplayOn(etcd.Library, tr, cfg)
	var re *traces.ReplayError
	if !errors.As(err, &re) || re.Step != len(tr.Steps)-1 || re.Diff == "" || traces.CommitBumpOnly(re) {
		t.Fatalf("replay of a corrupted behaviour = %v, want a divergence at step %d", err, len(tr.Steps)-1)
	}
}
