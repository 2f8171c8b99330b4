package raft

// Bug names a deliberately broken variant of the protocol. The property
// suites (properties/) run against each, built with the tag raftbugs, to
// show that they can fail; without the tag no bug can be switched on and
// the checks for them compile away.
type Bug string

// The seeded bugs, each the twin of a TLA+ mutant in tla/Mut*.tla.
const (
	// BugPreCandidateBumpsTerm: a pre-candidate increments its term.
	BugPreCandidateBumpsTerm Bug = "PreCandidateBumpsTerm"
	// BugGrantWithoutLogCheck: votes are granted without checking that the
	// candidate's log is up to date.
	BugGrantWithoutLogCheck Bug = "GrantWithoutLogCheck"
	// BugCommitEarlierTerm: a leader commits an entry of an earlier term by
	// counting replicas.
	BugCommitEarlierTerm Bug = "CommitEarlierTerm"
	// BugRestartForgetsVote: a restarted node has no vote in its term.
	BugRestartForgetsVote Bug = "RestartForgetsVote"
	// BugPreVoteAdoptsTerm: a node adopts the term of a higher-term
	// pre-vote request.
	BugPreVoteAdoptsTerm Bug = "PreVoteAdoptsTerm"
)

// Bugs lists the seeded bugs.
var Bugs = []Bug{BugPreCandidateBumpsTerm, BugGrantWithoutLogCheck, BugCommitEarlierTerm, BugRestartForgetsVote, BugPreVoteAdoptsTerm}
