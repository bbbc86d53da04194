package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times: 100
// on every architecture Go supports (the kernel's ABI, whatever CONFIG_HZ).
const clockTicks = 100

// ParseProcStat returns the user and system CPU time of a process from the
// contents of its /proc/PID/stat (fields 14 and 15, in clock ticks). The
// command name (field 2) may hold spaces and parentheses: the fields are
// counted from the last ')'.
func ParseProcStat(data []byte) (user, system time.Duration, err error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 || bytes.IndexByte(data[:end], '(') < 0 {
		return 0, 0, errors.New("proc stat: no (command) field")
	}
	rest := bytes.Fields(data[end+1:])
	// rest[0] is field 3 (state): utime, field 14, is rest[11].
	if len(rest) < 13 {
		return 0, 0, fmt.Errorf("proc stat: %d fields after the command, want at least 13", len(rest))
	}
	ticks := func(field int) (time.Duration, error) {
		n, err := strconv.ParseUint(string(rest[field-3]), 10, 63)
		if err != nil {
			return 0, fmt.Errorf("proc stat: field %d (%q) is not a tick count", field, rest[field-3])
		}
		if n > uint64(1<<63-1)/uint64(time.Second) {
			return 0, fmt.Errorf("proc stat: field %d is out of range", field)
		}
		return time.Duration(n) * time.Second / clockTicks, nil
	}
	if user, err = ticks(14); err != nil {
		return 0, 0, err
	}
	if system, err = ticks(15); err != nil {
		return 0, 0, err
	}
	return user, system, nil
}

// ProcessCPU returns the CPU time (user + system) process pid has used so
// far, all its threads together, to 10 ms.
func ProcessCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("cpu of process %d: %w", pid, err)
	}
	user, system, err := ParseProcStat(data)
	if err != nil {
		return 0, fmt.Errorf("cpu of process %d: %w", pid, err)
	}
	return user + system, nil
}

// SelfCPU returns the CPU time (user + system) this process has used.
func SelfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
