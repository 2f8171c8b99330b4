-------------------- MODULE MutCandidateSkipsPreVote --------------------
(* Seeded bug: a candidate whose election times out starts the next
   election directly, skipping the pre-vote.  CandidateHasPreVoteQuorum must
   catch it. *)
EXTENDS MCRaft

MutTimeout(i) ==
    /\ state[i] # Leader
    /\ currentTerm[i] < MaxTerm
    /\ Act(i, IF PreVote /\ state[i] # Candidate
              THEN CampaignPreElection(i, Srv(i))
              ELSE CampaignElection(i, Srv(i)))
=========================================================================
