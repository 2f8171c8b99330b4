// Package xref keeps the documentation's cross-references true. It has no
// code of its own; its tests check, over the repository's files, that
//
//   - README.md's example ("Using the library") is, word for word, the body
//     of raft's runnable Example (raft/example_test.go);
//   - every TLA+ operator, model/ function and Go function named in
//     tla/README.md's action map and list of helpers exists;
//   - every Go name in the "Go:" comments of tla/*.tla exists, and every
//     TLA+ operator that a Go comment in model/, raft/, spec/ or traces/
//     names ("Raft.tla's X", "the TLA+ X", "Mutant X") is defined in tla/.
package xref
