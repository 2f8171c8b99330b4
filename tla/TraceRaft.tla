------------------------------ MODULE TraceRaft ------------------------------
(***************************************************************************)
(* Trace validation: does a log of raft/ steps describe a behaviour of the *)
(* spec?  The log (NDJSON, written by traces.Logger from a cluster of      *)
(* raft/ nodes) has one line per model step: the action, its parameters,   *)
(* the message it handled, dropped or duplicated, and, for a node's own    *)
(* steps, that node's whole state afterwards (the server record: term,     *)
(* vote, role, leader, lease, commit, log, tally, progress, recently       *)
(* active followers) and, where the log knows them, the messages the step  *)
(* sent.  The line counter l advances with                                 *)
(* each matched line; the log is accepted only if every line was matched   *)
(* (Accepted, a POSTCONDITION).                                            *)
(*                                                                         *)
(* In the trace configs servers, values and Nil are strings ("s1", "v1",   *)
(* "Nil"), as the log writes them.                                         *)
(***************************************************************************)
EXTENDS Raft, Json, TLC

CONSTANT LogFile

TraceLog == ndJsonDeserialize(LogFile)

\* The next line of the log to match.
VARIABLE l

TraceInit == Init /\ l = 1

\* The set of the elements of a sequence (a JSON list).
ToSet(sq) == {sq[k] : k \in DOMAIN sq}

\* Where the log's state starts (a log written before snapshots says
\* nothing: nothing was compacted).
SnapIndexOf(st) == IF "snapshotIndex" \in DOMAIN st THEN st.snapshotIndex ELSE 0
SnapTermOf(st) == IF "snapshotTerm" \in DOMAIN st THEN st.snapshotTerm ELSE 0

