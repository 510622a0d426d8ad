package framework

import "runtime"

// Allocated returns the bytes allocated by the process while f ran. It reads
// runtime.MemStats.TotalAlloc, which counts every allocation whenever the GC runs, so a test can
// bound what a piece of code holds at some point (it cannot hold more than it allocated) without
// depending on timing. Other goroutines of the test process count too: bound generously.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
