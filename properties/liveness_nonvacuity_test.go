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
)

// TestNonVacuityLiveness: with each liveness-only seeded bug
// (bugs.Liveness) switched on, the rapid cases must fail, and fail by the
// bounded liveness check (CheckLiveness), not by a safety property: the
// bugs break no safety property, so a failure of any other check would be
// a false alarm, and would not show that the liveness check can fail.
// Refinement is off: the model answers where the bugs stay silent, so the
// refinement check catches both at once (a step the model does not take);
// without it only the spec's safety properties and the liveness check
// remain, and only the latter can fail.
func TestNonVacuityLiveness(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	type bugCase struct {
		bug bugs.Bug
		o   Options
	}
	// The random cases find NoStaleLeaderReply where it is common: a node
	// cut off while the others keep a leader campaigns and raises its
	// term (no PreVote); healed, it drops the leader's heartbeats
	// silently, and its vote requests reach nodes within the lease: it
	// never rejoins. NoLowerTermPreVoteReject needs three nodes at three
	// terms, two apart, the freshest log at the lowest: too deep for the
	// budget (100 cases of 300 actions find none), and NoStaleLeaderReply
	// with PreVote needs a node at a higher term with a staler log; the
	// named scenarios build both (TestNonVacuityLivenessScenarios).
	cases := []bugCase{
		{bugs.NoStaleLeaderReply, Options{N: 3, CheckQuorum: true}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%v", c.bug, c.o), func(t *testing.T) {
			bugs.Set(c.bug)
			defer bugs.Set("")
			recName := strings.NewReplacer("/", "_", "=", "_").Replace(fmt.Sprintf("NonVacuityLiveness_%s_%v", c.bug, c.o))
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
				m.liveness(rt)
			})
			if !rec.failed {
				t.Fatalf("the bounded liveness check did not catch %s within the budget", c.bug)
			}
			if !strings.HasPrefix(failed.report, LivenessName+":") {
				t.Fatalf("with %s the runs failed, but not by %s:\n%s", c.bug, LivenessName, failed.report)
			}
			t.Logf("caught %s by %s; rapid's shrunk counterexample:\n%s", c.bug, LivenessName, rec.out.String())
		})
	}
}

// TestNonVacuityLivenessScenarios: each liveness-only seeded bug makes the
// named scenario built for it fail, by the bounded liveness check; every
// liveness bug has one.
func TestNonVacuityLivenessScenarios(t *testing.T) {
	if !bugs.Available {
		t.Fatal("built without the raftbugs tag")
	}
	cases := map[bugs.Bug]string{
		bugs.NoLowerTermPreVoteReject: "etcd8243_LowerTermFreshestLogRejoins",
		bugs.NoStaleLeaderReply:       "StaleLeaderLearnsHigherTerm",
	}
	for _, b := range bugs.Liveness {
		if _, ok := cases[b]; !ok {
			t.Errorf("liveness bug %s has no scenario here: nothing shows the liveness check catches it", b)
		}
	}
	for _, b := range bugs.Liveness {
		name := cases[b]
		i := slices.IndexFunc(livenessScenarios, func(sc livenessScenario) bool { return sc.name == name })
		if i < 0 {
			t.Fatalf("no liveness scenario %q", name)
		}
		t.Run(string(b)+"/"+name, func(t *testing.T) {
			bugs.Set(b)
			defer bugs.Set("")
			// Refinement off, as above: the model would refuse the silent
			// step first.
			_, err := runLivenessScenario(t, livenessScenarios[i], false)
			if err == nil {
				t.Fatalf("scenario %s passed with %s switched on", name, b)
			}
			if !strings.HasPrefix(err.Error(), LivenessName+":") {
				t.Fatalf("scenario %s failed with %s, but not by %s: %v", name, b, LivenessName, err)
			}
			t.Logf("caught %s by %s: %v", b, LivenessName, err)
		})
	}
}

// TestNonVacuityLivenessGopter: the client level's HealAndAwait catches
// NoStaleLeaderReply (CheckQuorum: a node cut off raises its term and,
// healed, never rejoins), by the liveness check.
func TestNonVacuityLivenessGopter(t *testing.T) {
	bugs.Set(bugs.NoStaleLeaderReply)
	defer bugs.Set("")
	params := gopter.DefaultTestParameters()
	params.MinSuccessfulTests = gopterChecks()
	params.Rng.Seed(1)
	props := gopter.NewProperties(params)
	props.Property("after a heal, a leader followed by every node commits",
		commands.Prop(clientCommands(t, 3, false, true, 3, nil)))
	var out strings.Builder
	if props.Run(gopter.NewFormatedReporter(true, 100, &out)) {
		t.Fatal("the client-level commands did not catch NoStaleLeaderReply")
	}
	if !strings.Contains(out.String(), LivenessName+":") {
		t.Fatalf("the client-level commands failed with NoStaleLeaderReply, but not by %s:\n%s", LivenessName, out.String())
	}
	t.Logf("caught NoStaleLeaderReply by %s; gopter's shrunk commands:\n%s", LivenessName, out.String())
}
