-------------------- MODULE MutCommitEarlierTerm --------------------
(* Seeded bug: a leader commits the quorum index whatever the term of its
   entry: it commits an entry of an earlier term by counting replicas (Raft
   paper, figure 8).  LeaderCompleteness must catch it.  Appends carry one
   entry each, so that a follower can hold an earlier-term entry without the
   leader's own. *)
EXTENDS MCRaft

MutMaybeCommit(i, s) ==
    LET q == QuorumMatch(i, s)
    IN IF q > s.commit THEN [s EXCEPT !.commit = q] ELSE s
=====================================================================
