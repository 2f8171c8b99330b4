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
// against raft/, and fails on any divergence. Behaviours the spec's
// MaxBatch shaped (traces.BatchBinds) are counted and not replayed: etcd
// bounds an append in bytes (MaxSizePerMsg), and entries of different sizes
// make no byte bound equal to a bound of two entries; raft/ replays them
// (traces.TestReplayCorpus).
func TestReplayCorpus(t *testing.T) {
	total, bound, failed := 0, 0, 0
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
			if err := traces.ReplayOn(etcd.Library, tr, cfg); err != nil {
				failed++
				t.Errorf("%v", err)
			}
		}
	}
	fmt.Printf("conformance replay: etcd %s: %d behaviours: %d replayed, %d shaped by MaxBatch (raft/ only), %d diverged\n",
		etcd.Version, total, total-bound, bound, failed)
	if total-bound < total/2 {
		t.Errorf("fewer than half the behaviours replayed")
	}
}

// TestReplayDetectsDivergence: a behaviour whose last state etcd cannot
// reach is rejected at that step, with a diff.
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
	if !errors.As(err, &re) || re.Step != len(tr.Steps)-1 || re.Diff == "" {
		t.Fatalf("replay of a corrupted behaviour = %v, want a divergence at step %d", err, len(tr.Steps)-1)
	}
}
