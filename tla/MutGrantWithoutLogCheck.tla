-------------------- MODULE MutGrantWithoutLogCheck --------------------
(* Seeded bug: a voter grants its vote without checking that the
   candidate's log is up to date.  LeaderCompleteness must catch it. *)
EXTENDS MCRaft

MutVoteGranted(s, m) == CanVote(s, m)
========================================================================
