-------------------- MODULE MutHeartbeatCommitUnbounded --------------------
(* Seeded bug: a heartbeat carries the leader's commit index instead of
   bounding it by the follower's match, so a lagging follower commits past
   the end of its log.  TypeOK must catch it. *)
EXTENDS MCRaft

MutHeartbeat(i) ==
    /\ state[i] = Leader
    /\ Act(i, Result(Srv(i),
             {HeartbeatMsg(i, j, currentTerm[i], commitIndex[i]) :
              j \in Server \ {i}}))
============================================================================
