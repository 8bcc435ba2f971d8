package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The connectors part's process figures: resident memory now (not the
// peak: an idle daemon's memory is what it holds once started) and the
// TCP connections a process holds.

// procRSS returns pid's resident memory now (VmRSS of /proc/<pid>/status).
func procRSS(pid int) (int64, error) {
	return procStatus(pid, "VmRSS")
}

// procRSSFile returns the file-backed part of pid's resident memory now
// (RssFile): for sluice, its program's code and data paged in as it first
// runs them, once per process whatever the number of connectors.
func procRSSFile(pid int) (int64, error) {
	return procStatus(pid, "RssFile")
}

// procStatus returns the field key (in kB) of /proc/<pid>/status, in bytes.
func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: %s %q", pid, key, rest)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, key)
}

// tcpConns counts pid's TCP connections: the sockets among its open files
// (/proc/<pid>/fd, "socket:[inode]") whose inode is a TCP socket of its
// network namespace (/proc/<pid>/net/tcp and tcp6), neither listening nor
// on local port restPort (the harness's own REST calls to the daemon).
func tcpConns(pid, restPort int) (int, error) {
	tcp := map[string]bool{}
	for _, f := range []string{"tcp", "tcp6"} {
		r, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			if f == "tcp6" && os.IsNotExist(err) {
				continue
			}
			return 0, err
		}
		err = tcpInodes(r, restPort, tcp)
		r.Close()
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/net/%s: %w", pid, f, err)
		}
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if ino, ok := strings.CutPrefix(link, "socket:["); ok && tcp[strings.TrimSuffix(ino, "]")] {
			n++
		}
	}
	return n, nil
}

// tcpInodes adds the inodes of the TCP sockets in a /proc/net/tcp listing
// to set, leaving out listening ones (state 0A) and those on local port
// skipPort.
func tcpInodes(r io.Reader, skipPort int, set map[string]bool) error {
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // the header
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) < 10 {
			return fmt.Errorf("short line %q", sc.Text())
		}
		_, port, ok := strings.Cut(f[1], ":") // hex address:port
		p, err := strconv.ParseUint(port, 16, 16)
		if !ok || err != nil {
			return fmt.Errorf("local address %q", f[1])
		}
		if f[3] != "0A" && f[9] != "0" && int(p) != skipPort {
			set[f[9]] = true
		}
	}
	return sc.Err()
}
