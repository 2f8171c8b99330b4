--------------------------------- MODULE Raft ---------------------------------
(***************************************************************************)
(* Raft with PreVote and CheckQuorum, in etcd-raft's semantics.            *)
(*                                                                         *)
(* This is the definition that the Go package raft/ implements, that the   *)
(* Go package model/ transcribes action by action, and that spec/ states   *)
(* the properties of.  Every action is one atomic step of one server: it   *)
(* consumes at most one message, changes that server's state, and emits    *)
(* the messages that the implementation emits in the same step (the        *)
(* implementation hands out state for persisting before its messages       *)
(* leave, so an action is also a unit of durability).                      *)
(*                                                                         *)
(* What is modelled, beyond the Raft paper:                                *)
(*  - PreVote (thesis 9.6) as etcd does it: a pre-candidate keeps its term *)
(*    and vote and asks for votes at Term+1; a grant echoes the request    *)
(*    term; a rejection carries the voter's term; a lower-term pre-vote   *)
(*    gets an explicit rejection (etcd#8243).                              *)
(*  - CheckQuorum: a follower that heard from its leader within the        *)
(*    election timeout ignores higher-term vote requests (the lease), and  *)
(*    a leader that has not heard from a quorum within an election timeout *)
(*    steps down.                                                          *)
(*  - Log replication with etcd's probe and replicate states, rejection    *)
(*    hints, heartbeats whose commit is bounded by the follower's match,   *)
(*    and commitment of current-term entries only.                         *)
(*  - Leader transfer and ForgetLeader (etcd's MsgTransferLeader,         *)
(*    MsgTimeoutNow, MsgForgetLeader), each gated by a constant.           *)
(*  - ReadIndex (thesis 6.4) as etcd does it: a leader answers a read at   *)
(*    its commit index once it has committed an entry of its term and     *)
(*    (ReadOnlySafe) a quorum acknowledged a heartbeat carrying the read's *)
(*    context, or (ReadOnlyLeaseBased) at once, trusting CheckQuorum's     *)
(*    lease; a follower forwards a read to its leader.                     *)
(*  - Faults: message loss, duplication, restarts that keep only the       *)
(*    durable state, and directed network links that can be cut and       *)
(*    healed (full, partial and asymmetric partitions).                    *)
(*                                                                         *)
(* Time is abstract: the timers of the implementation appear as the        *)
(* actions Timeout, Heartbeat, QuorumCheck and LeaseExpire, which may      *)
(* happen whenever the role allows them.                                   *)
(*                                                                         *)
(* tla/README.md maps every action to the Go function that realises it.   *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences, TLC

\* The servers, the client values that can be proposed, and a reserved value
\* that is neither (no vote, no leader, the payload of a leader's empty entry).
CONSTANTS Server, Value, Nil

\* The two features under study.  Each MC config fixes both.
CONSTANTS PreVote, CheckQuorum

(***************************************************************************)
(* Bounds.  Each keeps the state space finite; none changes what a single *)
(* step does, it only disables steps that would leave the bounds.          *)
(*  MaxTerm      Timeout is disabled at a server whose term is MaxTerm, so  *)
(*               no term exceeds MaxTerm.                                  *)
(*  MaxLogLen    ClientRequest is disabled at a leader whose log has       *)
(*               MaxLogLen entries (a new leader's empty entry may still   *)
(*               make a log longer).                                       *)
(*  MaxInFlight  No step may leave more than MaxInFlight messages in       *)
(*               flight, counting copies (a guard on the next state).      *)
(*  MaxCopies    DuplicateMessage is disabled for a message that already   *)
(*               has MaxCopies copies in flight (1 disables duplication).  *)
(*  MaxCutLinks  Partition is disabled when MaxCutLinks directed links are *)
(*               already cut (0 disables partitions).                      *)
(*  AllowRestart Restart is enabled only when TRUE.                        *)
(***************************************************************************)
CONSTANTS MaxTerm, MaxLogLen, MaxInFlight, MaxCopies, MaxCutLinks, AllowRestart

\* An append carries at most MaxBatch entries (etcd's MaxSizePerMsg, counted
\* in entries; raft.Config.MaxEntriesPerMsg).  This one is not a bound of
\* the model but a parameter of the protocol: with MaxBatch at least the
\* longest log, every append carries the whole suffix.
CONSTANT MaxBatch

\* The directed links <<from, to>> that Partition may cut (all of them, in
\* general; a config may restrict them to keep the state space small).
CONSTANT CuttableLinks

\* AllowCompaction enables log compaction: Compact, and with it snapshots
\* sent to followers whose next entry a leader no longer holds
\* (SnapshotRequest, HandleSnapshotRequest).  FALSE in every config that
\* predates it: there snapshotIndex and snapshotTerm stay 0, the log holds
\* every entry, and each step is what it was.
CONSTANT AllowCompaction

\* Features beyond the two under study, each off in every config that does
\* not study it (so that config's state space is as it was without it).
\*  AllowTransfer      a leader may hand its leadership to a follower
\*                     (TransferLeadership, HandleTimeoutNowRequest,
\*                     AbortTransfer).
\*  AllowForgetLeader  a follower may forget its leader (ForgetLeader).
CONSTANTS AllowTransfer, AllowForgetLeader

\* Reads (ReadIndex).  MaxReads bounds the number of reads ClientRead may
\* start (0 disables reads, and every read variable keeps its initial
\* value).  ReadOnlyLeaseBased chooses etcd's ReadOnlyLeaseBased (answer at
\* once, relying on CheckQuorum's lease, which it requires) over
\* ReadOnlySafe (answer once a quorum acknowledged a heartbeat carrying the
\* read's context).
CONSTANTS MaxReads, ReadOnlyLeaseBased

ASSUME /\ PreVote \in BOOLEAN /\ CheckQuorum \in BOOLEAN
       /\ AllowRestart \in BOOLEAN /\ AllowCompaction \in BOOLEAN
       /\ AllowTransfer \in BOOLEAN /\ AllowForgetLeader \in BOOLEAN
       /\ Nil \notin Server /\ Nil \notin Value
       /\ MaxTerm \in Nat /\ MaxLogLen \in Nat /\ MaxInFlight \in Nat
       /\ MaxCopies \in Nat \ {0} /\ MaxCutLinks \in Nat
       /\ MaxBatch \in Nat \ {0}
       /\ CuttableLinks \subseteq Server \X Server
       /\ MaxReads \in Nat /\ ReadOnlyLeaseBased \in BOOLEAN
       /\ ReadOnlyLeaseBased => CheckQuorum

\* Roles.
Follower     == "Follower"
PreCandidate == "PreCandidate"
Candidate    == "Candidate"
Leader       == "Leader"
Roles == {Follower, PreCandidate, Candidate, Leader}

\* Message types (etcd: MsgPreVote, MsgPreVoteResp, MsgVote, MsgVoteResp,
\* MsgApp, MsgAppResp, MsgHeartbeat, MsgHeartbeatResp, MsgSnap,
\* MsgTimeoutNow).  A snapshot
\* is answered with an AppendEntriesResponse, as etcd answers MsgSnap with a
\* MsgAppResp (handleSnapshot).
PreVoteRequest        == "PreVoteRequest"
PreVoteResponse       == "PreVoteResponse"
VoteRequest           == "VoteRequest"
VoteResponse          == "VoteResponse"
AppendEntriesRequest  == "AppendEntriesRequest"
AppendEntriesResponse == "AppendEntriesResponse"
HeartbeatRequest      == "HeartbeatRequest"
HeartbeatResponse     == "HeartbeatResponse"
SnapshotRequest       == "SnapshotRequest"
TimeoutNowRequest     == "TimeoutNowRequest"
\* etcd: MsgReadIndex, MsgReadIndexResp.
ReadIndexRequest      == "ReadIndexRequest"
ReadIndexResponse     == "ReadIndexResponse"

\* Replication modes of a leader's progress for one follower (etcd's
\* StateProbe, StateReplicate, StateSnapshot).  In Snapshot a snapshot was
\* sent and nothing more is sent until an ack shows the follower can be
\* caught up from the log (etcd: IsPaused is TRUE in StateSnapshot).
Probe     == "Probe"
Replicate == "Replicate"
Snapshot  == "Snapshot"

-----------------------------------------------------------------------------
(* Variables *)

\* Durable per-server state (etcd's HardState and log): kept by Restart.
VARIABLE currentTerm   \* the server's term
VARIABLE votedFor      \* the server it voted for in currentTerm, or Nil
VARIABLE log           \* the [term, value] entries after snapshotIndex
VARIABLE commitIndex   \* the highest index known to be committed
\* The log's offset (etcd's Storage snapshot, FirstIndex - 1): the entries up
\* to snapshotIndex are compacted into a snapshot whose last entry has term
\* snapshotTerm; log[i][k] is the entry at index snapshotIndex[i] + k.  Both
\* 0 when nothing was compacted (always, unless AllowCompaction).
VARIABLE snapshotIndex, snapshotTerm

\* Volatile per-server state: lost by Restart.
VARIABLE state         \* the role
VARIABLE leader        \* the leader it knows of in currentTerm, or Nil
\* lease[i]: i is a follower that knows its leader and has heard from it
\* within the last election timeout.  Only kept when CheckQuorum is on (it
\* has no effect otherwise), so it is FALSE in configs without CheckQuorum.
VARIABLE lease
\* The tally of the current (pre-)campaign: who granted, who rejected.
\* One tally serves both stages, as in etcd; it is empty outside campaigns.
VARIABLE votesGranted, votesRejected
\* progress[i][j]: leader i's view of follower j, a record with
\*   next   the index of the next entry to send,
\*   match  the highest index known to be replicated on j,
\*   mode   Probe (one append at a time) or Replicate (pipelined),
\*   paused in Probe, an append was sent and no reply has come back,
\*   sentCommit the highest commit index sent to j in an append or a
\*          heartbeat, lowered when next backs off (etcd's sentCommit).
\* Meaningless unless i is a leader, and then reset to NoProgress.
VARIABLE progress
\* recentActive[i]: the followers leader i has heard from since its last
\* QuorumCheck (only kept when CheckQuorum is on).
VARIABLE recentActive
\* transferee[i]: the target of leader i's pending leader transfer, Nil when
\* none (etcd's leadTransferee).  Reset whenever i's role or term changes
\* (etcd's reset), so Nil unless i is a leader; always Nil without
\* AllowTransfer.
VARIABLE transferee

\* Reads.  A read is named by its number (1..MaxReads), which is also its
\* context (etcd's request context; 0 in a heartbeat is no context).
\* readQueue[i]: leader i's reads waiting for a quorum of heartbeat
\*   acknowledgements (etcd's readOnly), in arrival order: records
\*   [id, from, index, acks] (from: the server the read was requested at;
\*   index: i's commit index when it arrived).  Emptied at every role change.
\* pendingReads[i]: the reads leader i received before it committed an
\*   entry of its term, [id, from] records (etcd's pendingReadIndexMessages,
\*   which survive role changes); lost by Restart, as readQueue is.
VARIABLE readQueue, pendingReads
\* History, not protocol state (no step reads it to decide anything):
\* readStates[i] is the set of <<id, index>> answers i handed out (etcd's
\* ReadState), kept across restarts; reads[id] is read id's origin and the
\* highest commit index of any server when it was requested.
VARIABLE readStates, reads

\* The network: a bag of messages (a function from message to its number of
\* copies in flight), and the set of directed links that are cut.
VARIABLE messages, cut

serverVars == <<currentTerm, votedFor, state, leader, lease>>
logVars    == <<log, commitIndex, snapshotIndex, snapshotTerm>>
campaignVars == <<votesGranted, votesRejected>>
leaderVars == <<progress, recentActive, transferee>>
netVars    == <<messages, cut>>
readVars   == <<readQueue, pendingReads, readStates>>
vars == <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
          votesGranted, votesRejected, progress, recentActive, transferee,
          messages, cut, snapshotIndex, snapshotTerm, readQueue, pendingReads,
          readStates, reads>>

-----------------------------------------------------------------------------
(* Helpers *)

Min(a, b) == IF a < b THEN a ELSE b
Max(a, b) == IF a > b THEN a ELSE b

\* A quorum is a majority of Server.
QuorumSize == Cardinality(Server) \div 2 + 1
IsQuorum(S) == Cardinality(S) >= QuorumSize

\* The term of the entry at index k of log lg, 0 for index 0 and, as etcd's
\* log does for an index it does not have, for an index past the end.
TermAt(lg, k) == IF k = 0 \/ k > Len(lg) THEN 0 ELSE lg[k].term
LastTerm(lg) == TermAt(lg, Len(lg))

\* etcd's isUpToDate: a candidate's last entry (lastTerm, lastIndex) is at
\* least as up to date as the log lg.
UpToDate(lastTerm, lastIndex, lg) ==
    \/ lastTerm > LastTerm(lg)
    \/ lastTerm = LastTerm(lg) /\ lastIndex >= Len(lg)

\* etcd's findConflictByTerm: the largest index k <= idx whose term is at
\* most t (0 if none), with its term; an index past the end of the log is
\* returned as is, with term 0 ("unknown").
FindConflictByTerm(lg, idx, t) ==
    IF idx > Len(lg) THEN <<idx, 0>>
    ELSE LET k == CHOOSE k \in 0..idx :
                    /\ (k = 0 \/ lg[k].term <= t)
                    /\ \A k2 \in (k+1)..idx : lg[k2].term > t
         IN <<k, TermAt(lg, k)>>

\* The log of server record s by absolute index (etcd's raftLog over its
\* Storage: firstIndex is s.snapIndex + 1).  With nothing compacted these
\* are Len(s.log), TermAt(s.log, k), LastTerm(s.log) and s.log[k].
LastIndex(s) == s.snapIndex + Len(s.log)
\* The term at index k: the snapshot's term at its index (etcd keeps it for
\* matching), 0 at a compacted index (etcd: ErrCompacted) and past the end.
TermOf(s, k) == IF k = s.snapIndex THEN s.snapTerm
                ELSE IF k < s.snapIndex \/ k > LastIndex(s) THEN 0
                ELSE s.log[k - s.snapIndex].term
LastTermOf(s) == TermOf(s, LastIndex(s))
\* The entries from index lo to hi, lo > s.snapIndex.
EntriesOf(s, lo, hi) == SubSeq(s.log, lo - s.snapIndex, hi - s.snapIndex)

\* etcd's findConflictByTerm over a compacted log: scanning down from idx,
\* the first index whose term is at most t, with its term; an index whose
\* term is unknown (past the end, or compacted) is returned with term 0.
FindConflictByTermOf(s, idx, t) ==
    IF idx > LastIndex(s) THEN <<idx, 0>>
    ELSE LET k == CHOOSE k \in 0..idx :
                    /\ (k = 0 \/ k < s.snapIndex \/ TermOf(s, k) <= t)
                    /\ \A k2 \in (k+1)..idx : k2 >= s.snapIndex /\ TermOf(s, k2) > t
         IN <<k, IF k < s.snapIndex THEN 0 ELSE TermOf(s, k)>>

\* Isolated(i): no other server can reach i.
Isolated(i) == \A j \in Server \ {i} : <<j, i>> \in cut

\* The number of messages in flight, counting copies.
RECURSIVE SumCopies(_, _)
SumCopies(b, D) == IF D = {} THEN 0
                   ELSE LET m == CHOOSE m \in D : TRUE
                        IN b[m] + SumCopies(b, D \ {m})
InFlight(b) == SumCopies(b, DOMAIN b)

-----------------------------------------------------------------------------
(* The network *)

\* A bag with one copy of m more.
Put(b, m) == IF m \in DOMAIN b THEN [b EXCEPT ![m] = @ + 1] ELSE b @@ (m :> 1)
\* A bag with one copy of m less.
Take(b, m) == IF b[m] = 1 THEN [d \in DOMAIN b \ {m} |-> b[d]]
              ELSE [b EXCEPT ![m] = @ - 1]
\* A bag with every message of the set ms added, unless its link is cut:
\* a message sent over a cut link is lost.
RECURSIVE PutAll(_, _)
PutAll(b, ms) == IF ms = {} THEN b
                 ELSE LET m == CHOOSE m \in ms : TRUE
                      IN PutAll(IF <<m.msource, m.mdest>> \in cut THEN b
                                ELSE Put(b, m), ms \ {m})

\* The network becomes bag b, unless b holds more than MaxInFlight messages
\* (the bound is a guard: the step is then not taken).
NetworkBecomes(b) == InFlight(b) <= MaxInFlight /\ messages' = b

\* Consume request m and send the set of messages ms.
Reply(m, ms) == NetworkBecomes(PutAll(Take(messages, m), ms))
\* Send the messages ms without consuming anything.
SendAll(ms) == NetworkBecomes(PutAll(messages, ms))

-----------------------------------------------------------------------------
(* Messages *)

\* mtransfer marks the vote requests of a campaign forced by a leader
\* transfer (etcd: Context campaignTransfer); it is FALSE on every other
\* (pre-)vote request.
VoteRequestMsg(type, i, j, term, s, transfer) ==
    [mtype |-> type, mterm |-> term, mlastLogTerm |-> LastTermOf(s),
     mlastLogIndex |-> LastIndex(s), mtransfer |-> transfer, msource |-> i, mdest |-> j]

VoteResponseMsg(type, i, j, term, reject) ==
    [mtype |-> type, mterm |-> term, mreject |-> reject,
     msource |-> i, mdest |-> j]

\* An append from leader i (in state s) to j, anchored after index next-1 and
\* carrying the entries of its log from next to last, and its commit.
AppendMsg(i, j, s, next, last) ==
    [mtype |-> AppendEntriesRequest, mterm |-> s.term,
     mprevLogIndex |-> next - 1, mprevLogTerm |-> TermOf(s, next - 1),
     mentries |-> EntriesOf(s, next, last), mcommitIndex |-> s.commit,
     msource |-> i, mdest |-> j]

AppendResponseMsg(i, j, t, reject, index, hint, hintTerm) ==
    [mtype |-> AppendEntriesResponse, mterm |-> t, mreject |-> reject,
     mindex |-> index, mrejectHint |-> hint, mlogTerm |-> hintTerm,
     msource |-> i, mdest |-> j]

\* A heartbeat carries the context ctx of a read (0: none); without reads
\* (MaxReads = 0) it has no such field, so that the configs without reads
\* keep their messages.  A heartbeat response echoes the context.
HeartbeatMsg(i, j, t, ci, ctx) ==
    IF MaxReads = 0
    THEN [mtype |-> HeartbeatRequest, mterm |-> t, mcommitIndex |-> ci,
          msource |-> i, mdest |-> j]
    ELSE [mtype |-> HeartbeatRequest, mterm |-> t, mcommitIndex |-> ci,
          mctx |-> ctx, msource |-> i, mdest |-> j]

HeartbeatResponseMsg(i, j, t, ctx) ==
    IF MaxReads = 0
    THEN [mtype |-> HeartbeatResponse, mterm |-> t, msource |-> i, mdest |-> j]
    ELSE [mtype |-> HeartbeatResponse, mterm |-> t, mctx |-> ctx,
          msource |-> i, mdest |-> j]

\* The context a heartbeat (response) m carries, 0 for none.
CtxOf(m) == IF "mctx" \in DOMAIN m THEN m.mctx ELSE 0

\* A read request for read id, requested at server o (etcd keeps a
\* forwarded MsgReadIndex's From: msource is always the origin), sent to j.
\* It has no term, as in etcd.
ReadIndexRequestMsg(o, j, id) ==
    [mtype |-> ReadIndexRequest, mctx |-> id, msource |-> o, mdest |-> j]

ReadIndexResponseMsg(i, j, t, index, id) ==
    [mtype |-> ReadIndexResponse, mterm |-> t, mindex |-> index, mctx |-> id,
     msource |-> i, mdest |-> j]

\* A snapshot from leader i at term t to j (etcd's MsgSnap): the index and
\* term of the snapshot's last entry.  The snapshot's data is the state
\* machine's, which the spec does not model.
SnapshotMsg(i, j, t, si, st) ==
    [mtype |-> SnapshotRequest, mterm |-> t, msnapshotIndex |-> si,
     msnapshotTerm |-> st, msource |-> i, mdest |-> j]
\* Leader i (at term t) tells j to campaign at once (etcd's sendTimeoutNow).
TimeoutNowMsg(i, j, t) ==
    [mtype |-> TimeoutNowRequest, mterm |-> t, msource |-> i, mdest |-> j]

-----------------------------------------------------------------------------
(***************************************************************************)
(* One server's state as a record, so that each step can be written as a   *)
(* function from (server, input) to (server', messages sent), which is how *)
(* model/ is written too (raft/ changes its node in place, and a method    *)
(* that realises an operator names it in its comment).                     *)
(***************************************************************************)

Srv(i) == [term |-> currentTerm[i], vote |-> votedFor[i], log |-> log[i],
           commit |-> commitIndex[i], role |-> state[i], leader |-> leader[i],
           lease |-> lease[i], granted |-> votesGranted[i],
           rejected |-> votesRejected[i], prs |-> progress[i],
           active |-> recentActive[i], transferee |-> transferee[i],
           snapIndex |-> snapshotIndex[i], snapTerm |-> snapshotTerm[i],
           rq |-> readQueue[i],
           pend |-> pendingReads[i], rs |-> readStates[i]]

\* Server i takes the state s.
SetSrv(i, s) ==
    /\ currentTerm'   = [currentTerm EXCEPT ![i] = s.term]
    /\ votedFor'      = [votedFor EXCEPT ![i] = s.vote]
    /\ log'           = [log EXCEPT ![i] = s.log]
    /\ commitIndex'   = [commitIndex EXCEPT ![i] = s.commit]
    /\ state'         = [state EXCEPT ![i] = s.role]
    /\ leader'        = [leader EXCEPT ![i] = s.leader]
    /\ lease'         = [lease EXCEPT ![i] = s.lease]
    /\ votesGranted'  = [votesGranted EXCEPT ![i] = s.granted]
    /\ votesRejected' = [votesRejected EXCEPT ![i] = s.rejected]
    /\ progress'      = [progress EXCEPT ![i] = s.prs]
    /\ recentActive'  = [recentActive EXCEPT ![i] = s.active]
    /\ snapshotIndex' = [snapshotIndex EXCEPT ![i] = s.snapIndex]
    /\ snapshotTerm'  = [snapshotTerm EXCEPT ![i] = s.snapTerm]
    /\ transferee'    = [transferee EXCEPT ![i] = s.transferee]
    /\ readQueue'     = [readQueue EXCEPT ![i] = s.rq]
    /\ pendingReads'  = [pendingReads EXCEPT ![i] = s.pend]
    /\ readStates'    = [readStates EXCEPT ![i] = s.rs]

\* The outcome of a step at one server: its new state s and the set of
\* messages out it sends.
Result(s, out) == [s |-> s, out |-> out]


NoProgress == [next |-> 0, match |-> 0, mode |-> Probe, paused |-> FALSE,
               sentCommit |-> 0]
NoProgresses == [j \in Server |-> NoProgress]

\* s ignores higher-term (pre-)vote requests.  etcd: checkQuorum and
\* lead != None and electionElapsed < electionTimeout; a leader is always
\* within its own lease.
InLease(s) == CheckQuorum /\ (s.role = Leader \/ s.lease)

-----------------------------------------------------------------------------
(* Role changes (etcd's become* functions) *)

\* etcd's becomeFollower(t, l): a new term forgets the vote; the tally and
\* any leader state (a pending transfer included) are reset; the election timer restarts, so with
\* CheckQuorum the lease holds when a leader is known.  For a follower that
\* hears from its leader in its own term this only sets leader and lease.
BecomeFollower(s, t, l) ==
    [s EXCEPT !.term = t, !.vote = IF t = s.term THEN @ ELSE Nil,
              !.role = Follower, !.leader = l, !.lease = CheckQuorum /\ l # Nil,
              !.granted = {}, !.rejected = {}, !.prs = NoProgresses,
              !.active = {}, !.transferee = Nil, !.rq = <<>>]

\* The (pre-)vote requests server i sends from state s for term t.
CampaignMsgs(i, s, type, t) ==
    {VoteRequestMsg(type, i, j, t, s, FALSE) : j \in Server \ {i}}

\* etcd's maybeSendSnapshot: leader i sends j its snapshot, if it heard
\* from j recently (etcd: RecentActive; here recentActive, which is kept
\* with AllowCompaction too), and j's progress enters Snapshot mode with
\* next just after the snapshot and the snapshot index as the commit sent
\* (etcd's BecomeSnapshot).
SendSnapshot(i, s, j) ==
    IF j \in s.active
    THEN Result([s EXCEPT !.prs[j] = [@ EXCEPT !.mode = Snapshot, !.paused = FALSE,
                                     !.next = s.snapIndex + 1,
                                     !.sentCommit = s.snapIndex]],
                {SnapshotMsg(i, j, s.term, s.snapIndex, s.snapTerm)})
    ELSE Result(s, {})

\* The vote requests of a campaign forced by a leader transfer.
TransferCampaignMsgs(i, s, t) ==
    {VoteRequestMsg(VoteRequest, i, j, t, s, TRUE) : j \in Server \ {i}}

\* etcd's maybeSendAppend(j, sendIfEmpty) for leader i in state s: the
\* append sent (a set of zero or one) and s with j's progress updated.  An
\* append carries the entries from j's next on, at most MaxBatch of them; a
\* probed follower gets one append at a time (etcd's IsPaused and
\* SentEntries), a replicated one has next advanced past what was sent.
\* Either way the commit sent is recorded (etcd's SentCommit).
\*
\* When i no longer holds the entry before next (next - 1 is below its
\* snapshot), it sends its snapshot instead (SendSnapshot); a follower in
\* Snapshot mode is sent nothing (etcd: IsPaused).
SendAppend(i, s, j, sendIfEmpty) ==
    LET pr == s.prs[j]
        last == Min(LastIndex(s), pr.next + MaxBatch - 1)
        n  == last - pr.next + 1
        m  == AppendMsg(i, j, s, pr.next, last)
        pr1 == IF n = 0 THEN pr
               ELSE IF pr.mode = Replicate THEN [pr EXCEPT !.next = @ + n]
               ELSE [pr EXCEPT !.paused = TRUE]
    IN IF pr.mode = Snapshot \/ (pr.mode = Probe /\ pr.paused) THEN Result(s, {})
       ELSE IF pr.next - 1 < s.snapIndex THEN SendSnapshot(i, s, j)
       ELSE IF n > 0 \/ sendIfEmpty
       THEN Result([s EXCEPT !.prs[j] = [pr1 EXCEPT !.sentCommit = s.commit]], {m})
       ELSE Result(s, {})

\* etcd's loop "for maybeSendAppend(j, FALSE) {}": appends to j until
\* nothing is left to send or j is paused.
RECURSIVE SendAppends(_, _, _)
SendAppends(i, s, j) ==
    LET r == SendAppend(i, s, j, FALSE)
    IN IF r.out = {} THEN r
       ELSE LET rest == SendAppends(i, r.s, j)
            IN Result(rest.s, r.out \cup rest.out)

\* etcd's bcastAppend: maybeSendAppend(j, TRUE) for every follower j.
BcastAppend(i, s) ==
    LET R(j) == SendAppend(i, s, j, TRUE)
    IN Result([s EXCEPT !.prs = [j \in Server |->
                                   IF j = i THEN @[j] ELSE R(j).s.prs[j]]],
              UNION {R(j).out : j \in Server \ {i}})

\* The highest index held by a quorum, counting the leader's whole log
\* (etcd's tracker.Committed).
QuorumMatch(i, s) ==
    LET Holders(k) == {i} \cup {j \in Server \ {i} : s.prs[j].match >= k}
    IN CHOOSE k \in 0..LastIndex(s) :
         /\ IsQuorum(Holders(k))
         /\ \A k2 \in (k+1)..LastIndex(s) : ~IsQuorum(Holders(k2))

\* etcd's maybeCommit: the quorum index is committed if its entry is of the
\* leader's term (Raft paper 5.4.2: never commit an earlier term's entry by
\* counting replicas).
MaybeCommit(i, s) ==
    LET q == QuorumMatch(i, s)
    IN IF q > s.commit /\ TermOf(s, q) = s.term
       THEN [s EXCEPT !.commit = q] ELSE s

\* etcd's appendEntry followed by bcastAppend: leader i appends an entry
\* with value v at its term, commits if it alone is a quorum, and sends.
AppendEntry(i, s, v) ==
    BcastAppend(i, MaybeCommit(i, [s EXCEPT !.log = Append(@, [term |-> s.term,
                                                            value |-> v])]))

\* etcd's becomeLeader and bcastAppend: every follower is probed from just
\* after the leader's last entry, then the leader appends its empty entry.
BecomeLeader(i, s) ==
    AppendEntry(i,
      [s EXCEPT !.role = Leader, !.leader = i, !.lease = FALSE,
                !.granted = {}, !.rejected = {},
                !.prs = [j \in Server |->
                           IF j = i THEN NoProgress
                           ELSE [next |-> LastIndex(s) + 1, match |-> 0,
                                 mode |-> Probe, paused |-> FALSE,
                                 sentCommit |-> 0]],
                !.active = {}, !.transferee = Nil, !.rq = <<>>],
      Nil)

\* etcd's campaign(campaignElection): term+1, a vote for itself, and vote
\* requests; alone it is a quorum and leads at once.  A campaign forced by
\* a leader transfer (etcd's campaign(campaignTransfer)) is the same but
\* for the vote requests, which are marked (TransferCampaignMsgs).
Campaign(i, s, forced) ==
    LET s1 == [s EXCEPT !.term = @ + 1, !.vote = i, !.role = Candidate,
                        !.leader = Nil, !.lease = FALSE,
                        !.granted = {i}, !.rejected = {}, !.transferee = Nil]
    IN IF IsQuorum({i}) THEN BecomeLeader(i, s1)
       ELSE Result(s1, IF forced THEN TransferCampaignMsgs(i, s1, s1.term)
                       ELSE CampaignMsgs(i, s1, VoteRequest, s1.term))

CampaignElection(i, s) == Campaign(i, s, FALSE)

\* etcd's campaign(campaignPreElection): term and vote unchanged, the known
\* leader forgotten (etcd#8334), pre-vote requests for term+1; alone it is a
\* quorum and goes on to the real election at once.
CampaignPreElection(i, s) ==
    LET s1 == [s EXCEPT !.role = PreCandidate, !.leader = Nil, !.lease = FALSE,
                        !.granted = {i}, !.rejected = {}]
    IN IF IsQuorum({i}) THEN CampaignElection(i, s1)
       ELSE Result(s1, CampaignMsgs(i, s1, PreVoteRequest, s.term + 1))

\* etcd's poll: the first response from j counts, later ones do not.
Poll(s, j, granted) ==
    IF j \in s.granted \cup s.rejected THEN s
    ELSE IF granted THEN [s EXCEPT !.granted = @ \cup {j}]
    ELSE [s EXCEPT !.rejected = @ \cup {j}]

\* The campaign can no longer win (etcd's quorum.VoteLost).
Lost(s) == Cardinality(s.rejected) > Cardinality(Server) - QuorumSize

-----------------------------------------------------------------------------
(* What one server does with one message (etcd's Step and its handlers).   *)

\* etcd's canVote, for a request m to a server in state s whose term has
\* already been brought up to date.
CanVote(s, m) ==
    \/ s.vote = m.msource
    \/ s.vote = Nil /\ s.leader = Nil
    \/ m.mtype = PreVoteRequest /\ m.mterm > s.term

VoteGranted(s, m) ==
    /\ CanVote(s, m)
    /\ \/ m.mlastLogTerm > LastTermOf(s)
       \/ m.mlastLogTerm = LastTermOf(s) /\ m.mlastLogIndex >= LastIndex(s)

\* A pre-vote request never changes the receiver.  Within the lease a
\* higher-term request is ignored (unless marked as forced, as etcd's Step
\* allows for both request types, though no pre-vote request is marked); a lower-term one is rejected explicitly
\* with the receiver's term (etcd#8243, or a stale node never learns the
\* term); a grant echoes the request term, a rejection carries the
\* receiver's term.
OnPreVoteRequest(i, s, m) ==
    LET j == m.msource
    IN IF m.mterm > s.term /\ InLease(s) /\ ~m.mtransfer THEN Result(s, {})
       ELSE IF m.mterm < s.term
            THEN Result(s, {VoteResponseMsg(PreVoteResponse, i, j, s.term, TRUE)})
       ELSE IF VoteGranted(s, m)
            THEN Result(s, {VoteResponseMsg(PreVoteResponse, i, j, m.mterm, FALSE)})
       ELSE Result(s, {VoteResponseMsg(PreVoteResponse, i, j, s.term, TRUE)})

\* Within the lease a higher-term vote request is ignored, unless it is of a
\* campaign forced by a leader transfer (etcd's Step: force); a lower-term
\* one is ignored.  Otherwise the receiver first adopts a higher term, then
\* grants (recording its vote, restarting its election timer) or rejects.
OnVoteRequest(i, s, m) ==
    LET j == m.msource
        s1 == IF m.mterm > s.term THEN BecomeFollower(s, m.mterm, Nil) ELSE s
    IN IF m.mterm > s.term /\ InLease(s) /\ ~m.mtransfer THEN Result(s, {})
       ELSE IF m.mterm < s.term THEN Result(s, {})
       ELSE IF VoteGranted(s1, m)
            THEN Result([s1 EXCEPT !.vote = j,
                           !.lease = CheckQuorum /\ s1.role = Follower
                                     /\ s1.leader # Nil],
                        {VoteResponseMsg(VoteResponse, i, j, m.mterm, FALSE)})
       ELSE Result(s1, {VoteResponseMsg(VoteResponse, i, j, s1.term, TRUE)})

\* A rejection with a higher term makes the receiver a follower at that
\* term; a grant never changes its term (it echoes a term in the receiver's
\* future).  Only a pre-candidate counts the response; a quorum of grants
\* starts the real election, a lost campaign makes it a follower in its
\* term with no leader.
OnPreVoteResponse(i, s, m) ==
    IF m.mterm > s.term /\ m.mreject THEN Result(BecomeFollower(s, m.mterm, Nil), {})
    ELSE IF m.mterm < s.term \/ s.role # PreCandidate THEN Result(s, {})
    ELSE LET s1 == Poll(s, m.msource, ~m.mreject)
         IN IF IsQuorum(s1.granted) THEN CampaignElection(i, s1)
            ELSE IF Lost(s1) THEN Result(BecomeFollower(s1, s1.term, Nil), {})
            ELSE Result(s1, {})

\* Any higher-term response makes the receiver a follower at that term.
\* Only a candidate counts it (a stale vote response from an earlier term
\* is ignored); a quorum of grants makes it leader, a lost election a
\* follower in its term with no leader.
OnVoteResponse(i, s, m) ==
    IF m.mterm > s.term THEN Result(BecomeFollower(s, m.mterm, Nil), {})
    ELSE IF m.mterm < s.term \/ s.role # Candidate THEN Result(s, {})
    ELSE LET s1 == Poll(s, m.msource, ~m.mreject)
         IN IF IsQuorum(s1.granted) THEN BecomeLeader(i, s1)
            ELSE IF Lost(s1) THEN Result(BecomeFollower(s1, s1.term, Nil), {})
            ELSE Result(s1, {})

\* The reply of a server at a higher term to an append or heartbeat from a
\* stale leader, with PreVote or CheckQuorum: without it a stale leader that
\* no vote request can reach would never learn the new term.
StaleLeaderReply(i, s, m) ==
    IF CheckQuorum \/ PreVote
    THEN {AppendResponseMsg(i, m.msource, s.term, FALSE, 0, 0, 0)} ELSE {}

\* The log lg after accepting entries ents anchored after index prev (whose
\* term matched): entries already present are kept, the first conflicting
\* one and everything after it is replaced (etcd's findConflict, append).
RECURSIVE Merge(_, _, _, _)
Merge(lg, prev, ents, k) ==
    IF k > Len(ents) THEN lg
    ELSE IF prev + k <= Len(lg) /\ lg[prev + k].term = ents[k].term
         THEN Merge(lg, prev, ents, k + 1)
         ELSE SubSeq(lg, 1, prev + k - 1) \o SubSeq(ents, k, Len(ents))

\* A follower (or a server that has just become one) handles an append.
\* An anchor below its commit is answered with its commit index.  A matching
\* anchor is accepted: the log is merged, the commit advanced to the
\* leader's commit bounded by the last new index.  Otherwise it rejects with
\* a hint: the largest index at or below the anchor whose term is at most
\* the anchor's term, and that index's term.
AcceptAppend(i, s, m) ==
    LET j == m.msource
        prev == m.mprevLogIndex
        last == prev + Len(m.mentries)
        hint == FindConflictByTermOf(s, Min(prev, LastIndex(s)), m.mprevLogTerm)
    IN IF prev < s.commit
       THEN Result(s, {AppendResponseMsg(i, j, s.term, FALSE, s.commit, 0, 0)})
       ELSE IF prev <= LastIndex(s) /\ TermOf(s, prev) = m.mprevLogTerm
       THEN Result([s EXCEPT !.log = Merge(@, prev - s.snapIndex, m.mentries, 1),
                             !.commit = Max(@, Min(m.mcommitIndex, last))],
                   {AppendResponseMsg(i, j, s.term, FALSE, last, 0, 0)})
       ELSE Result(s, {AppendResponseMsg(i, j, s.term, TRUE, prev, hint[1], hint[2])})

OnAppendEntriesRequest(i, s, m) ==
    IF m.mterm < s.term THEN Result(s, StaleLeaderReply(i, s, m))
    ELSE IF m.mterm = s.term /\ s.role = Leader THEN Result(s, {})
    ELSE AcceptAppend(i, BecomeFollower(s, m.mterm, m.msource), m)

\* A heartbeat carries a commit the leader knows the receiver can reach.
OnHeartbeatRequest(i, s, m) ==
    IF m.mterm < s.term THEN Result(s, StaleLeaderReply(i, s, m))
    ELSE IF m.mterm = s.term /\ s.role = Leader THEN Result(s, {})
    ELSE LET s1 == BecomeFollower(s, m.mterm, m.msource)
         IN Result([s1 EXCEPT !.commit = Max(@, m.mcommitIndex)],
                   {HeartbeatResponseMsg(i, m.msource, s1.term, CtxOf(m))})

-----------------------------------------------------------------------------
(* Reads: etcd's readOnly and its handling of MsgReadIndex                 *)

\* etcd's bcastHeartbeatWithCtx: leader i in state s sends every follower j
\* a heartbeat carrying ctx, with the commit bounded by j's match (etcd:
\* the leader must not forward a follower's commit to an index it is not
\* known to hold), recorded as the commit sent to j (etcd's sendHeartbeat
\* and SentCommit).
BcastHeartbeat(i, s, ctx) ==
    LET ci(j) == Min(s.prs[j].match, s.commit)
    IN Result([s EXCEPT !.prs = [j \in Server |->
                 IF j = i THEN @[j] ELSE [@[j] EXCEPT !.sentCommit = ci(j)]]],
              {HeartbeatMsg(i, j, s.term, ci(j), ctx) : j \in Server \ {i}})

\* etcd's lastPendingRequestCtx: the context of the last read i waits to
\* confirm, 0 if none.
LastReadCtx(s) == IF s.rq = <<>> THEN 0 ELSE s.rq[Len(s.rq)].id

\* etcd's committedEntryInCurrentTerm.
CommittedInTerm(s) == TermAt(s.log, s.commit) = s.term

\* etcd's responseToReadIndexReq: leader i answers read req at index idx: a
\* read requested at i becomes a ReadState of i, a forwarded one gets a
\* response.
RespondRead(i, s, req, idx) ==
    IF req.from = i THEN Result([s EXCEPT !.rs = @ \cup {<<req.id, idx>>}], {})
    ELSE Result(s, {ReadIndexResponseMsg(i, req.from, s.term, idx, req.id)})

\* etcd's sendMsgReadIndexResponse.  ReadOnlySafe: the read is queued at the
\* commit index (etcd's addRequest, which ignores a context already
\* queued), acknowledged by i itself (recvAck), and a heartbeat carrying its
\* context goes to every follower.  ReadOnlyLeaseBased: answered at once.
SendReadIndexResponse(i, s, req) ==
    IF ReadOnlyLeaseBased THEN RespondRead(i, s, req, s.commit)
    ELSE LET k == {n \in DOMAIN s.rq : s.rq[n].id = req.id}
             s1 == IF k = {}
                   THEN [s EXCEPT !.rq = Append(@, [id |-> req.id, from |-> req.from,
                                                  index |-> s.commit, acks |-> {i}])]
                   ELSE [s EXCEPT !.rq[CHOOSE n \in k : TRUE].acks = @ \cup {i}]
         IN BcastHeartbeat(i, s1, req.id)

\* SendReadIndexResponse for each read of the sequence reqs, in order.
RECURSIVE SendReadIndexResponses(_, _, _)
SendReadIndexResponses(i, s, reqs) ==
    IF reqs = <<>> THEN Result(s, {})
    ELSE LET r1 == SendReadIndexResponse(i, s, Head(reqs))
             r2 == SendReadIndexResponses(i, r1.s, Tail(reqs))
         IN Result(r2.s, r1.out \cup r2.out)

\* etcd's releasePendingReadIndexMessages: once leader i has committed an
\* entry of its term, the reads it held back go ahead.
ReleasePendingReads(i, s) ==
    IF s.pend = <<>> \/ ~CommittedInTerm(s) THEN Result(s, {})
    ELSE SendReadIndexResponses(i, [s EXCEPT !.pend = <<>>], s.pend)

\* A read req arrives at server i (requested there, or forwarded): etcd's
\* stepLeader and stepFollower on MsgReadIndex.  A leader alone in the
\* cluster answers at once; a leader that has not committed an entry of its
\* term holds it back; otherwise SendReadIndexResponse.  A follower that
\* knows a leader forwards it; a candidate, or a follower knowing no leader,
\* drops it.
ReadIndex(i, s, req) ==
    IF s.role = Leader THEN
        IF Cardinality(Server) = 1 THEN RespondRead(i, s, req, s.commit)
        ELSE IF ~CommittedInTerm(s)
             THEN Result([s EXCEPT !.pend = Append(@, req)], {})
        ELSE SendReadIndexResponse(i, s, req)
    ELSE IF s.role = Follower /\ s.leader # Nil
         THEN Result(s, {ReadIndexRequestMsg(req.from, s.leader, req.id)})
    ELSE Result(s, {})

\* The answers for the reads rss of a read queue, each at its own index.
RECURSIVE RespondReads(_, _, _)
RespondReads(i, s, rss) ==
    IF rss = <<>> THEN Result(s, {})
    ELSE LET r1 == RespondRead(i, s, Head(rss), Head(rss).index)
             r2 == RespondReads(i, r1.s, Tail(rss))
         IN Result(r2.s, r1.out \cup r2.out)

\* The read part of a heartbeat response m from j at leader i's term
\* (etcd's recvAck and advance): with ReadOnlySafe, j acknowledged the
\* heartbeat of read m.mctx; once a quorum has, that read and every read
\* queued before it are answered.
ReadAck(i, s, m) ==
    LET ctx == CtxOf(m)
        k == {n \in DOMAIN s.rq : s.rq[n].id = ctx}
        n == CHOOSE n \in k : TRUE
        s1 == [s EXCEPT !.rq[n].acks = @ \cup {m.msource}]
    IN IF ReadOnlyLeaseBased \/ ctx = 0 \/ k = {} THEN Result(s, {})
       ELSE IF ~IsQuorum(s1.rq[n].acks) THEN Result(s1, {})
       ELSE RespondReads(i, [s1 EXCEPT !.rq = SubSeq(@, n + 1, Len(@))],
                         SubSeq(s1.rq, 1, n))

\* A response to a read requested at i: a higher term makes i a follower
\* first; a follower (only) records the answer (etcd's stepFollower on
\* MsgReadIndexResp).
OnReadIndexResponse(i, s, m) ==
    LET s1 == IF m.mterm > s.term THEN BecomeFollower(s, m.mterm, Nil) ELSE s
    IN IF m.mterm < s.term \/ s1.role # Follower THEN Result(s1, {})
       ELSE Result([s1 EXCEPT !.rs = @ \cup {<<m.mctx, m.mindex>>}], {})

\* A snapshot is newer than what the receiver has committed (etcd's restore
\* refuses one at or below its commit: it would roll back applied state).
SnapshotNewer(s, m) == m.msnapshotIndex > s.commit

\* etcd's handleSnapshot and restore, at a server that is (or has just
\* become) j's follower.  A snapshot that is not newer than the commit is
\* ignored.  One whose last entry the log holds (same index and term,
\* etcd's matchTerm) only moves the commit up to it (etcd's commitTo, which
\* never lowers it): the log, suffix included, is kept.  Otherwise the log
\* is replaced by the snapshot: no entries after it, committed up to it.
\* Every case answers with an ack
\* (etcd's MsgAppResp): of the commit when ignored or fast-forwarded (then
\* the snapshot index), of the new last index (the snapshot index) when
\* restored.
RestoreSnapshot(i, s, m) ==
    LET j == m.msource
        si == m.msnapshotIndex
        st == m.msnapshotTerm
    IN IF ~SnapshotNewer(s, m)
       THEN Result(s, {AppendResponseMsg(i, j, s.term, FALSE, s.commit, 0, 0)})
       ELSE IF si <= LastIndex(s) /\ si >= s.snapIndex /\ TermOf(s, si) = st
       THEN Result([s EXCEPT !.commit = Max(@, si)],
                   {AppendResponseMsg(i, j, s.term, FALSE, Max(s.commit, si), 0, 0)})
       ELSE Result([s EXCEPT !.log = <<>>, !.snapIndex = si, !.snapTerm = st,
                             !.commit = si],
                   {AppendResponseMsg(i, j, s.term, FALSE, si, 0, 0)})

\* A snapshot from a lower term is ignored (etcd answers only MsgApp and
\* MsgHeartbeat of a stale leader); otherwise as an append: the receiver
\* follows the sender in its term, then restores.
OnSnapshotRequest(i, s, m) ==
    IF m.mterm < s.term THEN Result(s, {})
    ELSE IF m.mterm = s.term /\ s.role = Leader THEN Result(s, {})
    ELSE RestoreSnapshot(i, BecomeFollower(s, m.mterm, m.msource), m)

\* The index server s compacts its log up to: what it has committed (an
\* application snapshots what it has applied, and etcd applies only
\* committed entries).
CompactLimit(s) == s.commit

\* Server s compacts its log up to index k: the entries up to k go into its
\* snapshot, whose term is the term of entry k (etcd: MemoryStorage
\* CreateSnapshot(k) then Compact(k)).
CompactTo(s, k) ==
    [s EXCEPT !.log = SubSeq(@, k - s.snapIndex + 1, Len(@)),
              !.snapIndex = k, !.snapTerm = TermOf(s, k)]

\* Leader i learns that j rejected an append anchored at m.mindex (etcd's
\* MaybeDecrTo, BecomeProbe and sendAppend).  A rejection that cannot be
\* about the latest probe or the pipeline is stale and ignored; otherwise
\* next backs off, using the hint to skip a whole term at a time, and a
\* probe is sent.  The commit sent is lowered to below the new next, as etcd
\* does (MaybeDecrTo, BecomeProbe); here the probe that follows always goes
\* out and records the commit again, so the lowering is never seen.
LeaderOnReject(i, s, m) ==
    LET j == m.msource
        pr == s.prs[j]
        hint == IF m.mlogTerm > 0
                THEN FindConflictByTermOf(s, m.mrejectHint, m.mlogTerm)[1]
                ELSE m.mrejectHint
        next == Max(Min(m.mindex, hint + 1), pr.match + 1)
    IN IF pr.mode = Replicate THEN
          IF m.mindex <= pr.match THEN Result(s, {})
          ELSE SendAppend(i, [s EXCEPT !.prs[j] = [pr EXCEPT !.mode = Probe,
                                  !.paused = FALSE, !.next = pr.match + 1,
                                  !.sentCommit = Min(@, pr.match)]],
                          j, TRUE)
       ELSE IF pr.next - 1 # m.mindex THEN Result(s, {})
       ELSE SendAppend(i, [s EXCEPT !.prs[j] = [pr EXCEPT !.next = next,
                               !.paused = FALSE,
                               !.sentCommit = Min(@, next - 1)]],
                       j, TRUE)

\* A leader records the followers it hears from (etcd's RecentActive) when
\* something reads it: CheckQuorum's quorum check, or sending a snapshot.
KeepActive == CheckQuorum \/ AllowCompaction

\* etcd's CanBumpCommit: sending commit index ci to the follower of progress
\* pr may advance its commit: ci is above the commit last sent, and that one
\* was below next - 1 (the most the follower can commit from what it was sent).
CanBumpCommit(pr, ci) == ci > pr.sentCommit /\ pr.sentCommit < pr.next - 1

\* Leader i learns that j holds its log up to m.mindex (etcd's MaybeUpdate,
\* BecomeReplicate, maybeCommit, bcastAppend, maybeSendAppend).  A probed
\* follower that answers moves to Replicate; a commit that advances is
\* broadcast; otherwise, if j may not know the commit, an append (empty if
\* j lacks nothing) carries it to j (etcd's stepLeader on MsgAppResp, v3.6
\* on); entries j still lacks are sent.  If j is the target of a pending
\* transfer and now holds the leader's whole log, it is told to campaign
\* (etcd's stepLeader on MsgAppResp: sendTimeoutNow).
LeaderOnAck(i, s, m) ==
    LET j == m.msource
        pr == s.prs[j]
        updated == m.mindex > pr.match
        pr1 == IF updated THEN [pr EXCEPT !.match = m.mindex,
                                  !.next = Max(@, m.mindex + 1), !.paused = FALSE]
               ELSE pr
        \* From Snapshot, once j can be caught up from the log (match + 1 is
        \* at least the first index held), etcd's BecomeProbe then
        \* BecomeReplicate.  BecomeProbe's lowering of the commit sent to
        \* below max(match, pending snapshot) + 1 changes nothing: in
        \* Snapshot mode nothing raises it above either.
        pr2 == IF pr1.mode = Probe \/ (pr1.mode = Snapshot /\ pr1.match >= s.snapIndex)
               THEN [pr1 EXCEPT !.mode = Replicate, !.paused = FALSE,
                                !.next = pr1.match + 1]
               ELSE pr1
        s2 == MaybeCommit(i, [s EXCEPT !.prs[j] = pr2])
        rel == ReleasePendingReads(i, s2)
        ba == BcastAppend(i, rel.s)
        b  == IF s2.commit > s.commit THEN Result(ba.s, rel.out \cup ba.out)
              ELSE IF CanBumpCommit(s2.prs[j], s2.commit) THEN SendAppend(i, s2, j, TRUE)
              ELSE Result(s2, {})
        r  == SendAppends(i, b.s, j)
        tn == IF j = s.transferee /\ r.s.prs[j].match = LastIndex(s)
              THEN {TimeoutNowMsg(i, j, s.term)} ELSE {}
    IN IF updated \/ (pr.match = m.mindex /\ pr.mode = Probe)
       THEN Result(r.s, b.out \cup r.out \cup tn)
       ELSE Result(s, {})

\* Any higher-term response makes the receiver a follower at that term;
\* a leader counts j as recently active and handles an ack or a rejection.
OnAppendEntriesResponse(i, s, m) ==
    IF m.mterm > s.term THEN Result(BecomeFollower(s, m.mterm, Nil), {})
    ELSE IF m.mterm < s.term \/ s.role # Leader THEN Result(s, {})
    ELSE LET s1 == [s EXCEPT !.active = IF KeepActive THEN @ \cup {m.msource}
                                        ELSE @]
         IN IF m.mreject THEN LeaderOnReject(i, s1, m) ELSE LeaderOnAck(i, s1, m)

\* A heartbeat response unpauses a probed follower and sends it an append
\* if it lacks entries or is being probed; it may confirm reads (ReadAck).
OnHeartbeatResponse(i, s, m) ==
    IF m.mterm > s.term THEN Result(BecomeFollower(s, m.mterm, Nil), {})
    ELSE IF m.mterm < s.term \/ s.role # Leader THEN Result(s, {})
    ELSE LET j == m.msource
             s1 == [s EXCEPT !.active = IF KeepActive THEN @ \cup {j} ELSE @,
                             !.prs[j].paused = FALSE]
             r1 == IF s1.prs[j].match < LastIndex(s1) \/ s1.prs[j].mode = Probe
                   THEN SendAppend(i, s1, j, TRUE)
                   ELSE Result(s1, {})
             r2 == ReadAck(i, r1.s, m)
         IN Result(r2.s, r1.out \cup r2.out)

\* A TimeoutNow request from the leader of a term at least the receiver's
\* makes a follower campaign at once, without a pre-election even with
\* PreVote (etcd's stepFollower: hup(campaignTransfer)); a higher term is
\* adopted first.  A candidate, a pre-candidate or a leader ignores it
\* (etcd's stepCandidate; stepLeader has no case for it), as does a server
\* at a higher term.
OnTimeoutNowRequest(i, s, m) ==
    IF m.mterm < s.term THEN Result(s, {})
    ELSE LET s1 == IF m.mterm > s.term THEN BecomeFollower(s, m.mterm, Nil) ELSE s
         IN IF s1.role = Follower THEN Campaign(i, s1, TRUE) ELSE Result(s1, {})

\* etcd's stepLeader on MsgTransferLeader, for leader i in state s and a
\* target j that is another server and not already the target: a pending
\* transfer is replaced, and j is told to campaign at once if it holds the
\* leader's whole log, or else sent an append (etcd's sendAppend).  (etcd
\* also restarts its election counter, which abstract time does not have.)
StartTransfer(i, s, j) ==
    LET s1 == [s EXCEPT !.transferee = j]
    IN IF s1.prs[j].match = Len(s1.log)
       THEN Result(s1, {TimeoutNowMsg(i, j, s.term)})
       ELSE SendAppend(i, s1, j, TRUE)

-----------------------------------------------------------------------------
(* Initial state *)

Init ==
    /\ currentTerm = [i \in Server |-> 0]
    /\ snapshotIndex = [i \in Server |-> 0]
    /\ snapshotTerm = [i \in Server |-> 0]
    /\ votedFor = [i \in Server |-> Nil]
    /\ log = [i \in Server |-> <<>>]
    /\ commitIndex = [i \in Server |-> 0]
    /\ state = [i \in Server |-> Follower]
    /\ leader = [i \in Server |-> Nil]
    /\ lease = [i \in Server |-> FALSE]
    /\ votesGranted = [i \in Server |-> {}]
    /\ votesRejected = [i \in Server |-> {}]
    /\ progress = [i \in Server |-> NoProgresses]
    /\ recentActive = [i \in Server |-> {}]
    /\ transferee = [i \in Server |-> Nil]
    /\ messages = [m \in {} |-> 0]
    /\ cut = {}
    /\ readQueue = [i \in Server |-> <<>>]
    /\ pendingReads = [i \in Server |-> <<>>]
    /\ readStates = [i \in Server |-> {}]
    /\ reads = <<>>

-----------------------------------------------------------------------------
(***************************************************************************)
(* Actions.  A comment above each action of a server names the Go          *)
(* function of raft/ that realises it and the RawNode calls that reach it; *)
(* tla/README.md has the whole table.                                      *)
(***************************************************************************)

\* Server i takes the step r (a Result) without consuming a message.
Act(i, r) == SetSrv(i, r.s) /\ SendAll(r.out) /\ UNCHANGED <<cut, reads>>

\* Server m.mdest handles message m, with the step r (a Result).
Deliver(m, r) == SetSrv(m.mdest, r.s) /\ Reply(m, r.out) /\ UNCHANGED <<cut, reads>>

\* Server i's election timer fires, or the application calls Campaign
\* (etcd's MsgHup).  Not enabled at a leader, which ignores it.  With PreVote
\* i starts a pre-election, otherwise an election.
\* Go: raft.hup (from raft.tick, RawNode.Campaign and
\* RawNode.Fire(ElectionTimer)).
Timeout(i) ==
    /\ state[i] # Leader
    /\ currentTerm[i] < MaxTerm
    /\ Act(i, IF PreVote THEN CampaignPreElection(i, Srv(i))
              ELSE CampaignElection(i, Srv(i)))

\* Leader i appends client value v and sends it on.  While it transfers its
\* leadership it drops proposals (etcd's stepLeader: ErrProposalDropped).
\* Go: raft.appendEntry (from RawNode.Propose).
ClientRequest(i, v) ==
    /\ state[i] = Leader
    /\ transferee[i] = Nil
    /\ snapshotIndex[i] + Len(log[i]) < MaxLogLen
    /\ Act(i, AppendEntry(i, Srv(i), v))

\* Leader i's heartbeat timer fires: a heartbeat to every follower j, with
\* the commit bounded by j's match (etcd: the leader must not forward a
\* follower's commit to an index it is not known to hold), recorded as the
\* commit sent to j (etcd's sendHeartbeat and SentCommit); the heartbeats
\* carry the context of the last read i waits to confirm (etcd's
\* bcastHeartbeat).
\* Go: raft.bcastHeartbeat (from raft.tickLeader and
\* RawNode.Fire(HeartbeatTimer)).
Heartbeat(i) ==
    /\ state[i] = Leader
    /\ Act(i, BcastHeartbeat(i, Srv(i), LastReadCtx(Srv(i))))

\* With CheckQuorum, leader i's check-quorum timer fires (every election
\* timeout): unless it heard from a quorum since the last check it steps
\* down to follower in its term; either way it counts afresh.
\* Go: raft.quorumCheck (from raft.tickLeader and
\* RawNode.Fire(CheckQuorumTimer)).
QuorumCheck(i) ==
    /\ CheckQuorum
    /\ state[i] = Leader
    /\ LET s == Srv(i)
       IN Act(i, Result(IF IsQuorum({i} \cup s.active) THEN [s EXCEPT !.active = {}]
                        ELSE BecomeFollower(s, s.term, Nil), {}))

\* Follower i has not heard from its leader for an election timeout: its
\* lease ends (its election timer runs on towards Timeout).
\* Go: raft.tick, when electionElapsed reaches ElectionTick (or
\* RawNode.Fire(LeaseTimer)).
LeaseExpire(i) ==
    /\ lease[i]
    /\ lease' = [lease EXCEPT ![i] = FALSE]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader,
                   votesGranted, votesRejected, progress, recentActive,
                   messages, cut, readQueue, pendingReads, readStates, reads,
                   transferee, snapshotIndex, snapshotTerm>>

\* Server i crashes and restarts from its durable state (term, vote, log and
\* commit, handed out by Ready before any message that depends on them):
\* it is a follower that knows no leader.
\* Go: raft.NewRawNode on the node's Storage.
Restart(i) ==
    /\ AllowRestart
    /\ Act(i, Result([Srv(i) EXCEPT !.role = Follower, !.leader = Nil,
                        !.lease = FALSE, !.granted = {}, !.rejected = {},
                        !.prs = NoProgresses, !.active = {}, !.rq = <<>>,
                        !.pend = <<>>, !.transferee = Nil], {}))

\* The application of server i snapshots its state machine at the index it
\* has applied and compacts its log up to there (as etcd's server does, at
\* its applied index); the spec applies what is committed at once, so that
\* is CompactLimit, the commit index.  Enabled when it is above the current
\* snapshot.
\* Go: MemoryStorage.CreateSnapshot and MemoryStorage.Compact (the node's
\* raftLog reads its first index from Storage).
Compact(i) ==
    /\ AllowCompaction
    /\ snapshotIndex[i] < CompactLimit(Srv(i))
    /\ Act(i, Result(CompactTo(Srv(i), CompactLimit(Srv(i))), {}))

\* The messages of type t from j to i in flight.
Pending(j, i, t) ==
    {m \in DOMAIN messages : m.mtype = t /\ m.msource = j /\ m.mdest = i}

\* Server i handles a message of one type from j (which one, when several
\* are in flight, is what the step's change of messages shows).
\* Go: RawNode.Step, then raft.step: raft.checkTerm and the handler of the
\* receiver's role (tla/README.md names them for each action).
HandlePreVoteRequest(i, j) ==
    \E m \in Pending(j, i, PreVoteRequest) : Deliver(m, OnPreVoteRequest(i, Srv(i), m))

HandlePreVoteResponse(i, j) ==
    \E m \in Pending(j, i, PreVoteResponse) : Deliver(m, OnPreVoteResponse(i, Srv(i), m))

HandleVoteRequest(i, j) ==
    \E m \in Pending(j, i, VoteRequest) : Deliver(m, OnVoteRequest(i, Srv(i), m))

HandleVoteResponse(i, j) ==
    \E m \in Pending(j, i, VoteResponse) : Deliver(m, OnVoteResponse(i, Srv(i), m))

HandleAppendEntriesRequest(i, j) ==
    \E m \in Pending(j, i, AppendEntriesRequest) : Deliver(m, OnAppendEntriesRequest(i, Srv(i), m))

HandleAppendEntriesResponse(i, j) ==
    \E m \in Pending(j, i, AppendEntriesResponse) : Deliver(m, OnAppendEntriesResponse(i, Srv(i), m))

HandleHeartbeatRequest(i, j) ==
    \E m \in Pending(j, i, HeartbeatRequest) : Deliver(m, OnHeartbeatRequest(i, Srv(i), m))

HandleHeartbeatResponse(i, j) ==
    \E m \in Pending(j, i, HeartbeatResponse) : Deliver(m, OnHeartbeatResponse(i, Srv(i), m))

HandleSnapshotRequest(i, j) ==
    \E m \in Pending(j, i, SnapshotRequest) : Deliver(m, OnSnapshotRequest(i, Srv(i), m))
\* With AllowTransfer, leader i starts a transfer of its leadership to j.
\* Disabled when j is already the target (etcd ignores the request then),
\* and at MaxTerm (the transfer's campaign is for the next term).
\* Go: raft.transferLeader (from RawNode.TransferLeader).
TransferLeadership(i, j) ==
    /\ AllowTransfer
    /\ state[i] = Leader
    /\ j # i
    /\ transferee[i] # j
    /\ currentTerm[i] < MaxTerm
    /\ Act(i, StartTransfer(i, Srv(i), j))

\* Server i handles a TimeoutNow request from j.
\* Go: raft.checkTerm, raft.stepFollower (campaign(campaignTransfer)).
HandleTimeoutNowRequest(i, j) ==
    \E m \in Pending(j, i, TimeoutNowRequest) : Deliver(m, OnTimeoutNowRequest(i, Srv(i), m))

\* Leader i's transfer did not complete within an election timeout: it gives
\* the transfer up and takes proposals again (etcd's tickHeartbeat:
\* abortLeaderTransfer).
\* Go: raft.abortLeaderTransfer (from raft.tickLeader and
\* RawNode.Fire(TransferTimer)).
AbortTransfer(i) ==
    /\ AllowTransfer
    /\ state[i] = Leader
    /\ transferee[i] # Nil
    /\ transferee' = [transferee EXCEPT ![i] = Nil]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                   votesGranted, votesRejected, progress, recentActive,
                   messages, cut, snapshotIndex, snapshotTerm, readQueue,
                   pendingReads, readStates, reads>>

\* With AllowForgetLeader, follower i forgets its leader: term, vote and log
\* unchanged, but knowing no leader it is out of its lease (etcd's
\* stepFollower on MsgForgetLeader).  No effect on a leader, a candidate or a
\* follower that knows no leader, so not enabled there; refused under
\* ReadOnlyLeaseBased, whose reads rely on followers keeping their leader
\* (etcd's stepFollower ignores it then).
\* Go: RawNode.ForgetLeader.
ForgetLeader(i) ==
    /\ AllowForgetLeader
    /\ ~ReadOnlyLeaseBased
    /\ state[i] = Follower
    /\ leader[i] # Nil
    /\ leader' = [leader EXCEPT ![i] = Nil]
    /\ lease' = [lease EXCEPT ![i] = FALSE]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state,
                   votesGranted, votesRejected, progress, recentActive,
                   transferee, messages, cut, snapshotIndex, snapshotTerm,
                   readQueue, pendingReads, readStates, reads>>

\* A client asks server i for a read: read number Len(reads) + 1 begins, and
\* the history records the highest commit index of any server now.  Only
\* a leader, or a follower that knows a leader, takes it (RawNode.ReadIndex
\* returns ErrNoLeader otherwise, and etcd drops it).
\* Go: raft.stepReadIndex (from RawNode.ReadIndex).
ClientRead(i) ==
    /\ Len(reads) < MaxReads
    /\ state[i] = Leader \/ (state[i] = Follower /\ leader[i] # Nil)
    /\ LET id == Len(reads) + 1
           maxCommit == CHOOSE c \in {commitIndex[k] : k \in Server} :
                          \A k \in Server : commitIndex[k] <= c
       IN /\ reads' = Append(reads, [from |-> i, begin |-> maxCommit])
          /\ SetSrv(i, ReadIndex(i, Srv(i), [id |-> id, from |-> i]).s)
          /\ SendAll(ReadIndex(i, Srv(i), [id |-> id, from |-> i]).out)
          /\ UNCHANGED cut

\* Server i handles a read request of origin j (requested at j, perhaps
\* forwarded on the way).  It has no term: no term check.
\* Go: raft.step, raft.stepReadIndex.
HandleReadIndexRequest(i, j) ==
    \E m \in Pending(j, i, ReadIndexRequest) :
        Deliver(m, ReadIndex(i, Srv(i), [id |-> m.mctx, from |-> m.msource]))

\* Server i handles the answer to a read it forwarded.
\* Go: raft.step, raft.checkTerm, raft.stepFollower (MsgReadIndexResp).
HandleReadIndexResponse(i, j) ==
    \E m \in Pending(j, i, ReadIndexResponse) : Deliver(m, OnReadIndexResponse(i, Srv(i), m))

\* The network loses one copy of a message to i from j.  (Message actions
\* name the receiver first, as the handlers do.)
DropMessage(i, j) ==
    \E m \in DOMAIN messages :
    /\ m.mdest = i /\ m.msource = j
    /\ messages' = Take(messages, m)
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                   votesGranted, votesRejected, progress, recentActive, cut,
                   readQueue, pendingReads, readStates, reads, transferee,
                   snapshotIndex, snapshotTerm>>

\* The network duplicates a message to i from j: one more copy of it.
DuplicateMessage(i, j) ==
    \E m \in DOMAIN messages :
    /\ m.mdest = i /\ m.msource = j
    /\ messages[m] < MaxCopies
    /\ NetworkBecomes(Put(messages, m))
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                   votesGranted, votesRejected, progress, recentActive, cut,
                   readQueue, pendingReads, readStates, reads, transferee,
                   snapshotIndex, snapshotTerm>>

\* The directed link from i to j goes down, and the messages in flight on
\* it are lost with it.
Partition(i, j) ==
    /\ i # j
    /\ <<i, j>> \in CuttableLinks \ cut
    /\ Cardinality(cut) < MaxCutLinks
    /\ cut' = cut \cup {<<i, j>>}
    /\ messages' = [m \in {d \in DOMAIN messages : ~(d.msource = i /\ d.mdest = j)}
                      |-> messages[m]]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                   votesGranted, votesRejected, progress, recentActive,
                   readQueue, pendingReads, readStates, reads, transferee,
                   snapshotIndex, snapshotTerm>>

\* The directed link from i to j comes back up.
Heal(i, j) ==
    /\ <<i, j>> \in cut
    /\ cut' = cut \ {<<i, j>>}
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, state, leader, lease,
                   votesGranted, votesRejected, progress, recentActive,
                   messages, readQueue, pendingReads, readStates, reads,
                   transferee, snapshotIndex, snapshotTerm>>

Next ==
       \/ \E i \in Server : Timeout(i)
       \/ \E i \in Server, v \in Value : ClientRequest(i, v)
       \/ \E i \in Server : Heartbeat(i)
       \/ \E i \in Server : QuorumCheck(i)
       \/ \E i \in Server : LeaseExpire(i)
       \/ \E i \in Server : Restart(i)
       \/ \E i \in Server : ClientRead(i)
       \/ \E i, j \in Server : HandlePreVoteRequest(i, j)
       \/ \E i, j \in Server : HandlePreVoteResponse(i, j)
       \/ \E i, j \in Server : HandleVoteRequest(i, j)
       \/ \E i, j \in Server : HandleVoteResponse(i, j)
       \/ \E i, j \in Server : HandleAppendEntriesRequest(i, j)
       \/ \E i, j \in Server : HandleAppendEntriesResponse(i, j)
       \/ \E i, j \in Server : HandleHeartbeatRequest(i, j)
       \/ \E i, j \in Server : HandleHeartbeatResponse(i, j)
       \/ \E i, j \in Server : HandleTimeoutNowRequest(i, j)
       \/ \E i, j \in Server : TransferLeadership(i, j)
       \/ \E i \in Server : AbortTransfer(i)
       \/ \E i \in Server : ForgetLeader(i)
       \/ \E i, j \in Server : HandleReadIndexRequest(i, j)
       \/ \E i, j \in Server : HandleReadIndexResponse(i, j)
       \/ \E i, j \in Server : DropMessage(i, j)
       \/ \E i, j \in Server : DuplicateMessage(i, j)
       \/ \E i, j \in Server : Partition(i, j)
       \/ \E i, j \in Server : Heal(i, j)
       \/ \E i \in Server : Compact(i)
       \/ \E i, j \in Server : HandleSnapshotRequest(i, j)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(***************************************************************************)
(* Properties.  Each has a Go twin of the same name in spec/.              *)
(***************************************************************************)

Entries == [term : Nat \ {0}, value : Value \cup {Nil}]

\* Server i's log by absolute index: its last index, whether it holds the
\* entry at k (not compacted), that entry, and the term it knows at k (its
\* snapshot's term at the snapshot index, 0 where it knows none).
LastIdx(i) == snapshotIndex[i] + Len(log[i])
Holds(i, k) == snapshotIndex[i] < k /\ k <= LastIdx(i)
EntryAt(i, k) == log[i][k - snapshotIndex[i]]
KnownTerm(i, k) == IF k = snapshotIndex[i] THEN snapshotTerm[i]
                   ELSE IF Holds(i, k) THEN EntryAt(i, k).term ELSE 0
\* The indexes from which both i and j hold what they have: from the later
\* of their snapshots (where each knows at least the term).
FromBoth(i, j) == Max(snapshotIndex[i], snapshotIndex[j])

\* i and j agree from FromBoth(i, j) to k: the same terms, and the same
\* entries where both hold them.  With nothing compacted: SubSeq(log[i],
\* 1, k) = SubSeq(log[j], 1, k).
AgreeUpTo(i, j, k) ==
    \A l \in FromBoth(i, j)..k :
        /\ KnownTerm(i, l) = KnownTerm(j, l)
        /\ l > FromBoth(i, j) => EntryAt(i, l) = EntryAt(j, l)

\* Types, and the bounds every state keeps: a commit within the log, and a
\* commit sent to a follower within the leader's commit.
TypeOK ==
    /\ currentTerm \in [Server -> Nat]
    /\ votedFor \in [Server -> Server \cup {Nil}]
    /\ \A i \in Server : \A k \in DOMAIN log[i] : log[i][k] \in Entries
    /\ snapshotIndex \in [Server -> Nat] /\ snapshotTerm \in [Server -> Nat]
    /\ \A i \in Server : commitIndex[i] \in 0..LastIdx(i)
    /\ state \in [Server -> Roles]
    /\ leader \in [Server -> Server \cup {Nil}]
    /\ \A i \in Server : state[i] = Leader => leader[i] = i
    /\ lease \in [Server -> BOOLEAN]
    /\ \A i \in Server : lease[i] => state[i] = Follower /\ leader[i] # Nil
    /\ votesGranted \in [Server -> SUBSET Server]
    /\ votesRejected \in [Server -> SUBSET Server]
    /\ recentActive \in [Server -> SUBSET Server]
    /\ transferee \in [Server -> Server \cup {Nil}]
    /\ \A i \in Server : transferee[i] # Nil => state[i] = Leader /\ transferee[i] # i
    /\ \A i, j \in Server : progress[i][j].sentCommit \in 0..commitIndex[i]
    /\ \A m \in DOMAIN messages : messages[m] \in Nat \ {0}
    /\ cut \subseteq Server \X Server
    /\ \A i \in Server : readQueue[i] # <<>> => state[i] = Leader
    /\ \A i \in Server : readStates[i] \subseteq (1..Len(reads)) \X Nat

\* At most one leader per term.
ElectionSafety ==
    \A i, j \in Server :
        state[i] = Leader /\ state[j] = Leader /\ currentTerm[i] = currentTerm[j]
            => i = j

\* Two logs with an entry of the same index and term agree up to it.  Over
\* compacted logs: at an index where both know a term (held, or the last of
\* a snapshot), the same term means the same terms and entries down to the
\* later of the two snapshots.
LogMatching ==
    \A i, j \in Server : \A k \in FromBoth(i, j)..Min(LastIdx(i), LastIdx(j)) :
        k > 0 /\ KnownTerm(i, k) = KnownTerm(j, k) => AgreeUpTo(i, j, k)

\* An entry that server i knows is committed is in the log of every leader
\* of a term at least i's (any such leader was elected after the commit).
\* Over compacted logs: what both still know of it (from the later snapshot
\* on, the snapshot's own term included) agrees.
LeaderCompleteness ==
    \A i, l \in Server :
        state[l] = Leader /\ currentTerm[l] >= currentTerm[i]
            => /\ commitIndex[i] <= LastIdx(l)
               /\ AgreeUpTo(l, i, commitIndex[i])

\* No two servers commit different entries at one index.  Over compacted
\* logs: what both still know of their committed prefixes (from the later
\* snapshot on) agrees; a snapshot counts as committed (SnapshotCommitted).
StateMachineSafety ==
    \A i, j \in Server :
        AgreeUpTo(i, j, Min(commitIndex[i], commitIndex[j]))

\* A snapshot holds only committed entries: no server's snapshot index is
\* above its commit index (etcd: the applied index, which a snapshot is
\* taken at, never exceeds the committed one; restore commits up to it).
SnapshotCommitted ==
    \A i \in Server : snapshotIndex[i] <= commitIndex[i]

\* A server's commit index never decreases, restarts and snapshots
\* included: state that was applied is never rolled back (etcd's restore
\* refuses a snapshot at or below the commit).
CommitMonotonic ==
    [][\A i \in Server : commitIndex'[i] >= commitIndex[i]]_vars

\* A server votes for at most one candidate per term: within a term, a vote
\* once cast never changes.
OneVotePerTerm ==
    [][\A i \in Server :
         currentTerm'[i] = currentTerm[i] /\ votedFor[i] # Nil
             => votedFor'[i] = votedFor[i]]_vars

\* No server's term ever decreases, restarts included.
TermMonotonic ==
    [][\A i \in Server : currentTerm'[i] >= currentTerm[i]]_vars

\* A leader that stays leader only appends to its log.  Over compacted
\* logs: its last index does not go down, and every entry it holds before
\* and after the step is unchanged.
LeaderAppendOnly ==
    [][\A i \in Server :
         state[i] = Leader /\ state'[i] = Leader
             => /\ snapshotIndex'[i] + Len(log'[i]) >= LastIdx(i)
                /\ \A k \in (Max(snapshotIndex[i], snapshotIndex'[i]) + 1)..LastIdx(i) :
                     log'[i][k - snapshotIndex'[i]] = EntryAt(i, k)]_vars

\* PreVote (1): becoming or staying PreCandidate never changes currentTerm,
\* and never changes votedFor, except that a pre-candidate with no vote may
\* cast one for another server's real election in its own term.
PreVoteKeepsTermAndVote ==
    [][\A i \in Server :
         state'[i] = PreCandidate
             => /\ currentTerm'[i] = currentTerm[i]
                /\ votedFor'[i] # votedFor[i]
                     => /\ state[i] = PreCandidate /\ votedFor[i] = Nil
                        /\ votedFor'[i] # i]_vars

\* The number of copies of m in bag b (0 if none).
Copies(b, m) == IF m \in DOMAIN b THEN b[m] ELSE 0

\* PreVote (2): handling (or losing) a pre-vote request never changes the
\* receiver's term, vote, role, leader or lease.
PreVoteRequestHarmless ==
    [][\A m \in DOMAIN messages :
         m.mtype = PreVoteRequest /\ Copies(messages', m) < messages[m]
             => LET i == m.mdest
                IN /\ currentTerm'[i] = currentTerm[i]
                   /\ votedFor'[i] = votedFor[i]
                   /\ state'[i] = state[i]
                   /\ leader'[i] = leader[i]
                   /\ lease'[i] = lease[i]]_vars

\* PreVote (3): a server becomes Candidate (or starts a new candidacy) only
\* in a step that hands it a pre-vote grant completing a quorum of grants
\* for its pre-campaign, or in a step that hands it a leader's TimeoutNow
\* request (a campaign forced by a transfer is the only way a Candidate
\* arises without a pre-vote quorum).
CandidateHasPreVoteQuorum ==
    [][\A i \in Server :
         state'[i] = Candidate
         /\ (state[i] # Candidate \/ currentTerm'[i] # currentTerm[i])
             => \/ /\ state[i] = PreCandidate
                   /\ \E m \in DOMAIN messages :
                        /\ m.mtype = PreVoteResponse /\ m.mdest = i /\ ~m.mreject
                        /\ Copies(messages', m) < messages[m]
                        /\ IsQuorum(votesGranted[i] \cup {m.msource})
                \/ \E m \in DOMAIN messages :
                     /\ m.mtype = TimeoutNowRequest /\ m.mdest = i
                     /\ Copies(messages', m) < messages[m]]_vars

\* PreVote (4): a server that no other server can reach (for three servers,
\* one cut off from every quorum) never raises its term by its own campaign.
IsolatedTermStable ==
    [][\A i \in Server : Isolated(i) => currentTerm'[i] <= currentTerm[i]]_vars


\* s is within its lease, written out rather than through InLease (which the
\* mutants override): with CheckQuorum, a leader, or a follower that heard
\* from its leader within the election timeout.
WithinLease(i) == CheckQuorum /\ (state[i] = Leader \/ lease[i])

\* The messages of a vote or pre-vote request consumed in the step.
ConsumedRequests ==
    {m \in DOMAIN messages : m.mtype \in {PreVoteRequest, VoteRequest}
                             /\ Copies(messages', m) < messages[m]}

\* A (pre-)vote request of a campaign forced by a leader transfer.
Forced(m) == m.mtype \in {PreVoteRequest, VoteRequest} /\ m.mtransfer

\* CheckQuorum (1): a server within its lease never changes its term, vote,
\* role or leader because of a vote or pre-vote request, unless the request
\* is of a campaign forced by a leader transfer (etcd's Step: force).
LeaseHonoured ==
    [][\A m \in ConsumedRequests :
         WithinLease(m.mdest) /\ ~Forced(m)
             => LET i == m.mdest
                IN /\ currentTerm'[i] = currentTerm[i]
                   /\ votedFor'[i] = votedFor[i]
                   /\ state'[i] = state[i]
                   /\ leader'[i] = leader[i]]_vars

\* The servers that follow leader l: l itself and the followers that know l
\* as the leader of its term (with CheckQuorum, within their lease: they
\* heard from l within the election timeout).
FollowersOf(l) ==
    {l} \cup {j \in Server : /\ state[j] = Follower
                             /\ currentTerm[j] = currentTerm[l]
                             /\ leader[j] = l
                             /\ CheckQuorum => lease[j]}

\* CheckQuorum with PreVote (2): a server that comes back (or is behind)
\* cannot depose a leader l that a quorum follows.  While a quorum follows l
\* in term t, no server raises its term above t by a campaign of its own (a
\* step that consumes no message to it), and no follower of l grants a vote
\* or pre-vote for a term above t, except to a campaign forced by a leader
\* transfer (which deposes l by design).  Without PreVote a timeout raises
\* the term; without CheckQuorum a follower grants a pre-vote; TLC finds both.
NonDisruption ==
    [][\A l \in Server :
         state[l] = Leader /\ IsQuorum(FollowersOf(l))
             => /\ \A k \in Server :
                     (currentTerm'[k] > currentTerm[l] /\ currentTerm'[k] > currentTerm[k])
                        => \E m \in DOMAIN messages :
                             m.mdest = k /\ Copies(messages', m) < messages[m]
                /\ \A m \in DOMAIN messages' :
                     ~ /\ m.mtype \in {PreVoteResponse, VoteResponse}
                       /\ ~m.mreject /\ m.mterm > currentTerm[l]
                       /\ m.msource \in FollowersOf(l)
                       /\ Copies(messages', m) > Copies(messages, m)
                       /\ \E r \in DOMAIN messages :
                            /\ r.mdest = m.msource /\ Copies(messages', r) < messages[r]
                            /\ ~Forced(r)]_vars

\* CheckQuorum (3): a leader that stays leader across a quorum check (the
\* only step of a leader that stays leader in its term and empties a
\* non-empty set of recently active followers) heard from a quorum since the
\* previous check.  With three servers a check that finds no quorum finds
\* the set empty, and a leader that wrongly stays leader changes nothing:
\* the property needs four servers or more to see it (MutNoStepDown).
StepDownWithoutQuorum ==
    [][\A i \in Server :
         (/\ state[i] = Leader /\ state'[i] = Leader
          /\ currentTerm'[i] = currentTerm[i]
          /\ recentActive[i] # {} /\ recentActive'[i] = {})
             => IsQuorum({i} \cup recentActive[i])]_vars

\* ReadIndex: a read never misses a write committed before it began.  Every
\* answer <<id, index>> any server handed out for read id is at least the
\* highest commit index any server had when read id was requested: once
\* the server applies up to index, its state reflects every entry
\* committed (anywhere) before the read began.  (An entry committed means
\* known committed by some server: commitIndex is what a server applies.)
ReadIndexLinearizable ==
    \A i \in Server : \A a \in readStates[i] : a[2] >= reads[a[1]].begin

================================================================================
