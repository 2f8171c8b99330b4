//go:build raftbugs

package properties

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/internal/bugs"
	"github.com/checkedraft/checkedraft/internal/draw"
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
	// Each bug is caught with refinement (the model refuses the step) and,
	// where the default budget allows, by the spec's properties alone.
	type bugCase struct {
		bug    bugs.Bug
		o      Options
		refine []bool
	}
	cases := []bugCase{
		{bugs.PreCandidateBumpsTerm, Options{N: 3, PreVote: true}, []bool{true, false}},
		{bugs.PreVoteAdoptsTerm, Options{N: 3, PreVote: true}, []bool{true, false}},
		{bugs.GrantWithoutLogCheck, Options{N: 3}, []bool{true, false}},
		{bugs.RestartForgetsVote, Options{N: 3}, []bool{true, false}},
		// With one entry per append a follower can hold an earlier-term
		// entry without the leader's own (the figure 8 situation). Without
		// the model, only a later leader overwriting the wrongly committed
		// entry shows the bug, too deep for the default budget; the TLA+
		// mutant MutCommitEarlierTerm shows the property failing.
		{bugs.CommitEarlierTerm, Options{N: 3, MaxEntriesPerMsg: 1}, []bool{true}},
		// The CheckQuorum bugs are caught by name without refinement in
		// TestNonVacuityCheckQuorum.
		{bugs.LeaseIgnored, Options{N: 3, CheckQuorum: true}, []bool{true}},
		// NoStepDown is caught by name in TestNonVacuityNoStepDown.
		{bugs.NoStepDown, Options{N: 4, CheckQuorum: true}, nil},
	}
	for _, b := range bugs.All {
		if !slices.ContainsFunc(cases, func(c bugCase) bool { return c.bug == b }) {
			t.Errorf("seeded bug %s has no case here: nothing shows the suite catches it", b)
		}
	}
	for _, c := range cases {
		for _, refine := range c.refine {
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
				rec := &recorder{name: recName}
				failed := &failedRun{}
				rec.run(func(rt *rapid.T) {
					m := newMachine(rt, c.o)
					m.failed = failed
					m.k.Refinement = refine
					rt.Repeat(m.actions())
				})
				if !rec.failed {
					t.Fatalf("the property suite did not catch %s within its budget", c.bug)
				}
				t.Logf("caught %s; rapid's shrunk counterexample:\n%s", c.bug, rec.out.String())
				failed.logChart(t)
			})
		}
	}
}

// TestNonVacuityCheckQuorum: without refinement, each CheckQuorum bug is
// caught by the property it is seeded for, asserted by name (the property
// that the checker's report names first). With PreVote a follower that
// ignores its lease may first grant a pre-vote, which NonDisruption names.
// NoStepDown has a scenario of its own (TestNonVacuityNoStepDown).
func TestNonVacuityCheckQuorum(t *testing.T) {
	cases := []struct {
		bug  bugs.Bug
		o    Options
		want []string
	}{
		{bugs.LeaseIgnored, Options{N: 3, CheckQuorum: true}, []string{"LeaseHonoured"}},
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
			got := draw.PropertyOf(failed.report)
			if !slices.Contains(c.want, got) {
				t.Fatalf("%s was caught by %q, not by %v; the report:\n%s", c.bug, got, c.want, failed.report)
			}
			t.Logf("%s caught by %s; rapid's shrunk counterexample:\n%s", c.bug, got, rec.out.String())
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
	if got := draw.PropertyOf(err.Error()); got != "StepDownWithoutQuorum" {
		t.Fatalf("NoStepDown was caught by %q, not by StepDownWithoutQuorum: %v", got, err)
	}
	t.Logf("NoStepDown caught: %v", err)
}

// TestNonVacuityGopter: the client-level commands catch a bug clients can
// observe (votes granted without the log check lose a committed value).
// The other seeded bugs leave no trace at the client level within the
// budget (the PreVote ones only disrupt; a forgotten vote needs a crash
// between vote and election), and the rapid suite catches them.
func TestNonVacuityGopter(t *testing.T) {
	bugs.Set(bugs.GrantWithoutLogCheck)
	defer bugs.Set("")
	params := gopter.DefaultTestParameters()
	params.MinSuccessfulTests = gopterChecks()
	params.Rng.Seed(1)
	props := gopter.NewProperties(params)
	props.Property("clients observe one committed sequence and one leader per term",
		commands.Prop(clientCommands(t, 3, false, false, 3)))
	var out strings.Builder
	if props.Run(gopter.NewFormatedReporter(true, 100, &out)) {
		t.Fatal("the client-level commands did not catch GrantWithoutLogCheck")
	}
	t.Logf("caught GrantWithoutLogCheck; gopter's shrunk commands:\n%s", out.String())
}
