------------------------------- MODULE SimRaft -------------------------------
(***************************************************************************)
(* Behaviour generation for trace replay (make traces).  TLC in simulation *)
(* mode (-simulate num=N -depth D) checks the "invariant" Record on every  *)
(* state it generates, and Record keeps a line for it in TLC register 1:   *)
(* its level, the action that led to it (name and parameters, from         *)
(* TLCGet("action")) and every variable.  When a behaviour reaches Depth   *)
(* states, or stops because nothing is enabled, the lines are written to   *)
(* Dir as NDJSON.                                                          *)
(*                                                                         *)
(* The simulator checks every successor of the action it picked before it  *)
(* chooses one, so a level may have several candidate lines; the Go side   *)
(* (traces.ReadCandidates) recovers the behaviour, choosing at each level  *)
(* the candidate the next level's step starts from (checked with the       *)
(* model).  Why not ndJsonSerialize(file, Trace): this TLC build fails to  *)
(* reconstruct Trace's states for this spec (a ClassCastException on       *)
(* progress, a function of functions over model values).                   *)
(***************************************************************************)
EXTENDS MCRaft, Json, TLCExt, Integers

CONSTANTS Depth, Dir

\* One line: the level, the action and every variable (progress as a set of
\* triples <<i, j, progress[i][j]>>, which the serializer handles).
LineOf(act, vs) ==
    [level |-> 0, action |-> act,
     currentTerm |-> vs[1], votedFor |-> vs[2], log |-> vs[3], commitIndex |-> vs[4],
     state |-> vs[5], leader |-> vs[6], lease |-> vs[7], votesGranted |-> vs[8],
     votesRejected |-> vs[9],
     progress |-> {<<i, j, vs[10][i][j]>> : <<i, j>> \in Server \X Server},
     recentActive |-> vs[11], messages |-> vs[12], cut |-> vs[13]]

\* The line of the initial state (Init is deterministic).
InitLine ==
    LineOf([name |-> "Init"],
           <<[i \in Server |-> 0], [i \in Server |-> Nil], [i \in Server |-> <<>>],
             [i \in Server |-> 0], [i \in Server |-> Follower], [i \in Server |-> Nil],
             [i \in Server |-> FALSE], [i \in Server |-> {}], [i \in Server |-> {}],
             [i \in Server |-> NoProgresses], [i \in Server |-> {}],
             [m \in {} |-> 0], {}>>)

ASSUME TLCSet(1, [behaviour |-> -1, lines |-> <<>>])

Record ==
    LET level == TLCGet("level")
        this  == TLCGet("stats").traces
        reg   == TLCGet(1)
        lines == IF reg.behaviour = this THEN reg.lines
                 ELSE <<[InitLine EXCEPT !.level = 1]>>
        all   == Append(lines, [LineOf(TLCGet("action"), vars) EXCEPT !.level = level])
    IN /\ level > 1 => TLCSet(1, [behaviour |-> this, lines |-> all])
       /\ (level = Depth \/ ~ENABLED Next) =>
            ndJsonSerialize(Dir \o "/b" \o ToString(this + 1) \o ".ndjson", all)
=============================================================================
