package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/checkedraft/checkedraft/conformance/etcd"
	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/traces"
)

// validateBudget reads a budget from the environment.
func validateBudget(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestValidateLogs logs etcd v3.7 runs of the differential action mix,
// each step derived from the harness action and the projected states
// (traces.Derive), and has TLC validate every log against
// tla/TraceRaft.tla, PreVote and pre-candidate steps included; a log whose
// reported state (term, log contents, tally, progress) is corrupted must be
// rejected at the corrupted line. VALIDATE_RUNS runs per
// configuration of VALIDATE_STEPS actions.
func TestValidateLogs(t *testing.T) {
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		fmt.Printf("conformance validate: etcd %s: TLC skipped: %v\n", etcd.Version, err)
		t.Skip("TLC skipped")
	}
	if err != nil {
		t.Fatal(err)
	}
	runs, steps := validateBudget("VALIDATE_RUNS", 2), validateBudget("VALIDATE_STEPS", 300)
	dir := t.TempDir()
	var corruptible string
	var corruptOpts properties.Options
	corruptValues := 0
	for _, o := range []properties.Options{{N: 3}, {N: 3, PreVote: true}, {N: 3, CheckQuorum: true}, {N: 3, PreVote: true, CheckQuorum: true}, {N: 5, PreVote: true, CheckQuorum: true}, {N: 3, PreVote: true, CheckQuorum: true, MaxEntriesPerMsg: 1}} {
		total := traces.LogFigures{Steps: map[string]int{}}
		for seed := uint64(1); seed <= uint64(runs); seed++ {
			path := filepath.Join(dir, fmt.Sprintf("etcd-%d-%v-%v-%d.ndjson", o.N, o.PreVote, o.CheckQuorum, seed))
			fig, err := traces.WriteLibraryLog(path, etcd.Library, o, seed, steps)
			if err != nil {
				t.Fatal(err)
			}
			if err := traces.ValidateLogValues(context.Background(), jar, filepath.Join(repoRoot, "tla"), path, o, fig.Values); err != nil {
				t.Fatalf("TLC rejected etcd's run %v seed %d (%d lines): %v", o, seed, fig.Lines, err)
			}
			total.Actions += fig.Actions
			total.Lines += fig.Lines
			for a, k := range fig.Steps {
				total.Steps[a] += k
			}
			if o.PreVote && corruptible == "" && fig.Lines > 30 {
				corruptible, corruptOpts, corruptValues = path, o, fig.Values
			}
		}
		fmt.Printf("conformance validate: etcd %s %v: %d runs, %d actions, %d lines accepted by TLC; pre-vote requests %d, pre-vote responses %d, timeouts %d, lease expiries %d, quorum checks %d\n",
			etcd.Version, o, runs, total.Actions, total.Lines, total.Steps["HandlePreVoteRequest"], total.Steps["HandlePreVoteResponse"],
			total.Steps["Timeout"], total.Steps["LeaseExpire"], total.Steps["QuorumCheck"])
		if total.Steps["Timeout"] == 0 || total.Steps["HandleAppendEntriesRequest"] == 0 {
			t.Errorf("%v: vacuous logs: %v", o, total.Steps)
		}
		if o.PreVote && total.Steps["HandlePreVoteResponse"] == 0 {
			t.Errorf("%v: no pre-vote response logged: %v", o, total.Steps)
		}
	}
	if corruptible == "" {
		t.Fatal("no PreVote log long enough to corrupt")
	}
	// Each corruption of the state a line reports (term, an entry's value,
	// the tally, a follower's match and next) is rejected at its line.
	for _, kind := range traces.StateCorruptions {
		bad, at, err := traces.CorruptLogAs(corruptible, kind)
		if err != nil {
			t.Fatal(err)
		}
		err = traces.ValidateLogValues(context.Background(), jar, filepath.Join(repoRoot, "tla"), bad, corruptOpts, corruptValues)
		var ve *traces.ValidationError
		if !errors.As(err, &ve) || ve.Line != at {
			t.Errorf("TLC on a log whose %s is corrupted at line %d: %v", kind, at, err)
			continue
		}
		fmt.Printf("conformance validate: etcd %s: a log whose %s is corrupted at line %d is rejected at line %d\n", etcd.Version, kind, at, ve.Line)
	}
}
