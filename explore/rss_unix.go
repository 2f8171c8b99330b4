//go:build unix

package explore

import "syscall"

// maxRSS is the peak resident set size of the process in bytes.
func maxRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	// Linux reports kilobytes (macOS bytes; the project runs on Linux).
	return uint64(ru.Maxrss) * 1024
}
