package bugs

// Seeded bugs that break liveness only: with either, every safety property
// still holds (nothing is committed wrongly, no term has two leaders), so
// they have no TLA+ mutant (TLC checks safety here) and are not in All,
// whose every bug the safety suites must catch. The bounded liveness check
// of the property runs (properties.CheckLiveness) and the named liveness
// scenarios of raft/ must catch them.
const (
	// NoLowerTermPreVoteReject: a lower-term pre-vote request is dropped
	// silently instead of rejected at the receiver's term, so a
	// pre-candidate stuck at a low term never learns the higher term
	// (etcd#8243, etcd#8501).
	NoLowerTermPreVoteReject Bug = "NoLowerTermPreVoteReject"
	// NoStaleLeaderReply: an append or heartbeat from a lower-term leader
	// is dropped silently instead of answered at the receiver's term, so
	// the stale leader never learns the higher term, and a node whose term
	// grew while it was cut off cannot rejoin a leader within its lease.
	NoStaleLeaderReply Bug = "NoStaleLeaderReply"
)

// Liveness lists the seeded bugs that break liveness only.
var Liveness = []Bug{NoLowerTermPreVoteReject, NoStaleLeaderReply}
