// Package bugs names the bugs seeded in raft/ to show that the property
// suites (properties/) can fail. Only a build with the tag raftbugs can
// switch one on (Set); without the tag On is constantly false, and the
// checks for them compile away. Being internal, none of it is part of
// raft's API.
package bugs

// Bug names a deliberately broken variant of the protocol.
type Bug string

// The seeded bugs, each the twin of a TLA+ mutant in tla/Mut*.tla, except
// RestartLosesLastEntry: what it breaks is a property of the history of
// the run (what was committed stays committed), which the Go checker of
// the property runs states (properties.CommittedNeverLost).
const (
	// PreCandidateBumpsTerm: a pre-candidate increments its term.
	PreCandidateBumpsTerm Bug = "PreCandidateBumpsTerm"
	// GrantWithoutLogCheck: votes are granted without checking that the
	// candidate's log is up to date.
	GrantWithoutLogCheck Bug = "GrantWithoutLogCheck"
	// CommitEarlierTerm: a leader commits an entry of an earlier term by
	// counting replicas.
	CommitEarlierTerm Bug = "CommitEarlierTerm"
	// RestartForgetsVote: a restarted node has no vote in its term.
	RestartForgetsVote Bug = "RestartForgetsVote"
	// PreVoteAdoptsTerm: a node adopts the term of a higher-term pre-vote
	// request.
	PreVoteAdoptsTerm Bug = "PreVoteAdoptsTerm"
	// LeaseIgnored: with CheckQuorum, a follower that hears from its
	// leader does not ignore higher-term (pre-)vote requests.
	LeaseIgnored Bug = "LeaseIgnored"
	// NoStepDown: with CheckQuorum, a leader's quorum check never steps
	// down.
	NoStepDown Bug = "NoStepDown"
	// RestartLosesLastEntry: a restarted node loses the last entry of its
	// log when it lies beyond its commit index, although it acknowledged
	// the entry as persisted (a leader may have committed it).
	RestartLosesLastEntry Bug = "RestartLosesLastEntry"
)

// All lists the seeded bugs.
var All = []Bug{PreCandidateBumpsTerm, GrantWithoutLogCheck, CommitEarlierTerm, RestartForgetsVote, PreVoteAdoptsTerm, LeaseIgnored, NoStepDown, RestartLosesLastEntry}
