-------------------- MODULE MutLeaseIgnored --------------------
(* Seeded bug, with CheckQuorum: a follower's lease is ignored (only a
   leader is within its lease), so a follower that hears from its leader
   adopts the term of a higher-term vote request.  LeaseHonoured must catch
   it. *)
EXTENDS MCRaft

MutInLease(s) == CheckQuorum /\ s.role = Leader
================================================================
