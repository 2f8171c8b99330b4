//go:build !raftbugs

package raft

// BugsAvailable reports whether this build can switch bugs on (tag
// raftbugs).
const BugsAvailable = false

func bug(Bug) bool { return false }
