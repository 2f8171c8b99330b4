-------------------- MODULE MutRestartForgetsVote --------------------
(* Seeded bug: the vote is not durable, so a restarted server has no vote
   in its term.  OneVotePerTerm must catch it. *)
EXTENDS MCRaft

MutRestart(i) ==
    /\ AllowRestart
    /\ Act(i, Result([Srv(i) EXCEPT !.vote = Nil, !.role = Follower,
                        !.leader = Nil, !.lease = FALSE, !.granted = {},
                        !.rejected = {}, !.prs = NoProgresses, !.active = {}],
                     {}))
======================================================================
