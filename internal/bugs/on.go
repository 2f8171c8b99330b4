//go:build raftbugs

package bugs

// Available reports whether this build can switch bugs on (tag raftbugs).
const Available = true

var active Bug

// Set switches one seeded bug on for every node of the process ("" for
// none). It exists only in builds with the tag raftbugs; it is not safe to
// call while nodes run in other goroutines.
func Set(b Bug) { active = b }

// On reports whether bug b is switched on.
func On(b Bug) bool { return active == b }
