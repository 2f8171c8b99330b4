// Package explore is an explicit-state model checker for the Go
// transcription of tla/Raft.tla (package model): a breadth-first search
// that checks a config's invariants on every state and its action
// properties on every step (the Go twins in spec/), and counts states as
// TLC does, one per symmetry class (model.Encoder's canonical encodings).
//
// Visited states are kept as 64-bit fingerprints. Each level is expanded
// by several goroutines in chunks and merged in the level's order, so the
// counts and the counterexample do not depend on the number of workers; a
// shortest counterexample is rebuilt from the parents' fingerprints by
// replaying the search forward, and printed by Violation.WriteTable.
// Large levels spill to a temporary file.
//
// Walk checks random behaviours instead (TLC's simulation mode), and
// CheckModel compares an exploration with the figures recorded in
// tla/models.json: the one agreement check, which raftcheck agree runs.
package explore
