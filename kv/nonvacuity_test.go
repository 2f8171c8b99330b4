//go:build raftbugs

package kv_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/checkedraft/checkedraft/internal/bugs"
	"github.com/checkedraft/checkedraft/kv"
)

// Built with the tag raftbugs (make kv-nonvacuity), raft/ and kv/ can run
// with one seeded bug (internal/bugs) switched on: the property run must
// then find a history porcupine refuses, and say so by name
// (Linearizable). Without a bug the same runs pass (TestRapidLinearizable).

// recorder is a rapid.TB that keeps a failure instead of failing the test,
// so that the test can assert rapid found one, and what it was.
type recorder struct {
	name   string
	failed bool
	out    strings.Builder
}

type stopRun struct{}

func (r *recorder) Helper()                           {}
func (r *recorder) Name() string                      { return r.name }
func (r *recorder) Logf(format string, args ...any)   { fmt.Fprintf(&r.out, format+"\n", args...) }
func (r *recorder) Log(args ...any)                   { fmt.Fprintln(&r.out, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.Logf(format, args...); r.SkipNow() }
func (r *recorder) Skip(args ...any)                  { r.Log(args...); r.SkipNow() }
func (r *recorder) SkipNow()                          { panic(stopRun{}) }
func (r *recorder) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recorder) FailNow()                          { r.failed = true; panic(stopRun{}) }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

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

// TestNonVacuityLinearizable: each seeded bug of the read path (bugs.Reads)
// and of kv/ (bugs.KV) makes the property run find a history porcupine
// finds not linearizable; rapid shrinks it and prints the shrunk schedule
// with the path of porcupine's visualisation.
func TestNonVacuityLinearizable(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	cases := []struct {
		bug bugs.Bug
		s   shape
	}{
		// A leader cut off from the others answers reads at once, while
		// a new leader commits writes.
		{bugs.ReadWithoutQuorum, shape{n: 3, reads: kv.ReadThroughIndex}},
		// A new leader answers reads at its commit index before it knows
		// what the last leader committed.
		{bugs.ReadBeforeTermCommit, shape{n: 3, reads: kv.ReadThroughIndex}},
		// Lease reads without CheckQuorum: a deposed leader never steps
		// down, and its lease never ends.
		{bugs.LeaseReadWithoutCheckQuorum, shape{n: 3, preVote: true, reads: kv.ReadThroughIndex, lease: true}},
		// A retried put applied twice undoes a later write.
		{bugs.DuplicateApplied, shape{n: 3, reads: kv.ReadThroughLog}},
	}
	for _, b := range slices.Concat(bugs.Reads, bugs.KV) {
		if !slices.ContainsFunc(cases, func(c struct {
			bug bugs.Bug
			s   shape
		}) bool {
			return c.bug == b
		}) {
			t.Errorf("seeded bug %s has no case here", b)
		}
	}
	steps := kvSteps(t)
	for _, c := range cases {
		t.Run(string(c.bug), func(t *testing.T) {
			bugs.Set(c.bug)
			defer bugs.Set("")
			rec := &recorder{name: t.Name()}
			rec.run(func(rt *rapid.T) { runCase(rt, c.s, steps, newTally()) })
			out := rec.out.String()
			if !rec.failed {
				t.Fatalf("%s: the property run (%s) found no failure", c.bug, c.s)
			}
			if !strings.Contains(out, Linearizable+": porcupine finds") {
				t.Fatalf("%s: the run failed, but not on %s:\n%s", c.bug, Linearizable, out)
			}
			i := strings.Index(out, Linearizable+": porcupine finds")
			line, _, _ := strings.Cut(out[i:], "\n")
			after := ""
			if j := strings.Index(out, "[rapid] failed after"); j >= 0 {
				after, _, _ = strings.Cut(out[j:], ":")
				after = " (" + after + ")"
			}
			t.Logf("%s caught by %s%s: %s", c.bug, Linearizable, after, line)
			if testing.Verbose() {
				t.Logf("shrunk case:\n%s", out)
			}
		})
	}
}
