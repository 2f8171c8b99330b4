-------------------- MODULE MutCompactUncommitted --------------------
(* Seeded bug: a server compacts its log beyond its commit index, snapshotting entries
   that may never be committed.  SnapshotCommitted must catch it. *)
EXTENDS MCRaft

MutCompactLimit(s) == LastIndex(s)
========================================================================
