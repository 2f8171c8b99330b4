-------------------- MODULE MutCommitWithoutQuorum --------------------
(* Seeded bug: a leader commits what it alone holds, as if it were a quorum
   by itself (an off-by-one in the quorum size).  StateMachineSafety must
   catch it. *)
EXTENDS MCRaft

MutMaybeCommit(i, s) ==
    IF Len(s.log) > s.commit /\ TermAt(s.log, Len(s.log)) = s.term
    THEN [s EXCEPT !.commit = Len(s.log)] ELSE s
=======================================================================
