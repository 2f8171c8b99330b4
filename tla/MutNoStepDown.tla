-------------------- MODULE MutNoStepDown --------------------
(* Seeded bug, with CheckQuorum: a leader's quorum check never steps down;
   it only counts afresh.  StepDownWithoutQuorum must catch it.  With three
   servers a check that finds no quorum finds no follower active either, and
   the mutant's check then changes nothing (a stutter): MutNoStepDown.cfg has
   four servers, so a check can find one follower active, not a quorum. *)
EXTENDS MCRaft

CONSTANT s4

MutQuorumCheck(i) ==
    /\ CheckQuorum
    /\ state[i] = Leader
    /\ Act(i, Result([Srv(i) EXCEPT !.active = {}], {}))
==============================================================
