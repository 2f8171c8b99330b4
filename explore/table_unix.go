//go:build unix

package explore

import (
	"syscall"
	"unsafe"
)

// tableAlloc returns n zeroed slots in anonymous memory outside the Go
// heap (pages the kernel provides on first touch), or on the heap if the
// mapping fails.
func tableAlloc(n int) []uint64 {
	mem, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n)
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&mem[0])), n)
}

// tableFree releases a table of tableAlloc.
func tableFree(t []uint64) {
	if len(t) == 0 {
		return
	}
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&t[0])), len(t)*8)
	// A table on the heap (the mapping failed) is left to the collector:
	// Munmap refuses memory it did not map.
	_ = syscall.Munmap(mem)
}
