//go:build raftbugs

package properties

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/internal/bugs"
	"github.com/checkedraft/checkedraft/raft"
)

// Built with the tag raftbugs (make prop-nonvacuity), raft/ can run with one
// seeded bug (internal/bugs) switched on. Each must make the property suite fail within its
// default budget: the suite is shown able to fail.

// recorder is a rapid.TB that records a failure instead of failing the
// test, so that a test can assert that rapid found one.
type recorder struct {
	name   string
	failed bool
	out    strings.Builder
}

type stopRun struct{}

func (r *recorder) Helper()                         {}
func (r *recorder) Name() string                    { return r.name }
func (r *recorder) Logf(format string, args ...any) { fmt.Fprintf(&r.out, format+"\n", args...) }
func (r *recorder) Log(args ...any)                 { fmt.Fprintln(&r.out, args...) }
func (r *recorder) Skipf(format string, args ...any) {
	r.Logf(format, args...)
	r.SkipNow()
}
func (r *recorder) Skip(args ...any)                  { r.Log(args...); r.SkipNow() }
func (r *recorder) SkipNow()                          { panic(stopRun{}) }
func (r *recorder) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recorder) FailNow()                          { r.failed = true; panic(stopRun{}) }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// run runs prop under rapid and reports whether rapid found a failure.
func (r *recorder) run(prop func(*rapid.T)) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stopRun); !ok {
				panic(p)
			}
		}
	}()
	rapid.Check(r, prop)
}

