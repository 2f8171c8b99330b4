package properties

import (
	"fmt"
	"strings"

	"github.com/checkedraft/checkedraft/raft"
	"github.com/checkedraft/checkedraft/spec"
)

// LivenessName names the bounded liveness check in its failures.
const LivenessName = "BoundedLiveness"

// LivenessTimeouts is K, the bound of the liveness check in election
// timeouts, for a cluster with PreVote: once the last fault has healed and
// the network is fair, within K election timeouts (K*ElectionTick rounds)
// a leader is followed by every node and has committed a proposal made
// after the heal. Without PreVote the bound is LivenessTimeoutsNoPreVote.
//
// Why 12. A round is one tick of every node, then every message in flight
// delivered (the replies too, until none is left), so that an election or
// a replication completes within the round that starts it. What can stand
// in the way after the heal, one after the other in the worst case:
//   - leases (CheckQuorum): a follower ignores (pre-)vote requests for up
//     to one election timeout after it last heard from its leader, and a
//     leader that cannot reach a quorum steps down at its next quorum
//     check, within one election timeout: 2 timeouts;
//   - terms: a node at a higher term deposes the leader on its first
//     heartbeat (the stale-leader reply), a node at a lower term learns the
//     highest term from the rejection of its first pre-vote; each node's
//     election timer fires within 2 timeouts of its last reset (randomized
//     in [ElectionTick, 2*ElectionTick)): 2 timeouts;
//   - the election: a pre-candidate whose log is not up to date loses, but
//     a pre-vote changes nobody's term or timer, so the first up-to-date
//     node whose timer fires wins (PreVote adds a round trip, within the
//     round); a split vote (two timers firing in the same tick) costs
//     another 2 timeouts at most, and a lease still running at one node
//     one more: about 6 timeouts in all, interleaved rather than chained;
//   - the proposal and the followers catching up: within the round, as
//     messages are delivered at once.
//
// The runs measure less (at most 3.2 timeouts with PreVote, over 400 cases
// of each shape; the figures print the largest seen): K = 12 is twice the
// chain above, a bound and not a timeout: a bug that loses liveness
// (internal/bugs.Liveness) deadlocks for ever, and fails it whatever K.
const LivenessTimeouts = 12

// LivenessTimeoutsNoPreVote is K without PreVote. There a candidate whose
// log is not up to date starts a new term each time its timer fires, and
// every node that hears it adopts the term and restarts its own timer: it
// delays the election for as long as its timer keeps firing first, and the
// bound is only probabilistic. At most one node of 3, and two of 5, cannot
// win (the others' logs are at least as up to date as a quorum's), so each
// attempt (about 1.5 timeouts: the first timer to fire after a reset) goes
// to a node that can win with probability at least 3/5: within 30 timeouts
// (about 20 attempts) it fails with probability below (2/5)^20, about
// 1e-8, per case. Measured: at most 8.7 timeouts over 1600 cases without
// PreVote.
const LivenessTimeoutsNoPreVote = 30

// LivenessBound is K for o: LivenessTimeouts with PreVote,
// LivenessTimeoutsNoPreVote without.
func LivenessBound(o Options) int {
	if o.PreVote {
		return LivenessTimeouts
	}
	return LivenessTimeoutsNoPreVote
}

// LivenessResult is what CheckLiveness saw, in rounds after the heal (one
// round: one tick of every node, then every message delivered).
type LivenessResult struct {
	// Leader is the first round at which a leader was followed by a
	// quorum, Commit the first at which a proposal made after the heal
	// was committed on a quorum, All the first at which every node
	// followed the leader that committed it.
	Leader, Commit, All int
	// Steps counts the cluster's steps of the fair phase.
	Steps int
}

