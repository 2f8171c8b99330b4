//go:build !raftbugs

package bugs

// Available reports whether this build can switch bugs on (tag raftbugs).
const Available = false

// On reports whether bug b is switched on: never without the tag raftbugs,
// and the compiler drops the checks.
func On(Bug) bool { return false }
