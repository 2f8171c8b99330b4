-------------------- MODULE MutRestoreKeepsCommit --------------------
(* Seeded bug: a follower that restores a snapshot keeps its old commit index, below
   the snapshot (etcd's raftLog.restore sets committed to the snapshot
   index).  SnapshotCommitted must catch it. *)
EXTENDS MCRaft

MutRestoreSnapshot(i, s, m) ==
    LET j == m.msource
        si == m.msnapshotIndex
        st == m.msnapshotTerm
    IN IF ~SnapshotNewer(s, m)
       THEN Result(s, {AppendResponseMsg(i, j, s.term, FALSE, s.commit, 0, 0)})
       ELSE IF si <= LastIndex(s) /\ si >= s.snapIndex /\ TermOf(s, si) = st
       THEN Result([s EXCEPT !.commit = Max(@, si)],
                   {AppendResponseMsg(i, j, s.term, FALSE, Max(s.commit, si), 0, 0)})
       ELSE Result([s EXCEPT !.log = <<>>, !.snapIndex = si, !.snapTerm = st],
                   {AppendResponseMsg(i, j, s.term, FALSE, si, 0, 0)})
========================================================================
