//go:build !unix

package bench

import "os"

// peakRSS is unknown here: the platform's rusage has no peak resident set.
func peakRSS(*os.ProcessState) int64 { return 0 }
