//go:build raftbugs

package raft

// BugsAvailable reports whether this build can switch bugs on (tag
// raftbugs).
const BugsAvailable = true

var activeBug Bug

// SetBug switches one seeded bug on for every node of the process ("" for
// none). Only in builds with the tag raftbugs.
func SetBug(b Bug) { activeBug = b }

func bug(b Bug) bool { return activeBug == b }
