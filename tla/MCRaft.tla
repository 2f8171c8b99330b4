-------------------------------- MODULE MCRaft --------------------------------
(* Model-checking harness for Raft: concrete constants and symmetry.       *)
EXTENDS Raft

CONSTANTS s1, s2, s3, v1, v2

\* Servers and values are interchangeable: no action or property names a
\* particular one, so a permutation of either maps behaviours to behaviours
\* and preserves every invariant and action property checked here.  (No
\* liveness property is checked, where symmetry would be unsound.)
Symmetry == Permutations({s1, s2, s3}) \cup Permutations({v1, v2})

\* Every directed link between two servers.
AllLinks == {<<i, j>> \in Server \X Server : i # j}

\* The links into s1: cutting both isolates s1, cutting one is an asymmetric
\* partial partition.  Only s2 and s3 are interchangeable then.
LinksIntoS1 == {<<s2, s1>>, <<s3, s1>>}
SymmetryS2S3 == Permutations({s2, s3}) \cup Permutations({v1, v2})
===============================================================================