func TestNonVacuity(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	// Each bug must be caught, with refinement (the model refuses the
	// step) and by the spec's properties alone, by the check named for
	// that mode: the property it breaks, or Refinement where the broken
	// step is a compound one or breaks no property until later (the model
	// refuses it first). Only that check fails a case (machine.expect): a
	// case another check stops ends, and rapid searches on. only: that
	// check alone fails on the caught step.
	type bugCase struct {
		bug  bugs.Bug
		o    Options
		want map[bool]string // refinement on -> the check that catches it
		only bool
		// steps overrides RAPID_STEPS for a bug that needs longer runs
		// without refinement, and weights the actions' weights.
		steps   int
		weights map[string]int
	}
	cases := []bugCase{
		{bug: bugs.PreCandidateBumpsTerm, o: Options{N: 3, PreVote: true},
			want: map[bool]string{true: "PreVoteKeepsTermAndVote", false: "PreVoteKeepsTermAndVote"}},
		{bug: bugs.PreVoteAdoptsTerm, o: Options{N: 3, PreVote: true},
			want: map[bool]string{true: "PreVoteRequestHarmless", false: "PreVoteRequestHarmless"}},
		{bug: bugs.GrantWithoutLogCheck, o: Options{N: 3},
			want: map[bool]string{true: Refinement, false: "LeaderCompleteness"}},
		{bug: bugs.RestartForgetsVote, o: Options{N: 3},
			want: map[bool]string{true: Refinement, false: "OneVotePerTerm"}},
		// With one entry per append a follower can hold an earlier-term
		// entry without the leader's own (the figure 8 situation). Without
		// the model, only a later leader lacking the wrongly committed
		// entry shows the bug: a deeper case, given longer runs and more
		// proposals, campaigns and lost messages (figure8Weights).
		{bug: bugs.CommitEarlierTerm, o: Options{N: 3, MaxEntriesPerMsg: 1},
			want: map[bool]string{true: Refinement, false: "LeaderCompleteness"}, steps: 1000, weights: figure8Weights},
		// A lost acknowledged entry breaks no invariant of a state: only
		// the history of commits shows it.
		{bug: bugs.RestartLosesLastEntry, o: Options{N: 3},
			want: map[bool]string{true: Refinement, false: CommittedNeverLost}, only: true},
		// A follower within its lease that grants a higher-term vote.
		// With PreVote too it is caught by name in TestNonVacuityCheckQuorum.
		{bug: bugs.LeaseIgnored, o: Options{N: 3, CheckQuorum: true},
			want: map[bool]string{true: "LeaseHonoured", false: "LeaseHonoured"}},
		// A leader staying leader without a quorum is visible with four
		// servers only, and random runs rarely reach it: no random runs
		// (want is empty); TestNonVacuityNoStepDown catches it by name in a
		// scenario.
		{bug: bugs.NoStepDown, o: Options{N: 4, CheckQuorum: true}},
		// The read path: a read answered without the heartbeat quorum, or
		// before the leader committed in its term, returns an index below
		// what was committed when it began.
		// Without refinement, ReadWithoutQuorum shows only when a deposed
		// leader answers a read after a new leader committed, which these
		// random runs do not reach within budget: with refinement only
		// (ReadIndexLinearizable catches it in the spec: MutReadWithoutQuorum,
		// TLC and the explorer).
		{bug: bugs.ReadWithoutQuorum, o: Options{N: 3},
			want: map[bool]string{true: Refinement}, weights: readWeights},
		{bug: bugs.ReadBeforeTermCommit, o: Options{N: 3},
			want: map[bool]string{true: Refinement, false: "ReadIndexLinearizable"}, steps: 1000, weights: readWeights},
	}
	for _, b := range append(slices.Clone(bugs.All), bugs.Reads...) {
		if !slices.ContainsFunc(cases, func(c bugCase) bool { return c.bug == b }) {
			t.Errorf("seeded bug %s has no case here: nothing shows the suite catches it", b)
		}
	}
	for _, c := range cases {
		if len(c.want) == 0 {
			continue // caught by a scenario of its own (see the case)
		}
		for _, refine := range []bool{true, false} {
			if _, ok := c.want[refine]; !ok {
				continue // not run this way (see the case)
			}
			name := fmt.Sprintf("%s/refinement=%v", c.bug, refine)
			t.Run(name, func(t *testing.T) {
				bugs.Set(c.bug)
				defer bugs.Set("")
				// A fail file left by an earlier run would be replayed
				// instead of searched for: start from none.
				recName := fmt.Sprintf("NonVacuity_%s_refinement_%v", c.bug, refine)
				if err := os.RemoveAll(filepath.Join("testdata", "rapid", recName)); err != nil {
					t.Fatal(err)
				}
				if c.steps > 0 && !refine {
					longerRuns(t, c.steps)
				}
				rec := &recorder{name: recName}
				failed := &failedRun{}
				rec.run(func(rt *rapid.T) {
					m := newMachine(rt, c.o)
					m.failed = failed
					m.k.Refinement = refine
					m.expect = c.want[refine]
					m.weights = c.weights
					rt.Repeat(m.actions())
				})
				want := c.want[refine]
				if !rec.failed {
					t.Fatalf("the property suite did not catch %s by %s within its budget (cases ended by other checks: %v)\n%s", c.bug, want, failed.others, rec.out.String())
				}
				v := failed.violation
				switch {
				case v == nil:
					t.Fatalf("%s: rapid failed, but no check reported a violation:\n%s", c.bug, rec.out.String())
				case !v.Has(want):
					t.Fatalf("%s: caught by %v, not by %s:\n%s", c.bug, v.All, want, rec.out.String())
				case c.only && len(v.All) != 1:
					t.Fatalf("%s: caught by %v, want %s alone", c.bug, v.All, want)
				}
				t.Logf("caught %s by %s (every check failing on the step: %v; cases ended by other checks: %v); rapid's shrunk counterexample:\n%s", c.bug, want, v.All, failed.others, rec.out.String())
				failed.logChart(t)
			})
		}
	}
}

// readWeights are figure8Weights with many reads: a stale read needs a
// change of leader around it.
var readWeights = map[string]int{
	"deliver": 40, "tick": 5, "propose": 12, "fire": 2, "campaign": 8,
	"drop": 3, "duplicate": 2, "partition": 2, "heal": 3,
	"restart": 3, "crash-before-persist": 4, "crash-after-persist": 8, "read": 20,
	"transfer": 1, "forget-leader": 1,
}

