//go:build !unix

package explore

// tableAlloc returns n zeroed slots.
func tableAlloc(n int) []uint64 { return make([]uint64, n) }

// tableFree leaves the table to the garbage collector.
func tableFree([]uint64) {}
