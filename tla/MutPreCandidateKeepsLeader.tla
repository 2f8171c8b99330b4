-------------------- MODULE MutPreCandidateKeepsLeader --------------------
(* Seeded bug (etcd#8334), with CheckQuorum: a pre-candidate keeps the
   leader it knew, and with it its lease, so it ignores the higher-term
   pre-votes of the others as if its leader were still there.  TypeOK (a
   lease only on a follower that knows its leader) must catch it. *)
EXTENDS MCRaft

MutCampaignPreElection(i, s) ==
    LET t == [s EXCEPT !.role = PreCandidate, !.granted = {i}, !.rejected = {}]
    IN IF IsQuorum({i}) THEN CampaignElection(i, t)
       ELSE Result(t, CampaignMsgs(i, t, PreVoteRequest, s.term + 1))
===========================================================================
