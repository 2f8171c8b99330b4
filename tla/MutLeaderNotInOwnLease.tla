-------------------- MODULE MutLeaderNotInOwnLease --------------------
(* Seeded bug, with CheckQuorum: a leader is not counted within its own
   lease (only a follower's lease counts), so a leader steps down on a
   higher-term vote request.  LeaseHonoured must catch it. *)
EXTENDS MCRaft

MutInLease(s) == CheckQuorum /\ s.lease
=======================================================================
