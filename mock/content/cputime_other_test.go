//go:build !linux

package content

import "time"

// threadCPU is not available here; benchmarks then skip the CPU metric.
func threadCPU() time.Duration { return 0 }