// figure8Weights bias the actions towards the figure 8 situation: many
// proposals and leader changes, messages lost and nodes restarted often.
var figure8Weights = map[string]int{
	"deliver": 40, "tick": 5, "propose": 12, "fire": 2, "campaign": 8,
	"drop": 3, "duplicate": 2, "partition": 2, "heal": 3,
	"restart": 3, "crash-before-persist": 4, "crash-after-persist": 8,
	"transfer": 1, "forget-leader": 1, "read": 1,
}

// longerRuns makes rapid's cases at least steps actions long until the
// test ends (rapid reads RAPID_STEPS into its flag rapid.steps).
func longerRuns(t *testing.T, steps int) {
	f := flag.Lookup("rapid.steps")
	if f == nil {
		t.Fatal("rapid has no flag rapid.steps")
	}
	old := f.Value.String()
	if n, err := strconv.Atoi(old); err != nil || n >= steps {
		return
	}
	if err := f.Value.Set(strconv.Itoa(steps)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// TestNonVacuityCheckQuorum: without refinement, LeaseIgnored with PreVote
// as well is caught by the property it is seeded for, asserted by name. A
// follower that ignores its lease may then first grant a pre-vote, which
// NonDisruption names, so either name is accepted (and no other). NoStepDown
// has a scenario of its own (TestNonVacuityNoStepDown).
func TestNonVacuityCheckQuorum(t *testing.T) {
	cases := []struct {
		bug  bugs.Bug
		o    Options
		want []string
	}{
		{bugs.LeaseIgnored, Options{N: 3, PreVote: true, CheckQuorum: true}, []string{"LeaseHonoured", "NonDisruption"}},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s/prevote=%v", c.bug, c.o.PreVote)
		t.Run(name, func(t *testing.T) {
			bugs.Set(c.bug)
			defer bugs.Set("")
			recName := fmt.Sprintf("NonVacuityCheckQuorum_%s_prevote_%v", c.bug, c.o.PreVote)
			if err := os.RemoveAll(filepath.Join("testdata", "rapid", recName)); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{name: recName}
			failed := &failedRun{}
			rec.run(func(rt *rapid.T) {
				m := newMachine(rt, c.o)
				m.failed = failed
				m.k.Refinement = false
				rt.Repeat(m.actions())
			})
			if !rec.failed {
				t.Fatalf("the property suite did not catch %s within its budget:\n%s", c.bug, rec.out.String())
			}
			v := failed.violation
			if v == nil || !slices.ContainsFunc(c.want, v.Has) {
				t.Fatalf("%s was not caught by any of %v; the report:\n%s", c.bug, c.want, rec.out.String())
			}
			t.Logf("%s caught by %v; rapid's shrunk counterexample:\n%s", c.bug, v.All, rec.out.String())
			failed.logChart(t)
		})
	}
}

// TestNonVacuityNoStepDown: a leader's quorum check that finds too few
// followers active is only visible with four servers or more (with three it
// finds none active, and a leader that wrongly stays leader changes
// nothing), and random runs of four servers rarely reach one. So a scenario
// on four servers: 1 is elected by 2 and 3, only 2 answers its first append,
// and its quorum check fires. The checker, without refinement, must name
// StepDownWithoutQuorum with the bug, and pass without it (1 steps down).
func TestNonVacuityNoStepDown(t *testing.T) {
	run := func(bug bugs.Bug) (*Cluster, error) {
		bugs.Set(bug)
		defer bugs.Set("")
		c := NewCluster(Options{N: 4, CheckQuorum: true})
		k, err := NewChecker(c, values)
		if err != nil {
			t.Fatal(err)
		}
		k.Refinement = false
		step := func(labels []Label, err error) error {
			if err != nil {
				return err
			}
			return k.Step(labels, c.View())
		}
		// deliver delivers (or drops) the messages in flight until none is
		// left or done: those that keep pass.
		deliver := func(keep func(m raft.Message) bool, done func() bool) error {
			for len(c.Flight()) > 0 && !done() {
				if m := c.Flight()[0]; keep(m) {
					if err := step(c.Deliver(0)); err != nil {
						return err
					}
				} else if err := step(c.Drop(0), nil); err != nil {
					return err
				}
			}
			return nil
		}
		if err := step(c.Campaign(1), nil); err != nil {
			return c, err
		}
		leads := func() bool { return c.Node(1).Status().Role == raft.Leader }
		if err := deliver(func(m raft.Message) bool { return m.To != 4 && m.From != 4 }, leads); err != nil {
			return c, err
		}
		if !leads() {
			t.Fatalf("node 1 is %v, not leader, after the election", c.Node(1).Status().Role)
		}
		never := func() bool { return false }
		if err := deliver(func(m raft.Message) bool { return m.To == 2 || m.From == 2 }, never); err != nil {
			return c, err
		}
		l, ok := c.Fire(1, raft.CheckQuorumTimer)
		if !ok {
			t.Fatal("node 1's check-quorum timer does not run")
		}
		return c, step(l, nil)
	}
	c, err := run("")
	if err != nil {
		t.Fatalf("without the bug: %v", err)
	}
	if r := c.Node(1).Status().Role; r != raft.Follower {
		t.Fatalf("without the bug node 1 is %v after a quorum check that heard from 2 alone, not a follower", r)
	}
	_, err = run(bugs.NoStepDown)
	if err == nil {
		t.Fatal("the checker did not catch NoStepDown")
	}
	var v *Violation
	if !errors.As(err, &v) || !v.Has("StepDownWithoutQuorum") {
		t.Fatalf("NoStepDown was not caught by StepDownWithoutQuorum: %v", err)
	}
	t.Logf("NoStepDown caught: %v", err)
}

// TestNonVacuityGopter: the client-level commands catch the seeded bugs
// clients can observe, each by the client-level check it breaks (asserted
// by name: the check that fails on gopter's shrunk commands, the last
// failure gopter reports). A node refusing an append that would overwrite
// its committed entry is what clients see of a lost committed entry
// (ClientClusterBroke); a forgotten vote needs a crash between vote and
// election (Campaign(c)ThenCrash), found within 2000 runs. The PreVote
// bugs only disrupt, and CommitEarlierTerm needs a figure 8 schedule that
// a network delivering whole rounds does not reach: the rapid suite
// catches those.
func TestNonVacuityGopter(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	cases := []struct {
		bug  bugs.Bug
		want string
		// runs is the least number of runs gopter gets for the bug.
		runs int
	}{
		{bugs.GrantWithoutLogCheck, ClientClusterBroke, 0},
		{bugs.RestartLosesLastEntry, ClientClusterBroke, 0},
		{bugs.RestartForgetsVote, ClientOneLeaderPerTerm, 2000},
	}
	for _, c := range cases {
		t.Run(string(c.bug), func(t *testing.T) {
			bugs.Set(c.bug)
			defer bugs.Set("")
			params := gopter.DefaultTestParameters()
			params.MinSuccessfulTests = max(gopterChecks(), c.runs)
			params.Rng.Seed(1)
			props := gopter.NewProperties(params)
			var caught []string
			props.Property("clients observe one committed sequence and one leader per term",
				commands.Prop(clientCommands(t, 3, false, false, 3, func(p string) { caught = append(caught, p) })))
			var out strings.Builder
			if props.Run(gopter.NewFormatedReporter(true, 100, &out)) {
				t.Fatalf("the client-level commands did not catch %s", c.bug)
			}
			if len(caught) == 0 {
				t.Fatalf("%s: gopter failed, but no client-level check reported a violation:\n%s", c.bug, out.String())
			}
			if last := caught[len(caught)-1]; last != c.want {
				t.Fatalf("%s: caught by %s (checks failing over the search: %v), want %s:\n%s", c.bug, last, slices.Compact(slices.Sorted(slices.Values(caught))), c.want, out.String())
			}
			t.Logf("caught %s by %s; gopter's shrunk commands:\n%s", c.bug, c.want, out.String())
		})
	}
}
