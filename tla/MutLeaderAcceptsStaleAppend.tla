-------------------- MODULE MutLeaderAcceptsStaleAppend --------------------
(* Seeded bug: a leader handles an append from another leader, whatever
   its term, as a follower would, without stepping down.
   LeaderAppendOnly must catch it. *)
EXTENDS MCRaft

MutOnAppendEntriesRequest(i, s, m) ==
    IF s.role = Leader THEN AcceptAppend(i, s, m)
    ELSE IF m.mterm < s.term THEN Result(s, StaleLeaderReply(i, s, m))
    ELSE AcceptAppend(i, BecomeFollower(s, m.mterm, m.msource), m)
============================================================================
