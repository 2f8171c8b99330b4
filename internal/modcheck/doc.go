// Package modcheck holds no code: its test checks what a module that
// imports raft/ inherits from this repository's go.mod (see
// TestImporterGetsOnlyThisModule).
package modcheck
