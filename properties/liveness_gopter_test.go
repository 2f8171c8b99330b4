package properties

import (
	"fmt"

	"github.com/leanovate/gopter/commands"
	"github.com/leanovate/gopter/gen"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/raft/rafttest"
)

// The client level's bounded liveness: an operator heals every link and
// waits, a client proposes. Within the bound (LivenessTimeoutsNoPreVote
// election timeouts: the client does not know whether the cluster runs
// PreVote, so the larger K of the two) a leader is followed by every node
// and commits the client's value on a quorum. The network delivers every
// message at once, and CrashRestart restarts at once: no node is down.

// livenessCommand is the HealAndAwait command: a clientCommand whose
// observation also carries the liveness verdict.
type livenessCommand struct {
	clientCommand
	value string
}

func (c *livenessCommand) Run(sut commands.SystemUnderTest) (res commands.Result) {
	s := sut.(*sutCluster)
	defer func() {
		if p := recover(); p != nil {
			res = observation{verdict: fmt.Errorf("the cluster broke: %v", p)}
		}
	}()
	live := awaitLive(s.Network, c.value)
	o := observe(s.Network)
	if o.verdict = s.history.check(o); o.verdict == nil {
		o.verdict = live
	}
	return o
}

// healAndAwait generates the HealAndAwait command, with a new value.
func healAndAwait(st *clientState) gen.WeightedGen {
	return gen.WeightedGen{Weight: 1, Gen: gen.Const(0).Map(func(int) commands.Command {
		v := fmt.Sprintf("v%d", st.proposals+1)
		return &livenessCommand{
			clientCommand: clientCommand{name: fmt.Sprintf("HealAndAwait(%s)", v), next: func(s *clientState) { s.proposals++ }},
			value:         v,
		}
	})}
}

// awaitLive heals every link, then ticks (each tick delivers every
// message) until a leader that every node follows has committed value on a
// quorum, proposing it at the first leader a quorum follows (again at a
// later leader if that one loses its term first).
func awaitLive(nw *rafttest.Network, value string) error {
	nw.HealAll()
	nw.Stabilize()
	const electionTick = 10 // rafttest's default, which clientCommands keeps
	ticks := LivenessTimeoutsNoPreVote * electionTick
	var propTerm, propIndex uint64
	for tick := 1; tick <= ticks; tick++ {
		nw.Tick()
		ld, term := nw.Leader()
		if ld == 0 {
			continue
		}
		followers := 0
		for _, id := range nw.IDs {
			if st := nw.Status(id); st.Term == term && st.Lead == ld {
				followers++
			}
		}
		if followers <= len(nw.IDs)/2 {
			continue
		}
		if propTerm != term || nw.Status(ld).Role != raft.Leader {
			if err := nw.Propose(ld, value); err != nil {
				return fmt.Errorf("%s: leader %d at term %d refused a proposal: %v", LivenessName, ld, term, err)
			}
			propTerm, propIndex = term, nw.Status(ld).LastIndex
			continue
		}
		holders := 0
		for _, id := range nw.IDs {
			if log := nw.Node(id).RN.Log(); uint64(len(log)) >= propIndex && log[propIndex-1].Term == propTerm && string(log[propIndex-1].Data) == value {
				holders++
			}
		}
		if followers == len(nw.IDs) && holders > len(nw.IDs)/2 && nw.Status(ld).Commit >= propIndex {
			return nil
		}
	}
	return fmt.Errorf("%s: no leader followed by every node committed %s within %d election timeouts (%d ticks) after the heal:\n%s",
		LivenessName, value, LivenessTimeoutsNoPreVote, ticks, nw.Describe())
}
