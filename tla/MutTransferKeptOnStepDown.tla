-------------------- MODULE MutTransferKeptOnStepDown --------------------
(* Seeded bug: a leader that steps down keeps its pending transfer (etcd's
   reset gives it up).  TypeOK must catch it: a pending transfer belongs to
   a leader. *)
EXTENDS MCRaft

MutBecomeFollower(s, t, l) ==
    [s EXCEPT !.term = t, !.vote = IF t = s.term THEN @ ELSE Nil,
              !.role = Follower, !.leader = l, !.lease = CheckQuorum /\ l # Nil,
              !.granted = {}, !.rejected = {}, !.prs = NoProgresses,
              !.active = {}]
==========================================================================
