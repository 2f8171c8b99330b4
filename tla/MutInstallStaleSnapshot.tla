-------------------- MODULE MutInstallStaleSnapshot --------------------
(* Seeded bug: a follower installs a snapshot older than what it has committed (etcd's
   restore refuses one at or below its commit), rolling back applied state.
   CommitMonotonic must catch it. *)
EXTENDS MCRaft

MutSnapshotNewer(s, m) == TRUE
========================================================================
