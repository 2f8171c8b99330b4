------------------------------- MODULE MCRaft5 --------------------------------
(* Model-checking harness for Raft with up to five servers: MCRaft.tla's     *)
(* definitions over the servers a config puts in Server (a four-server       *)
(* config assigns s5 = s5 and leaves it out of Server).                      *)
EXTENDS Raft

CONSTANTS s1, s2, s3, s4, s5, v1, v2

\* Servers and values are interchangeable, as in MCRaft.tla.
Symmetry == Permutations(Server) \cup Permutations(Value)

\* Every directed link between two servers.
AllLinks == {<<i, j>> \in Server \X Server : i # j}
===============================================================================
