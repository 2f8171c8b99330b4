-------------------- MODULE MutForgetLeaderOnLeader --------------------
(* Seeded bug: ForgetLeader acts on a leader too (etcd's stepLeader makes it
   a no-op).  TypeOK must catch it: a leader knows itself as the leader. *)
EXTENDS MCRaft

MutForgetLeader(i) ==
    /\ AllowForgetLeader
    /\ state[i] \in {Follower, Leader}
    /\ leader[i] # Nil
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ lease' = [lease EXCEPT ![i] = FALSE]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state,
                   votesGranted, votesRejected, progress, recentActive,
                   transferee, messages, cut, snapshotIndex, snapshotTerm,
                   readQueue, pendingReads, readStates, reads>>
========================================================================
