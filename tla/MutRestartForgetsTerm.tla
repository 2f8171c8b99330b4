-------------------- MODULE MutRestartForgetsTerm --------------------
(* Seeded bug: the term is not durable, so a server restarts at term 0.
   TermMonotonic must catch it. *)
EXTENDS MCRaft

MutRestart(i) ==
    /\ AllowRestart
    /\ Act(i, Result([Srv(i) EXCEPT !.term = 0, !.vote = Nil, !.role = Follower,
                        !.leader = Nil, !.lease = FALSE, !.granted = {},
                        !.rejected = {}, !.prs = NoProgresses, !.active = {}],
                     {}))
======================================================================
