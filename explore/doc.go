// Package explore is an explicit-state model checker for the Go
// transcription of tla/Raft.tla (package model): a breadth-first search
// that checks a config's invariants on every state and its action
// properties on every step (the Go twins in spec/), and counts states as
// TLC does, one per symmetry class (model.Encoder's canonical encodings).
//
// Memory: the visited states are 64-bit fingerprints in a table of 8-byte
// slots filled up to 90% (fpSet), outside the Go heap, growing within
// Options.MemoryLimit; when it cannot, the search stops with a
// *MemoryError that says how far it got. Each state's fingerprint and its
// parent's index go to a file instead (12 bytes a state, as TLC's trace
// file), read back only to rebuild a counterexample. A BFS level is kept
// as the states' encodings and spills to a temporary file beyond
// Options.SpillBytes.
//
// Each level is expanded by several goroutines in chunks and merged in the
// level's order, so the counts and the counterexample do not depend on the
// number of workers; a shortest counterexample is rebuilt by following the
// parents back to the initial state and replaying the search forward, and
// printed by Violation.WriteTable.
//
// Walk checks random behaviours instead (TLC's simulation mode), and
// CheckModel compares an exploration with the figures recorded in
// tla/models.json: the one agreement check, which raftcheck agree runs.
package explore
