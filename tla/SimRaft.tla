------------------------------- MODULE SimRaft -------------------------------
(***************************************************************************)
(* Behaviour generation for trace replay (make traces).  TLC in simulation *)
(* mode (-simulate num=N -depth D) checks the "invariant" Record on every  *)
(* state it generates, and Record writes the behaviour to Dir as NDJSON    *)
(* when it reaches Depth states, or stops because nothing is enabled: one  *)
(* line per state, with its level, the action that led to it (name and     *)
(* parameters, from TLCGet("action")) and every variable.                  *)
(*                                                                         *)
(* The simulator checks every successor of the current state before it     *)
(* chooses one, so Record sees several candidates per level.  The history  *)
(* variable hist (the states of the behaviour so far, appended by SimNext) *)
(* says which one TLC chose: at level L, hist[L-1] is the state chosen at  *)
(* level L-1, and Record keeps that candidate's line (TLC register 1 holds *)
(* the lines so far and the candidates of the level before).  The corpus   *)
(* is TLC's alone: nothing outside TLC picks or rebuilds a state.  Why not *)
(* ndJsonSerialize(file, Trace): this TLC build fails to reconstruct       *)
(* Trace's states for this spec (a ClassCastException on progress, a       *)
(* function of functions over model values).                               *)
(***************************************************************************)
EXTENDS MCRaft, Json, TLCExt, Integers

CONSTANTS Depth, Dir

\* One line: the level, the action and every variable (progress as a set of
\* triples <<i, j, progress[i][j]>>, which the serializer handles), the read
\* variables included (constant without reads: MaxReads = 0).
LineOf(act, vs) ==
    [level |-> 0, action |-> act,
     currentTerm |-> vs[1], votedFor |-> vs[2], log |-> vs[3], commitIndex |-> vs[4],
     state |-> vs[5], leader |-> vs[6], lease |-> vs[7], votesGranted |-> vs[8],
     votesRejected |-> vs[9],
     progress |-> {<<i, j, vs[10][i][j]>> : <<i, j>> \in Server \X Server},
     recentActive |-> vs[11], transferee |-> vs[12], messages |-> vs[13],
     cut |-> vs[14], snapshotIndex |-> vs[15], snapshotTerm |-> vs[16],
     readQueue |-> vs[17], pendingReads |-> vs[18], readStates |-> vs[19],
     reads |-> vs[20]]

\* The line of the initial state (Init is deterministic).
InitLine ==
    LineOf([name |-> "Init"],
           <<[i \in Server |-> 0], [i \in Server |-> Nil], [i \in Server |-> <<>>],
             [i \in Server |-> 0], [i \in Server |-> Follower], [i \in Server |-> Nil],
             [i \in Server |-> FALSE], [i \in Server |-> {}], [i \in Server |-> {}],
             [i \in Server |-> NoProgresses], [i \in Server |-> {}],
             [i \in Server |-> Nil], [m \in {} |-> 0], {}, [i \in Server |-> 0],
             [i \in Server |-> 0], [i \in Server |-> <<>>], [i \in Server |-> <<>>],
             [i \in Server |-> {}], <<>>>>)

\* The states of the behaviour before the current one, oldest first.
VARIABLE hist

SimInit == Init /\ hist = <<>>

\* Next, each step also appending the state it leaves to hist.  TLC names
\* an action after the operator it applies, with its parameters: each of
\* Next's actions (tla/Raft.tla) A gets a twin Sim_A, A and the history
\* step, and Record writes A's name (SimName).  The disjuncts are Next's, in
\* its order.
H == hist' = Append(hist, vars)

Sim_Timeout(i) == Timeout(i) /\ H
Sim_ClientRequest(i, v) == ClientRequest(i, v) /\ H
Sim_Heartbeat(i) == Heartbeat(i) /\ H
Sim_QuorumCheck(i) == QuorumCheck(i) /\ H
Sim_LeaseExpire(i) == LeaseExpire(i) /\ H
Sim_Restart(i) == Restart(i) /\ H
Sim_ClientRead(i) == ClientRead(i) /\ H
Sim_HandlePreVoteRequest(i, j) == HandlePreVoteRequest(i, j) /\ H
Sim_HandlePreVoteResponse(i, j) == HandlePreVoteResponse(i, j) /\ H
Sim_HandleVoteRequest(i, j) == HandleVoteRequest(i, j) /\ H
Sim_HandleVoteResponse(i, j) == HandleVoteResponse(i, j) /\ H
Sim_HandleAppendEntriesRequest(i, j) == HandleAppendEntriesRequest(i, j) /\ H
Sim_HandleAppendEntriesResponse(i, j) == HandleAppendEntriesResponse(i, j) /\ H
Sim_HandleHeartbeatRequest(i, j) == HandleHeartbeatRequest(i, j) /\ H
Sim_HandleHeartbeatResponse(i, j) == HandleHeartbeatResponse(i, j) /\ H
Sim_TransferLeadership(i, j) == TransferLeadership(i, j) /\ H
Sim_HandleTimeoutNowRequest(i, j) == HandleTimeoutNowRequest(i, j) /\ H
Sim_AbortTransfer(i) == AbortTransfer(i) /\ H
Sim_ForgetLeader(i) == ForgetLeader(i) /\ H
Sim_HandleReadIndexRequest(i, j) == HandleReadIndexRequest(i, j) /\ H
Sim_HandleReadIndexResponse(i, j) == HandleReadIndexResponse(i, j) /\ H
Sim_DropMessage(i, j) == DropMessage(i, j) /\ H
Sim_DuplicateMessage(i, j) == DuplicateMessage(i, j) /\ H
Sim_Partition(i, j) == Partition(i, j) /\ H
Sim_Heal(i, j) == Heal(i, j) /\ H
Sim_Compact(i) == Compact(i) /\ H
Sim_HandleSnapshotRequest(i, j) == HandleSnapshotRequest(i, j) /\ H

SimNext ==
       \/ \E i \in Server : Sim_Timeout(i)
       \/ \E i \in Server, v \in Value : Sim_ClientRequest(i, v)
       \/ \E i \in Server : Sim_Heartbeat(i)
       \/ \E i \in Server : Sim_QuorumCheck(i)
       \/ \E i \in Server : Sim_LeaseExpire(i)
       \/ \E i \in Server : Sim_Restart(i)
       \/ \E i \in Server : Sim_ClientRead(i)
       \/ \E i, j \in Server : Sim_HandlePreVoteRequest(i, j)
       \/ \E i, j \in Server : Sim_HandlePreVoteResponse(i, j)
       \/ \E i, j \in Server : Sim_HandleVoteRequest(i, j)
       \/ \E i, j \in Server : Sim_HandleVoteResponse(i, j)
       \/ \E i, j \in Server : Sim_HandleAppendEntriesRequest(i, j)
       \/ \E i, j \in Server : Sim_HandleAppendEntriesResponse(i, j)
       \/ \E i, j \in Server : Sim_HandleHeartbeatRequest(i, j)
       \/ \E i, j \in Server : Sim_HandleHeartbeatResponse(i, j)
       \/ \E i, j \in Server : Sim_HandleTimeoutNowRequest(i, j)
       \/ \E i, j \in Server : Sim_TransferLeadership(i, j)
       \/ \E i \in Server : Sim_AbortTransfer(i)
       \/ \E i \in Server : Sim_ForgetLeader(i)
       \/ \E i, j \in Server : Sim_HandleReadIndexRequest(i, j)
       \/ \E i, j \in Server : Sim_HandleReadIndexResponse(i, j)
       \/ \E i, j \in Server : Sim_DropMessage(i, j)
       \/ \E i, j \in Server : Sim_DuplicateMessage(i, j)
       \/ \E i, j \in Server : Sim_Partition(i, j)
       \/ \E i, j \in Server : Sim_Heal(i, j)
       \/ \E i \in Server : Sim_Compact(i)
       \/ \E i, j \in Server : Sim_HandleSnapshotRequest(i, j)

\* The name of Sim_A's action: A.
SimName == [Sim_Timeout |-> "Timeout", Sim_ClientRequest |-> "ClientRequest", Sim_Heartbeat |-> "Heartbeat", Sim_QuorumCheck |-> "QuorumCheck", Sim_LeaseExpire |-> "LeaseExpire", Sim_Restart |-> "Restart", Sim_HandlePreVoteRequest |-> "HandlePreVoteRequest", Sim_HandlePreVoteResponse |-> "HandlePreVoteResponse", Sim_HandleVoteRequest |-> "HandleVoteRequest", Sim_HandleVoteResponse |-> "HandleVoteResponse", Sim_HandleAppendEntriesRequest |-> "HandleAppendEntriesRequest", Sim_HandleAppendEntriesResponse |-> "HandleAppendEntriesResponse", Sim_HandleHeartbeatRequest |-> "HandleHeartbeatRequest", Sim_HandleHeartbeatResponse |-> "HandleHeartbeatResponse", Sim_TransferLeadership |-> "TransferLeadership", Sim_HandleTimeoutNowRequest |-> "HandleTimeoutNowRequest", Sim_AbortTransfer |-> "AbortTransfer", Sim_ForgetLeader |-> "ForgetLeader", Sim_DropMessage |-> "DropMessage", Sim_DuplicateMessage |-> "DuplicateMessage", Sim_Partition |-> "Partition", Sim_Heal |-> "Heal", Sim_Compact |-> "Compact", Sim_HandleSnapshotRequest |-> "HandleSnapshotRequest", Sim_ClientRead |-> "ClientRead", Sim_HandleReadIndexRequest |-> "HandleReadIndexRequest", Sim_HandleReadIndexResponse |-> "HandleReadIndexResponse"]

ASSUME TLCSet(1, [behaviour |-> -1, level |-> 0, lines |-> <<>>, cands |-> {}])

Record ==
    LET level == TLCGet("level")
        this  == TLCGet("stats").traces
        reg   == TLCGet(1)
        act   == [TLCGet("action") EXCEPT !.name = SimName[@]]
        fresh == reg.behaviour # this
        \* The first candidate of a level: the state chosen at the level
        \* before is now known (hist's last), and its line is kept.
        first == fresh \/ reg.level # level
        chosen ==
            IF level = 2 THEN [InitLine EXCEPT !.level = 1]
            ELSE LET c == CHOOSE c \in reg.cands : c.vs = hist[level - 1]
                 IN [LineOf(c.act, c.vs) EXCEPT !.level = level - 1]
        lines == IF ~first THEN reg.lines
                 ELSE IF fresh THEN <<chosen>> ELSE Append(reg.lines, chosen)
        cands == IF first THEN {[act |-> act, vs |-> vars]}
                 ELSE reg.cands \cup {[act |-> act, vs |-> vars]}
    IN /\ Len(hist) = level - 1
       /\ level > 1 => TLCSet(1, [behaviour |-> this, level |-> level, lines |-> lines, cands |-> cands])
       /\ (level > 1 /\ (level = Depth \/ ~ENABLED Next)) =>
            ndJsonSerialize(Dir \o "/b" \o ToString(this + 1) \o ".ndjson",
                            Append(lines, [LineOf(act, vars) EXCEPT !.level = level]))
=============================================================================
