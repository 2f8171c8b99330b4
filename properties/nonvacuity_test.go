//go:build raftbugs

package properties

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/raft"
)

// Built with the tag raftbugs (make prop-nonvacuity), raft/ can run with one
// seeded bug switched on. Each must make the property suite fail within its
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
	if !raft.BugsAvailable {
		t.Fatal("built without the raftbugs tag")
	}
	// Each bug is caught with refinement (the model refuses the step) and,
	// where the default budget allows, by the spec's properties alone.
	cases := []struct {
		bug    raft.Bug
		o      Options
		refine []bool
	}{
		{raft.BugPreCandidateBumpsTerm, Options{N: 3, PreVote: true}, []bool{true, false}},
		{raft.BugPreVoteAdoptsTerm, Options{N: 3, PreVote: true}, []bool{true, false}},
		{raft.BugGrantWithoutLogCheck, Options{N: 3}, []bool{true, false}},
		{raft.BugRestartForgetsVote, Options{N: 3}, []bool{true, false}},
		// With one entry per append a follower can hold an earlier-term
		// entry without the leader's own (the figure 8 situation). Without
		// the model, only a later leader overwriting the wrongly committed
		// entry shows the bug, too deep for the default budget; the TLA+
		// mutant MutCommitEarlierTerm shows the property failing.
		{raft.BugCommitEarlierTerm, Options{N: 3, MaxEntriesPerMsg: 1}, []bool{true}},
	}
	for _, c := range cases {
		for _, refine := range c.refine {
			name := fmt.Sprintf("%s/refinement=%v", c.bug, refine)
			t.Run(name, func(t *testing.T) {
				raft.SetBug(c.bug)
				defer raft.SetBug("")
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

// TestNonVacuityGopter: the client-level commands catch a bug clients can
// observe (votes granted without the log check lose a committed value).
// The other seeded bugs leave no trace at the client level within the
// budget (the PreVote ones only disrupt; a forgotten vote needs a crash
// between vote and election), and the rapid suite catches them.
func TestNonVacuityGopter(t *testing.T) {
	raft.SetBug(raft.BugGrantWithoutLogCheck)
	defer raft.SetBug("")
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
