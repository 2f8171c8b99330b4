-------------------- MODULE MutHeartbeatCommitUnbounded --------------------
(* Seeded bug: a heartbeat carries the leader's commit index instead of
   bounding it by the follower's match, so a lagging follower commits past
   the end of its log.  TypeOK must catch it. *)
EXTENDS MCRaft

MutHeartbeat(i) ==
    /\ state[i] = Leader
    /\ LET s == Srv(i)
       IN Act(i, Result([s EXCEPT !.prs = [j \in Server |->
                           IF j = i THEN @[j] ELSE [@[j] EXCEPT !.sentCommit = s.commit]]],
                        {HeartbeatMsg(i, j, s.term, s.commit, LastReadCtx(s)) : j \in Server \ {i}}))
============================================================================
