package framework

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcStat is what /proc says of a process: CPU time used and resident memory.
type ProcStat struct {
	// CPU is user + system time.
	CPU time.Duration
	// RSS is the resident set now (VmRSS), Peak its high-water mark (VmHWM), in bytes.
	RSS, Peak int64
}

// ReadProc reads the CPU time (utime + stime of /proc/PID/stat) and the resident memory (VmRSS,
// VmHWM of /proc/PID/status) of a process, for benchmarks of a server child process.
func ReadProc(pid int) (ProcStat, error) {
	var ps ProcStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// Fields after the command name (which is in parentheses and may hold spaces).
	end := strings.LastIndexByte(string(stat), ')')
	if end < 0 || end+2 > len(stat) {
		return ps, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, stat)
	}
	f := strings.Fields(string(stat[end+2:]))
	if len(f) < 13 {
		return ps, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	ps.CPU = time.Duration(utime+stime) * time.Second / ticks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			ps.RSS = kb << 10
		case "VmHWM:":
			ps.Peak = kb << 10
		}
	}
	return ps, nil
}
