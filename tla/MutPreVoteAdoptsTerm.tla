-------------------- MODULE MutPreVoteAdoptsTerm --------------------
(* Seeded bug: a server that receives a higher-term pre-vote request adopts
   the request's term, as it would for a real vote request.
   PreVoteRequestHarmless must catch it. *)
EXTENDS MCRaft

MutOnPreVoteRequest(i, s, m) ==
    LET j == m.msource
        f == IF m.mterm > s.term THEN BecomeFollower(s, m.mterm, Nil) ELSE s
    IN IF m.mterm > s.term /\ InLease(s) THEN Result(s, {})
       ELSE IF m.mterm < s.term
            THEN Result(s, {VoteResponseMsg(PreVoteResponse, i, j, s.term, TRUE)})
       ELSE IF VoteGranted(f, m)
            THEN Result(f, {VoteResponseMsg(PreVoteResponse, i, j, m.mterm, FALSE)})
       ELSE Result(f, {VoteResponseMsg(PreVoteResponse, i, j, f.term, TRUE)})
=====================================================================
