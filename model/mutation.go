package model

// mutation is a seeded mutant of tla/Mut*.tla, selected by Config.Mutation.
// Each is a small, marked deviation in the helper its cfg overrides.
type mutation uint8

const (
	mutNone                        mutation = iota
	mutAppendSkipsTermCheck                 // AcceptAppend: no anchor term check
	mutCandidateSkipsPreVote                // Timeout: a candidate skips the pre-vote
	mutCommitEarlierTerm                    // MaybeCommit: commits an earlier term's entry
	mutCommitWithoutQuorum                  // MaybeCommit: commits what the leader alone holds
	mutGrantWithoutLogCheck                 // VoteGranted: no up-to-date check
	mutHeartbeatCommitUnbounded             // Heartbeat: the leader's whole commit
	mutLeaderAcceptsStaleAppend             // OnAppendEntriesRequest: leader accepts any append
	mutPreCandidateBumpsTerm                // CampaignPreElection: term+1
	mutPreVoteAdoptsTerm                    // OnPreVoteRequest: adopts a higher term
	mutRestartForgetsTerm                   // Restart: term 0 and no vote
	mutRestartForgetsVote                   // Restart: no vote
	mutVoteTwice                            // CanVote: TRUE
	mutLeaseIgnored                         // InLease: a leader only
	mutLeaderNotInOwnLease                  // InLease: a follower's lease only
	mutNoStepDown                           // QuorumCheck: never steps down
	mutPreCandidateKeepsLeader              // CampaignPreElection: keeps leader and lease
	mutCandidateCountsStalePreVote          // OnPreVoteResponse: a candidate counts it as a vote
	mutInstallStaleSnapshot                 // SnapshotNewer: TRUE
	mutCompactUncommitted                   // CompactLimit: the last index
	mutRestoreKeepsCommit                   // RestoreSnapshot: the commit is kept
)

var mutationNames = map[string]mutation{
	"":                            mutNone,
	"AppendSkipsTermCheck":        mutAppendSkipsTermCheck,
	"CandidateSkipsPreVote":       mutCandidateSkipsPreVote,
	"CommitEarlierTerm":           mutCommitEarlierTerm,
	"CommitWithoutQuorum":         mutCommitWithoutQuorum,
	"GrantWithoutLogCheck":        mutGrantWithoutLogCheck,
	"HeartbeatCommitUnbounded":    mutHeartbeatCommitUnbounded,
	"LeaderAcceptsStaleAppend":    mutLeaderAcceptsStaleAppend,
	"PreCandidateBumpsTerm":       mutPreCandidateBumpsTerm,
	"PreVoteAdoptsTerm":           mutPreVoteAdoptsTerm,
	"RestartForgetsTerm":          mutRestartForgetsTerm,
	"RestartForgetsVote":          mutRestartForgetsVote,
	"VoteTwice":                   mutVoteTwice,
	"LeaseIgnored":                mutLeaseIgnored,
	"LeaderNotInOwnLease":         mutLeaderNotInOwnLease,
	"NoStepDown":                  mutNoStepDown,
	"PreCandidateKeepsLeader":     mutPreCandidateKeepsLeader,
	"CandidateCountsStalePreVote": mutCandidateCountsStalePreVote,
	"InstallStaleSnapshot":        mutInstallStaleSnapshot,
	"CompactUncommitted":          mutCompactUncommitted,
	"RestoreKeepsCommit":          mutRestoreKeepsCommit,
}

// mutationOf maps Config.Mutation to the mutant; an unknown name (rejected
// by Config.Validate) panics.
func mutationOf(name string) mutation {
	m, ok := mutationNames[name]
	if !ok {
		panic("model: unknown mutation " + name)
	}
	return m
}
