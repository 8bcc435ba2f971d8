package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what one process cost: CPU seconds (user+system) and peak resident
// memory.
type usage struct {
	CPU     time.Duration
	PeakRSS int64 // bytes
}

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTick = 100

// procUsage reads a live process's CPU time (/proc/<pid>/stat utime+stime)
// and peak RSS (/proc/<pid>/status VmHWM).
func procUsage(pid int) (usage, error) {
	var u usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return u, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return u, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return u, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	u.CPU = time.Duration(ut+st) * time.Second / clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return u, fmt.Errorf("/proc/%d/status: VmHWM %q", pid, rest)
			}
			u.PeakRSS = kb << 10
		}
	}
	return u, nil
}

// runMeasured runs cmd to its end and returns its CPU time (wait4's rusage)
// and, with sample, its peak RSS, sampled from /proc/<pid>/status VmHWM
// every 100 ms while it runs (for programs that cannot report their own;
// sampling a Go reader every 10 ms was seen to slow it down). rusage's maxrss
// cannot be used for a child of this process: Linux carries the high-water
// mark of the memory the child had before exec, which is the (much larger)
// harness's, into the child's maxrss.
func runMeasured(cmd *exec.Cmd, sample bool) (usage, error) {
	if err := cmd.Start(); err != nil {
		return usage{}, err
	}
	var peak int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	if !sample {
		close(sampled)
	} else {
		go sampleRSS(cmd.Process.Pid, &peak, done, sampled)
	}
	err := cmd.Wait()
	close(done)
	<-sampled
	var u usage
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	u.PeakRSS = peak
	return u, err
}

// sampleRSS keeps the highest VmHWM of pid in *peak until done.
func sampleRSS(pid int, peak *int64, done <-chan struct{}, sampled chan<- struct{}) {
	defer close(sampled)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if u, err := procUsage(pid); err == nil && u.PeakRSS > *peak {
			*peak = u.PeakRSS
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}
