-------------------- MODULE MutVoteTwice --------------------
(* Seeded bug: a voter ignores the vote it already cast in its term.
   ElectionSafety must catch it. *)
EXTENDS MCRaft

MutCanVote(s, m) == TRUE
=============================================================
