//go:build !unix

package model

// maxRSS is unknown on this platform.
func maxRSS() uint64 { return 0 }
