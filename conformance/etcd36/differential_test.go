package etcd36_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/checkedraft/checkedraft/conformance/etcd36"
	"github.com/checkedraft/checkedraft/driver"
	"github.com/checkedraft/checkedraft/spec"
)

// budget is the number of schedules per configuration (RAPID_CHECKS) and
// of actions per schedule (CONFORMANCE_STEPS).
var budget = driver.BudgetFromEnv(100, 150)

// TestDifferential runs random schedules on raft/ and etcd v3.6 in
// lockstep, on 3 and 5 nodes with every PreVote x CheckQuorum combination
// (driver.Setups), and fails with the schedule and a go-cmp diff on any
// divergence but one: etcd's commit bump (issue 10, section 5), which
// raft/ does not have yet. A schedule that reaches it stops there, and is
// counted and printed; any other divergence fails the test. Once raft/
// has the rule the count is zero.
func TestDifferential(t *testing.T) {
	start := time.Now()
	var total driver.Figures
	bumps := 0
	for k, s := range driver.Setups() {
		t.Run(s.String(), func(t *testing.T) {
			begin := time.Now()
			var fig driver.Figures
			r := rand.New(rand.NewPCG(1, uint64(k)))
			stopped := 0
			for range budget.Checks {
				d, err := driver.RunSchedule(driver.RandSource{R: r}, driver.Native, etcd36.Library, s, budget.Steps, &fig)
				if err != nil {
					t.Fatal(err)
				}
				if d == nil {
					continue
				}
				if !isCommitBump(t, etcd36.Library, d) {
					t.Fatal(d)
				}
				stopped++
			}
			bumps += stopped
			fmt.Printf("conformance %s vs %s %v: %v, %d schedules stopped at etcd's commit bump (%.1fs)\n",
				driver.Native.Name, etcd36.Library.Name, s, fig, stopped, time.Since(begin).Seconds())
			// The schedules must exercise timeouts that fire, elections,
			// step-downs and restarts; lease expiries with CheckQuorum.
			if fig.Elections == 0 || fig.Timeouts == 0 || fig.Restarts == 0 || fig.StepDowns == 0 {
				t.Errorf("vacuous run: %v", fig)
			}
			if s.CheckQuorum && fig.LeaseExpiries == 0 {
				t.Errorf("no lease expired: %v", fig)
			}
			total.Add(fig)
		})
	}
	fmt.Printf("conformance total (etcd %s): %v, %d schedules stopped at etcd's commit bump (%.1fs, %d schedules per configuration, CONFORMANCE_STEPS=%d)\n",
		etcd36.Version, total, bumps, time.Since(start).Seconds(), budget.Checks, budget.Steps)
}

// isCommitBump replays d's schedule on raft/ and b and reports whether its last action
// made the two libraries differ only in that etcd sent one message more:
// an empty append from a leader at its term carrying its commit (etcd's
// stepLeader on a MsgAppResp that does not advance the commit,
// Progress.CanBumpCommit).
func isCommitBump(t *testing.T, b driver.Library, d *driver.Divergence) bool {
	t.Helper()
	l, d0, err := driver.NewLockstep(driver.Native, b, d.Setup, d.Timeouts)
	if err != nil || d0 != nil {
		t.Fatal(err, d0)
	}
	last := len(d.Schedule) - 1
	for _, a := range d.Schedule[:last] {
		if d1, err := l.Step(a); err != nil || d1 != nil {
			t.Fatalf("the schedule diverged before its last action: %v %v", err, d1)
		}
	}
	act := d.Schedule[last]
	if act.Kind != driver.Deliver || l.A.Flight()[act.Msg].Type != spec.AppendEntriesResponse {
		return false
	}
	if err := l.A.Apply(act); err != nil {
		t.Fatal(err)
	}
	if err := l.B.Apply(act); err != nil {
		t.Fatal(err)
	}
	sa, sb := l.A.Snapshot(), l.B.Snapshot()
	if paths, _ := driver.Compare(
		driver.Snapshot{Nodes: sa.Nodes, Cut: sa.Cut},
		driver.Snapshot{Nodes: sb.Nodes, Cut: sb.Cut}); len(paths) != 0 {
		return false
	}
	var extra []spec.Message
	rest := slices.Clone(sb.Sent)
	for _, m := range sa.Sent {
		i := slices.IndexFunc(rest, m.Equal)
		if i < 0 {
			return false
		}
		rest = slices.Delete(rest, i, i+1)
	}
	extra = rest
	if len(extra) != 1 {
		return false
	}
	m := extra[0]
	leader := sb.Nodes[m.From-1].State.Server
	return m.Type == spec.AppendEntriesRequest && len(m.Entries) == 0 && leader.Role == spec.Leader &&
		m.Term == leader.Term && m.Commit == leader.Commit
}

// isCommitBump tells etcd's commit bump from any other divergence: the
// first divergence between raft/ and etcd is the bump (raft/ does not
// have it yet), and the divergence of the seeded etcd change is not.
func TestCommitBumpClassifier(t *testing.T) {
	d := find(t, driver.Native, etcd36.Library, driver.Setup{N: 3})
	if !isCommitBump(t, etcd36.Library, d) {
		t.Fatalf("the first divergence of raft/ and etcd is not the commit bump:\n%v", d)
	}
	bad := etcd36.NewLibrary(etcd36.Options{PreVoteGrantCarriesVoterTerm: true})
	d = find(t, driver.Native, bad, driver.Setup{N: 3, PreVote: true})
	if !d.Caught("].Term") {
		t.Fatalf("the seeded change is not what diverged first:\n%v", d)
	}
	if isCommitBump(t, bad, d) {
		t.Fatalf("the seeded change is taken for the commit bump:\n%v", d)
	}
}
