-------------------- MODULE MutAppendSkipsTermCheck --------------------
(* Seeded bug: a follower accepts an append whose anchor index it holds
   without checking the anchor's term.  LogMatching must catch it. *)
EXTENDS MCRaft

MutAcceptAppend(i, s, m) ==
    LET j == m.msource
        prev == m.mprevLogIndex
        last == prev + Len(m.mentries)
    IN IF prev >= s.commit /\ prev <= Len(s.log)
       THEN Result([s EXCEPT !.log = Merge(@, prev, m.mentries, 1),
                             !.commit = Max(@, Min(m.mcommitIndex, last))],
                   {AppendResponseMsg(i, j, s.term, FALSE, last, 0, 0)})
       ELSE IF prev < s.commit
       THEN Result(s, {AppendResponseMsg(i, j, s.term, FALSE, s.commit, 0, 0)})
       ELSE LET hint == FindConflictByTerm(s.log, Min(prev, Len(s.log)),
                                           m.mprevLogTerm)
            IN Result(s, {AppendResponseMsg(i, j, s.term, TRUE, prev,
                                            hint[1], hint[2])})
========================================================================
