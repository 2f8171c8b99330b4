//go:build !linux

package explore

// availableMemory is unknown on this platform.
func availableMemory() uint64 { return 0 }