\* The read variables of server i after the step agree with the log's,
\* where the line has them (a log of a run with reads).
ReadsMatch(i, st) ==
    /\ "readQueue" \in DOMAIN st =>
          /\ Len(readQueue'[i]) = Len(st.readQueue)
          /\ \A k \in 1..Len(st.readQueue) :
                LET r == readQueue'[i][k]
                    q == st.readQueue[k]
                IN /\ r.id = q.id /\ r.from = q.from /\ r.index = q.index
                   /\ r.acks = ToSet(q.acks)
    /\ "pendingReads" \in DOMAIN st =>
          /\ Len(pendingReads'[i]) = Len(st.pendingReads)
          /\ \A k \in 1..Len(st.pendingReads) :
                /\ pendingReads'[i][k].id = st.pendingReads[k].id
                /\ pendingReads'[i][k].from = st.pendingReads[k].from
    /\ "readStates" \in DOMAIN st =>
          readStates'[i] = {<<a[1], a[2]>> : a \in ToSet(st.readStates)}

\* Server i's state after the step agrees with what the log says of it: the
\* whole server record (Srv), each field compared.  The log lists the
\* entries, the tally and the recently active followers, and has a
\* progress record for every other server (NoProgress unless i leads).
StateMatches(i, st) ==
    /\ currentTerm'[i] = st.term
    /\ votedFor'[i] = st.vote
    /\ state'[i] = st.role
    /\ leader'[i] = st.leader
    /\ lease'[i] = st.lease
    /\ commitIndex'[i] = st.commit
    /\ snapshotIndex'[i] = SnapIndexOf(st)
    /\ snapshotTerm'[i] = SnapTermOf(st)
    /\ snapshotIndex'[i] + Len(log'[i]) = st.lastIndex
    /\ LastTermOf([snapIndex |-> snapshotIndex'[i], snapTerm |-> snapshotTerm'[i],
                   log |-> log'[i]]) = st.lastTerm
    /\ Len(log'[i]) = Len(st.log)
    /\ \A k \in 1..Len(st.log) : /\ log'[i][k].term = st.log[k].term
                                 /\ log'[i][k].value = st.log[k].value
    /\ votesGranted'[i] = ToSet(st.granted)
    /\ votesRejected'[i] = ToSet(st.rejected)
    /\ recentActive'[i] = ToSet(st.active)
    /\ transferee'[i] = st.transferee
    /\ DOMAIN st.prs = Server \ {i}
    /\ \A j \in Server \ {i} :
          LET pr == progress'[i][j]
              q  == st.prs[j]
          IN /\ pr.next = q.next
             /\ pr.match = q.match
             /\ pr.mode = q.mode
             /\ pr.paused = q.paused
             /\ pr.sentCommit = q.sentCommit
    /\ ReadsMatch(i, st)

\* The messages a node's step sent agree with what the log says it sent,
\* when the line says (raft/'s logs do; base is the network the step sends
\* into: the messages in flight, less the one it handled).  A message sent
\* over a cut link is lost (PutAll).
SentMatches(e, base) ==
    "sent" \in DOMAIN e => messages' = PutAll(base, {e.sent[k] : k \in DOMAIN e.sent})

\* Server m.mdest handles message m (the handler chosen by its type).
HandleMessage(m) ==
    /\ m \in DOMAIN messages
    /\ LET i == m.mdest
           r == CASE m.mtype = PreVoteRequest        -> OnPreVoteRequest(i, Srv(i), m)
                  [] m.mtype = PreVoteResponse       -> OnPreVoteResponse(i, Srv(i), m)
                  [] m.mtype = VoteRequest           -> OnVoteRequest(i, Srv(i), m)
                  [] m.mtype = VoteResponse          -> OnVoteResponse(i, Srv(i), m)
                  [] m.mtype = AppendEntriesRequest  -> OnAppendEntriesRequest(i, Srv(i), m)
                  [] m.mtype = AppendEntriesResponse -> OnAppendEntriesResponse(i, Srv(i), m)
                  [] m.mtype = HeartbeatRequest      -> OnHeartbeatRequest(i, Srv(i), m)
                  [] m.mtype = HeartbeatResponse     -> OnHeartbeatResponse(i, Srv(i), m)
                  [] m.mtype = SnapshotRequest       -> OnSnapshotRequest(i, Srv(i), m)
                  [] m.mtype = TimeoutNowRequest     -> OnTimeoutNowRequest(i, Srv(i), m)
                  [] m.mtype = ReadIndexRequest      -> ReadIndex(i, Srv(i), [id |-> m.mctx, from |-> m.msource])
                  [] m.mtype = ReadIndexResponse     -> OnReadIndexResponse(i, Srv(i), m)
       IN Deliver(m, r)

\* What a line says of a node's step: the node's state after it, and the
\* messages it sent into base.
NodeStep(e, base) == StateMatches(e.i, e.state) /\ SentMatches(e, base)

\* The step of log line e.
StepOf(e) ==
    CASE e.action = "Timeout"       -> Timeout(e.i) /\ NodeStep(e, messages)
      [] e.action = "ClientRequest" -> ClientRequest(e.i, e.v) /\ NodeStep(e, messages)
      [] e.action = "Heartbeat"     -> Heartbeat(e.i) /\ NodeStep(e, messages)
      [] e.action = "QuorumCheck"   -> QuorumCheck(e.i) /\ NodeStep(e, messages)
      [] e.action = "LeaseExpire"   -> LeaseExpire(e.i) /\ NodeStep(e, messages)
      [] e.action = "Restart"       -> Restart(e.i) /\ NodeStep(e, messages)
      \* The application's step: a log may leave the node's state out (no
      \* trace event of the node describes it; Compact is deterministic).
      [] e.action = "Compact"       -> Compact(e.i) /\ ("state" \in DOMAIN e => NodeStep(e, messages))
      [] e.action = "TransferLeadership" -> TransferLeadership(e.i, e.j) /\ NodeStep(e, messages)
      [] e.action = "AbortTransfer" -> AbortTransfer(e.i) /\ NodeStep(e, messages)
      [] e.action = "ForgetLeader"  -> ForgetLeader(e.i) /\ NodeStep(e, messages)
      [] e.action = "ClientRead"    -> ClientRead(e.i) /\ NodeStep(e, messages)
      [] e.action = "Partition"     -> Partition(e.i, e.j)
      [] e.action = "Heal"          -> Heal(e.i, e.j)
      [] e.action = "DropMessage"   ->
            /\ e.msg \in DOMAIN messages
            /\ messages' = Take(messages, e.msg)
            /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                           votesGranted, votesRejected, progress,
                           recentActive, cut, readQueue, pendingReads,
                           readStates, reads, transferee, snapshotIndex,
                           snapshotTerm>>
      [] e.action = "DuplicateMessage" ->
            /\ e.msg \in DOMAIN messages
            /\ messages[e.msg] < MaxCopies
            /\ NetworkBecomes(Put(messages, e.msg))
            /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                           votesGranted, votesRejected, progress,
                           recentActive, cut, readQueue, pendingReads,
                           readStates, reads, transferee, snapshotIndex,
                           snapshotTerm>>
      [] OTHER -> HandleMessage(e.msg) /\ NodeStep(e, Take(messages, e.msg))

TraceNext ==
    /\ l <= Len(TraceLog)
    /\ StepOf(TraceLog[l])
    /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_<<vars, l>>

TraceView == <<vars, l>>

\* Every directed link (the trace configs may cut any).
TraceLinks == {<<a, b>> \in Server \X Server : a # b}

\* Every line matched: the longest behaviour has one state per line, plus
\* the initial one.  Otherwise say which line was the first not matched.
Accepted ==
    LET matched == TLCGet("stats").diameter - 1
    IN IF matched = Len(TraceLog) THEN TRUE
       ELSE PrintT(<<"TraceRaft: line not matched", matched + 1, TraceLog[matched + 1]>>) /\ FALSE
=============================================================================
