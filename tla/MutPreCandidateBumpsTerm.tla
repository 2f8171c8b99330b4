-------------------- MODULE MutPreCandidateBumpsTerm --------------------
(* Seeded bug: a pre-candidate increments its term, as a plain candidate
   does.  PreVoteKeepsTermAndVote must catch it. *)
EXTENDS MCRaft

MutCampaignPreElection(i, s) ==
    LET pre == [s EXCEPT !.term = @ + 1, !.role = PreCandidate, !.leader = Nil,
                         !.lease = FALSE, !.granted = {i}, !.rejected = {}]
    IN IF IsQuorum({i}) THEN CampaignElection(i, pre)
       ELSE Result(pre, CampaignMsgs(i, pre, PreVoteRequest, pre.term))
=========================================================================
