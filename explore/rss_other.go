//go:build !unix

package explore

// maxRSS is unknown on this platform.
func maxRSS() uint64 { return 0 }
