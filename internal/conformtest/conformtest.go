// Package conformtest holds the conformance tests that every Raft library
// plugged into the harness runs the same way: the differential runs
// against raft/, the commit-bump case of issue 10, the replay of TLC's
// corpus, and TLC's validation of the library's logs. Each conformance
// module (conformance/etcd for etcd v3.7, conformance/etcd36 for v3.6)
// calls them from one-line tests with its driver.Library, so that the
// releases are held to exactly the same checks.
package conformtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/internal/tlc"
	"github.com/checkedraft/checkedraft/properties"
	"github.com/checkedraft/checkedraft/spec"
	"github.com/checkedraft/checkedraft/traces"
)

// repoRoot finds the repository's root from the test's working directory
// (a package directory somewhere below it): the first directory up that
// holds tla/Raft.tla.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tla", "Raft.tla")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("conformtest: no tla/Raft.tla in the working directory or above it")
		}
		dir = up
	}
}

// envInt reads a budget from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// ValidateLogs logs runs of lib of the differential action mix,
// each step derived from the harness action and the projected states
// (traces.Derive), and has TLC validate every log against
// tla/TraceRaft.tla, PreVote and pre-candidate steps included; a log whose
// reported state (term, log contents, tally, progress) is corrupted must be
// rejected at the corrupted line. VALIDATE_RUNS runs per
// configuration of VALIDATE_STEPS actions.
func ValidateLogs(t *testing.T, lib driver.Library) {
	root := repoRoot(t)
	jar, err := tlc.Jar()
	if errors.Is(err, tlc.ErrNoTLC) {
		fmt.Printf("conformance validate: %s: TLC skipped: %v\n", lib.Name, err)
		t.Skip("TLC skipped")
	}
	if err != nil {
		t.Fatal(err)
	}
	runs, steps := envInt("VALIDATE_RUNS", 2), envInt("VALIDATE_STEPS", 300)
	dir := t.TempDir()
	var corruptible string
	var corruptOpts properties.Options
	corruptValues := 0
	for _, o := range []properties.Options{{N: 3}, {N: 3, PreVote: true}, {N: 3, CheckQuorum: true}, {N: 3, PreVote: true, CheckQuorum: true}, {N: 5, PreVote: true, CheckQuorum: true}, {N: 3, PreVote: true, CheckQuorum: true, MaxEntriesPerMsg: 1}} {
		total := traces.LogFigures{Steps: map[string]int{}}
		for seed := uint64(1); seed <= uint64(runs); seed++ {
			path := filepath.Join(dir, fmt.Sprintf("run-%d-%v-%v-%d.ndjson", o.N, o.PreVote, o.CheckQuorum, seed))
			fig, err := traces.WriteLibraryLog(path, lib, o, seed, steps)
			if err != nil {
				t.Fatal(err)
			}
			if err := traces.ValidateLogValues(context.Background(), jar, filepath.Join(root, "tla"), path, o, fig.Values); err != nil {
				t.Fatalf("TLC rejected %s's run %v seed %d (%d lines): %v", lib.Name, o, seed, fig.Lines, err)
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
		fmt.Printf("conformance validate: %s %v: %d runs, %d actions, %d lines accepted by TLC; pre-vote requests %d, pre-vote responses %d, timeouts %d, lease expiries %d, quorum checks %d\n",
			lib.Name, o, runs, total.Actions, total.Lines, total.Steps["HandlePreVoteRequest"], total.Steps["HandlePreVoteResponse"],
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
		err = traces.ValidateLogValues(context.Background(), jar, filepath.Join(root, "tla"), bad, corruptOpts, corruptValues)
		var ve *traces.ValidationError
		if !errors.As(err, &ve) || ve.Line != at {
			t.Errorf("TLC on a log whose %s is corrupted at line %d: %v", kind, at, err)
			continue
		}
		fmt.Printf("conformance validate: %s: a log whose %s is corrupted at line %d is rejected at line %d\n", lib.Name, kind, at, ve.Line)
	}
}

// ReplayCorpus replays the checked-in TLC corpus (traces/corpus)
// against lib's nodes, step by step, as traces.TestReplayCorpus does
// against raft/, and fails on any divergence. Behaviours the spec's
// MaxBatch shaped (traces.BatchBinds) are counted and not replayed: etcd
// bounds an append in bytes (MaxSizePerMsg), and entries of different sizes
// make no byte bound equal to a bound of two entries; raft/ replays them
// (traces.TestReplayCorpus). Behaviours with an AbortTransfer, or a
// QuorumCheck while a transfer is pending, are counted and not replayed
// either: etcd gives a transfer up in the same count of an election
// timeout as its quorum check (tickHeartbeat), so it can take neither
// step alone; raft/ replays them.
func ReplayCorpus(t *testing.T, lib driver.Library) {
	root := repoRoot(t)
	total, bound, aborts, failed, noCompact, noRead := 0, 0, 0, 0, 0, 0
	for _, name := range traces.SimConfigs {
		cfg, err := traces.SimModelConfig(filepath.Join(root, "tla"), name)
		if err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(root, "traces", "corpus", name, "*.ndjson.gz"))
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
			if transferTimed(tr) {
				aborts++
				continue
			}
			// Not shaped by MaxBatch: replayed without a bound
			// (traces.TestBatchBinds shows that this is the same).
			cfg := cfg
			cfg.MaxBatch = 0
			if err := traces.ReplayOn(lib, tr, cfg); errors.Is(err, traces.ErrNoCompactor) {
				// The library's driver cannot compact: said below,
				// not counted as replayed.
				noCompact++
			} else if errors.Is(err, traces.ErrNoReader) {
				// Likewise a driver that cannot read.
				noRead++
			} else if err != nil {
				failed++
				t.Errorf("%v", err)
			}
		}
	}
	replayed := total - bound - aborts - noCompact - noRead
	fmt.Printf("conformance replay: %s: %d behaviours: %d replayed, %d shaped by MaxBatch, %d timing a transfer out (raft/ only), %d need compaction, which its driver lacks, %d need reads, which its driver lacks, %d diverged\n",
		lib.Name, total, replayed, bound, aborts, noCompact, noRead, failed)
	if replayed < total/2 {
		t.Errorf("fewer than half the behaviours replayed")
	}
}

// ReplayDetectsDivergence: a behaviour whose last state etcd cannot
// reach is rejected at that step, with a diff.
func ReplayDetectsDivergence(t *testing.T, lib driver.Library) {
	root := repoRoot(t)
	cfg, err := traces.SimModelConfig(filepath.Join(root, "tla"), "prevote")
	if err != nil {
		t.Fatal(err)
	}
	// The first behaviour MaxBatch did not shape.
	files, _ := filepath.Glob(filepath.Join(root, "traces", "corpus", "prevote", "*.ndjson.gz"))
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
	err = traces.ReplayOn(lib, tr, cfg)
	var re *traces.ReplayError
	if !errors.As(err, &re) || re.Step != len(tr.Steps)-1 || re.Diff == "" {
		t.Fatalf("replay of a corrupted behaviour = %v, want a divergence at step %d", err, len(tr.Steps)-1)
	}
}

// The smallest case of etcd's commit bump (issue 10, section 5), on 3 nodes
// without PreVote: once the leader has committed its empty entry, the
// acknowledgement of the follower it had not told gets an empty append
// carrying the commit (etcd: stepLeader's MsgAppResp branch,
// Progress.CanBumpCommit). raft/ must do the same, in lockstep.
func CommitBumpSmallestCase(t *testing.T, lib driver.Library) {
	l, d, err := driver.NewLockstep(driver.Native, lib, driver.Setup{N: 3}, []int{5, 9, 9})
	if err != nil || d != nil {
		t.Fatal(err, d)
	}
	step := func(a driver.Action) {
		t.Helper()
		d, err := l.Step(a)
		if err != nil {
			t.Fatal(err)
		}
		if d != nil {
			t.Fatal(d)
		}
	}
	// deliver delivers the message in flight of that type between from
	// and to.
	deliver := func(typ spec.MsgType, from, to int) {
		t.Helper()
		for i, m := range l.A.Flight() {
			if m.Type == typ && m.From == from && m.To == to {
				step(driver.Action{Kind: driver.Deliver, Msg: i})
				return
			}
		}
		t.Fatalf("no %v %d->%d in flight %v", typ, from, to, l.A.Flight())
	}
	step(driver.Action{Kind: driver.Campaign, Node: 1})
	deliver(spec.VoteRequest, 1, 2)
	deliver(spec.VoteResponse, 2, 1)
	deliver(spec.AppendEntriesRequest, 1, 2)
	deliver(spec.AppendEntriesRequest, 1, 3)
	deliver(spec.AppendEntriesResponse, 2, 1)
	if c := l.B.Snapshot().Nodes[0].State.Server.Commit; c != 1 {
		t.Fatalf("etcd's leader commits %d, want 1", c)
	}
	deliver(spec.AppendEntriesResponse, 3, 1)
	want := spec.Message{Type: spec.AppendEntriesRequest, From: 1, To: 3, Term: 1, PrevLogIndex: 1, PrevLogTerm: 1, Commit: 1}
	if sent := l.B.Sent(); len(sent) != 1 || !sent[0].Equal(want) {
		t.Fatalf("etcd sent %v, want %v", sent, want)
	}
}

// budget is the number of actions per schedule (CONFORMANCE_STEPS); the
// number of schedules per configuration is rapid's (RAPID_CHECKS).

// Differential runs random schedules on raft/ and etcd in lockstep, on
// 3 and 5 nodes with every PreVote x CheckQuorum combination, and fails
// with rapid's shrunk schedule and a go-cmp diff on any divergence. It
// prints the figures of each configuration.
func Differential(t *testing.T, lib driver.Library) {
	budget := driver.BudgetFromEnv(100, 300)
	start := time.Now()
	var total driver.Figures
	_, canRead := startOne(t, lib).(driver.Reader)
	for _, s := range driver.Setups() {
		if s.Reads && !canRead {
			// Said, not counted: the library's driver cannot read.
			fmt.Printf("conformance %s vs %s %v: not run: its driver is no driver.Reader\n", driver.Native.Name, lib.Name, s)
			continue
		}
		t.Run(s.String(), func(t *testing.T) {
			begin := time.Now()
			fig := driver.Check(t, driver.Native, lib, s, budget.Steps)
			fmt.Printf("conformance %s vs %s %v: %v (%.1fs)\n", driver.Native.Name, lib.Name, s, fig, time.Since(begin).Seconds())
			if !t.Failed() {
				// The schedules must exercise what the issue asks for: timeouts
				// that fire, elections, restarts; leases only with CheckQuorum.
				if fig.Elections == 0 || fig.Timeouts == 0 || fig.Restarts == 0 || fig.StepDowns == 0 {
					t.Errorf("vacuous run: %v", fig)
				}
				if s.Compaction && (fig.Compactions == 0 || fig.Snapshots == 0) {
					t.Errorf("a compaction run that did not compact or send a snapshot: %v", fig)
				}
				if s.Reads && (fig.Reads == 0 || fig.Answered == 0) {
					t.Errorf("a reads run that answered no read: %v", fig)
				}
				if s.CheckQuorum && fig.LeaseExpiries == 0 {
					t.Errorf("no lease expired: %v", fig)
				}
			}
			total.Add(fig)
		})
	}
	fmt.Printf("conformance total: %v (%.1fs, RAPID_CHECKS=%d per configuration, CONFORMANCE_STEPS=%d)\n",
		total, time.Since(start).Seconds(), budget.Checks, budget.Steps)
}

// transferTimed reports whether tr gives a transfer up (AbortTransfer) or
// checks a quorum while a transfer is pending: the steps that etcd's single
// election-timeout count of a leader takes together.
func transferTimed(tr *traces.Trace) bool {
	for k, st := range tr.Steps {
		if st.Action == "AbortTransfer" {
			return true
		}
		if st.Action == "QuorumCheck" && k > 0 {
			for _, s := range tr.Steps[k-1].View.Servers {
				if s.Transferee != 0 {
					return true
				}
			}
		}
	}
	return false
}

// startOne starts one node of lib, to see what its driver implements.
func startOne(t *testing.T, lib driver.Library) driver.Driver {
	t.Helper()
	d, err := lib.Start(driver.Config{ID: 1, N: 3, ElectionTick: 5, HeartbeatTick: 2, ElectionTimeout: 5}, &driver.Storage{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
