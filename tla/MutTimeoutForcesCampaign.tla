-------------------- MODULE MutTimeoutForcesCampaign --------------------
(* Seeded bug: an election timeout starts the campaign a transfer forces
   (no pre-election, vote requests marked to pass the lease).
   CandidateHasPreVoteQuorum must catch it: only a TimeoutNow request may
   make a Candidate without a pre-vote quorum. *)
EXTENDS MCRaft

MutTimeout(i) ==
    /\ state[i] # Leader
    /\ currentTerm[i] < MaxTerm
    /\ Act(i, Campaign(i, Srv(i), TRUE))
=========================================================================
