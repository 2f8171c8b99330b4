-------------------- MODULE MutReadWithoutQuorum --------------------
(* Seeded bug, with ReadOnlySafe: a leader answers a read at once, without
   waiting for a quorum to acknowledge a heartbeat carrying its context.  A
   deposed leader that has not heard of the new term then answers below what
   the new leader committed.  ReadIndexLinearizable must catch it. *)
EXTENDS MCRaft

MutSendReadIndexResponse(i, s, req) == RespondRead(i, s, req, s.commit)
=====================================================================
