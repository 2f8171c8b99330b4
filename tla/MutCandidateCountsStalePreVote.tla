-------------------- MODULE MutCandidateCountsStalePreVote --------------------
(* Seeded bug, with CheckQuorum: a candidate counts a pre-vote grant left
   over from its pre-campaign (it echoes the candidate's term) as a vote, so
   it can lead without the voter's vote.  ElectionSafety must catch it. *)
EXTENDS MCRaft

MutOnPreVoteResponse(i, s, m) ==
    IF m.mterm > s.term /\ m.mreject THEN Result(BecomeFollower(s, m.mterm, Nil), {})
    ELSE IF m.mterm < s.term \/ s.role \notin {PreCandidate, Candidate} THEN Result(s, {})
    ELSE IF s.role = Candidate
         THEN LET p == Poll(s, m.msource, ~m.mreject)
              IN IF IsQuorum(p.granted) THEN BecomeLeader(i, p)
                 ELSE Result(p, {})
    ELSE LET p == Poll(s, m.msource, ~m.mreject)
         IN IF IsQuorum(p.granted) THEN CampaignElection(i, p)
            ELSE IF Lost(p) THEN Result(BecomeFollower(p, p.term, Nil), {})
            ELSE Result(p, {})
===============================================================================
