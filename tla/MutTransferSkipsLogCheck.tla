-------------------- MODULE MutTransferSkipsLogCheck --------------------
(* Seeded bug: a vote request of a campaign forced by a leader transfer is
   granted without checking that the candidate's log is up to date (the
   lease is passed, and the log check with it).  LeaderCompleteness must
   catch it: the transfer is given up, the leader commits a value, and the
   stale target's forced campaign still wins. *)
EXTENDS MCRaft

MutVoteGranted(s, m) ==
    /\ CanVote(s, m)
    /\ \/ m.mtype = VoteRequest /\ m.mtransfer
       \/ m.mlastLogTerm > LastTerm(s.log)
       \/ m.mlastLogTerm = LastTerm(s.log) /\ m.mlastLogIndex >= Len(s.log)
=========================================================================