// CheckLiveness heals every cut link, then runs at most
// LivenessBound*ElectionTick fair rounds: every node ticks once, then
// every message in flight is delivered, oldest first, until none is left
// (no drop, no duplicate, no crash). It proposes a value at the first
// leader that a quorum follows (and again at a later one, if that leader
// loses its term before the proposal commits), and returns when the
// proposal is committed on a quorum and every node follows its leader at
// its term. Each step of the cluster is passed to step (which checks it).
// The cluster has no crashed node to restart: its restarts are immediate.
//
// The error names the check (LivenessName), says which part did not
// happen within the bound, and describes every node.
func CheckLiveness(c *Cluster, step func(labels []Label, err error)) (LivenessResult, error) {
	var res LivenessResult
	do := func(labels []Label, err error) {
		res.Steps++
		step(labels, err)
	}
	for _, l := range c.Cut() {
		do(c.Heal(l.From, l.To), nil)
	}
	n := c.Options().N
	bound := LivenessBound(c.Options())
	rounds := bound * c.Options().ElectionTick
	// The deliveries of one round are bounded: a correct cluster
	// quiesces within a few messages per node once the round's ticks are
	// answered.
	maxDeliveries := 1000 * n
	var prop *proposal
	for round := 1; round <= rounds; round++ {
		for id := 1; id <= n; id++ {
			do(c.Tick(id), nil)
		}
		for k := 0; len(c.Flight()) > 0; k++ {
			if k == maxDeliveries {
				return res, fmt.Errorf("%s: round %d: messages still in flight after %d deliveries (the cluster never quiesces):\n%s", LivenessName, round, k, describeNodes(c))
			}
			labels, err := c.Deliver(0)
			do(labels, err)
		}
		ld, term, ok := quorumLeader(c)
		if !ok {
			continue
		}
		if res.Leader == 0 {
			res.Leader = round
		}
		if prop != nil && res.Commit == 0 && !prop.alive(c) {
			prop = nil // its leader lost its term: propose again
		}
		if prop == nil {
			// A value of the model's domain (v1..vValues); the proposal
			// is told apart by its index and term, not its value.
			labels, accepted := c.Propose(ld, "v1")
			do(labels, nil)
			if !accepted {
				return res, fmt.Errorf("%s: round %d: leader %d at term %d refused a proposal:\n%s", LivenessName, round, ld, term, describeNodes(c))
			}
			prop = &proposal{leader: uint64(ld), term: term, index: c.Node(ld).Status().LastIndex}
			continue
		}
		if res.Commit == 0 && prop.committed(c) {
			res.Commit = round
		}
		if res.Commit != 0 && allFollow(c, ld, term) && c.Node(ld).Status().Commit >= prop.index {
			res.All = round
			return res, nil
		}
	}
	var missing string
	switch {
	case res.Leader == 0:
		missing = "no leader followed by a quorum"
	case res.Commit == 0:
		missing = fmt.Sprintf("a leader followed by a quorum from round %d, but no proposal made after the heal committed on a quorum", res.Leader)
	default:
		missing = fmt.Sprintf("a proposal committed at round %d, but not every node follows its leader", res.Commit)
	}
	return res, fmt.Errorf("%s: %s within %d election timeouts (%d rounds of ticks and deliveries) of a fair network after the last fault healed:\n%s",
		LivenessName, missing, bound, rounds, describeNodes(c))
}

// proposal is the value CheckLiveness proposed: at leader's term, at index.
type proposal struct {
	leader, term, index uint64
}

func (p *proposal) alive(c *Cluster) bool {
	st := c.Node(int(p.leader)).Status()
	return st.Role == raft.Leader && st.Term == p.term
}

// committed reports whether a node committed the proposal and a quorum
// holds it (the entry at its index is of its term).
func (p *proposal) committed(c *Cluster) bool {
	n := c.Options().N
	holders, commits := 0, false
	for id := 1; id <= n; id++ {
		rn := c.Node(id)
		log := c.fullLog(id)
		if uint64(len(log)) >= p.index && log[p.index-1].Term == p.term {
			holders++
			commits = commits || rn.Status().Commit >= p.index
		}
	}
	return commits && holders >= spec.QuorumSize(n)
}

// quorumLeader returns the leader of the highest term that a quorum
// follows: nodes at its term whose leader it is (itself included).
func quorumLeader(c *Cluster) (id int, term uint64, ok bool) {
	n := c.Options().N
	for l := 1; l <= n; l++ {
		st := c.Node(l).Status()
		if st.Role != raft.Leader || (ok && st.Term <= term) {
			continue
		}
		followers := 0
		for j := 1; j <= n; j++ {
			if s := c.Node(j).Status(); s.Term == st.Term && s.Lead == uint64(l) {
				followers++
			}
		}
		if followers >= spec.QuorumSize(n) {
			id, term, ok = l, st.Term, true
		}
	}
	return id, term, ok
}

// allFollow reports whether every node is at term and has ld as its
// leader.
func allFollow(c *Cluster, ld int, term uint64) bool {
	for j := 1; j <= c.Options().N; j++ {
		if s := c.Node(j).Status(); s.Term != term || s.Lead != uint64(ld) {
			return false
		}
	}
	return true
}

// describeNodes prints every node's role, term, vote, leader, lease, log
// and commit, one a line.
func describeNodes(c *Cluster) string {
	var b strings.Builder
	for id := 1; id <= c.Options().N; id++ {
		st := c.Node(id).Status()
		fmt.Fprintf(&b, "  node %d: %v term=%d vote=%d lead=%d lease=%v last=%d/%d commit=%d\n",
			id, st.Role, st.Term, st.Vote, st.Lead, st.Lease, st.LastIndex, st.LastTerm, st.Commit)
	}
	return strings.TrimRight(b.String(), "\n")
}

// liftBounds lets the model go past the bounds of the random phase (terms
// up to MaxTerm, logs up to 255-MaxTerm entries), which a fair phase that
// follows a run at the bound may cross: the model's compact state still
// holds terms and logs up to 255.
func (k *Checker) liftBounds() {
	k.cfg.MaxTerm = 250
	k.cfg.MaxLogLen = 255
}
