-------------------- MODULE MutReadBeforeTermCommit --------------------
(* Seeded bug: a leader answers reads before it has committed an entry of
   its term.  Its commit index may lag what the previous leader committed
   (it holds the entry, but has not learnt that it is committed), so the
   read misses a committed write.  ReadIndexLinearizable must catch it. *)
EXTENDS MCRaft

MutReadIndex(i, s, req) ==
    IF s.role = Leader THEN SendReadIndexResponse(i, s, req)
    ELSE IF s.role = Follower /\ s.leader # Nil
         THEN Result(s, {ReadIndexRequestMsg(req.from, s.leader, req.id)})
    ELSE Result(s, {})
========================================================================
