package mysql

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/change"
)

// serverInfo is what the prerequisite checks learn about the server.
type serverInfo struct {
	Version     string
	MariaDB     bool   // the server is MariaDB (whatever the connector class)
	ServerID    uint32 // the server's own server_id
	GTIDs       bool   // transactions carry GTIDs the dump can start from
	RowMetadata string // binlog_row_metadata, "" when the server has none
}

// flavor is the go-mysql flavour of the server.
func (s *serverInfo) flavor() string {
	if s.MariaDB {
		return "mariadb"
	}
	return "mysql"
}

// variables reads global variables by name; missing ones are absent.
func variables(q *client.Conn, names ...string) (map[string]string, error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quoteString(n)
	}
	r, err := q.Execute("SHOW GLOBAL VARIABLES WHERE Variable_name IN (" + strings.Join(quoted, ", ") + ")")
	if err != nil {
		return nil, &ConnError{Op: "read server variables", Err: err}
	}
	out := map[string]string{}
	for i := range r.Values {
		k, _ := r.GetString(i, 0)
		v, _ := r.GetString(i, 1)
		out[strings.ToLower(k)] = v
	}
	return out, nil
}

// checkPrerequisites checks the server against what the capture needs and
// returns what it learnt, and a *PrerequisiteError listing every problem
// with its fix. binlog is false when the capture reads no binlog
// (initial_only); lock is true when the snapshot takes FLUSH TABLES WITH
// READ LOCK. Warnings (binlog_row_metadata not FULL) are returned apart.
func checkPrerequisites(q *client.Conn, cfg *Config, tables []change.TableID, binlog, lock bool) (serverInfo, []string, error) {
	var info serverInfo
	var problems []error
	var warnings []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	vars, err := variables(q, "version", "log_bin", "binlog_format", "binlog_row_image", "binlog_row_metadata", "server_id", "gtid_mode")
	if err != nil {
		return info, nil, err
	}
	info.Version = vars["version"]
	info.MariaDB = strings.Contains(strings.ToLower(info.Version), "mariadb")
	if n, err := strconv.ParseUint(vars["server_id"], 10, 32); err == nil {
		info.ServerID = uint32(n)
	}
	info.RowMetadata = strings.ToUpper(vars["binlog_row_metadata"])
	info.GTIDs = info.MariaDB || strings.EqualFold(vars["gtid_mode"], "ON")

	if binlog {
		if !strings.EqualFold(vars["log_bin"], "ON") && vars["log_bin"] != "1" {
			add("the binary log is off (log_bin=%s): start the server with log_bin (log-bin=mysql-bin in my.cnf) and restart it", vars["log_bin"])
		}
		if !strings.EqualFold(vars["binlog_format"], "ROW") {
			add("binlog_format is %s, not ROW: set binlog_format=ROW in my.cnf (or SET GLOBAL binlog_format='ROW' and reconnect the writers)", vars["binlog_format"])
		}
		if !strings.EqualFold(vars["binlog_row_image"], "FULL") {
			add("binlog_row_image is %s, not FULL: set binlog_row_image=FULL in my.cnf (or SET GLOBAL binlog_row_image='FULL')", vars["binlog_row_image"])
		}
		if info.RowMetadata != "FULL" {
			if info.RowMetadata == "" {
				warnings = append(warnings, "the server has no binlog_row_metadata (MySQL before 8.0.1, MariaDB before 10.5): "+
					"column names come from information_schema, which is only right while the table is not altered")
			} else {
				warnings = append(warnings, fmt.Sprintf("binlog_row_metadata is %s, not FULL: set binlog_row_metadata=FULL so that the binlog carries "+
					"column names, signedness, enum values and the primary key; without it they come from information_schema, which is only right while the table is not altered", info.RowMetadata))
			}
		}
		if info.ServerID == cfg.ServerID {
			add("database.server.id %d is the server's own server_id: choose another number that no replica uses", cfg.ServerID)
		}
		if err := checkReplicaIDs(q, cfg); err != nil {
			problems = append(problems, err)
		}
	}

	grants, err := readGrants(q)
	if err != nil {
		return info, warnings, err
	}
	if binlog {
		if !grants.has("REPLICATION SLAVE") {
			add("user %q lacks REPLICATION SLAVE: run GRANT REPLICATION SLAVE ON *.* TO <user>", cfg.User)
		}
		if !grants.has("REPLICATION CLIENT") && !grants.has("BINLOG MONITOR") {
			add("user %q lacks REPLICATION CLIENT (BINLOG MONITOR on MariaDB): run GRANT REPLICATION CLIENT ON *.* TO <user>", cfg.User)
		}
	}
	if lock && !grants.has("RELOAD") {
		add("user %q lacks RELOAD, which snapshot.locking.mode=minimal needs for FLUSH TABLES WITH READ LOCK: run GRANT RELOAD ON *.* TO <user>, or set snapshot.locking.mode=none", cfg.User)
	}
	if !grants.has("SELECT") {
		add("user %q lacks SELECT: run GRANT SELECT ON <database>.* TO <user> for the captured databases", cfg.User)
	}

	for _, lit := range cfg.TableIncludeLiterals {
		found := false
		for _, t := range tables {
			if strings.EqualFold(t.String(), lit) {
				found = true
			}
		}
		if !found {
			add("table.include.list names table %q, which does not exist (or the user cannot see it): create it, grant SELECT on it, or fix the list", lit)
		}
	}
	if len(problems) > 0 {
		return info, warnings, &PrerequisiteError{Problems: problems}
	}
	return info, warnings, nil
}

// checkReplicaIDs fails when a replica other than this connector already
// uses database.server.id. A registration from this host with the id is
// taken to be this connector's own, left by an earlier run.
func checkReplicaIDs(q *client.Conn, cfg *Config) error {
	r, err := q.Execute("SHOW SLAVE HOSTS")
	if err != nil {
		return nil // not allowed to look (MariaDB needs REPLICATION MASTER ADMIN): the server will refuse a duplicate itself
	}
	host, _ := os.Hostname()
	for i := range r.Values {
		id, _ := r.GetUint(i, 0)
		h, _ := r.GetString(i, 1)
		if uint32(id) == cfg.ServerID && h != host {
			return fmt.Errorf("database.server.id %d is already used by the replica on %q: choose a number no replica uses", cfg.ServerID, h)
		}
	}
	return nil
}

// grantSet is the privileges SHOW GRANTS lists for the current user.
type grantSet struct {
	all  bool
	text string // the grants, upper-cased and joined
}

func (g grantSet) has(priv string) bool { return g.all || strings.Contains(g.text, priv) }

func readGrants(q *client.Conn) (grantSet, error) {
	r, err := q.Execute("SHOW GRANTS FOR CURRENT_USER()")
	if err != nil {
		return grantSet{}, &ConnError{Op: "read grants", Err: err}
	}
	var g grantSet
	var b strings.Builder
	for i := range r.Values {
		s, _ := r.GetString(i, 0)
		u := strings.ToUpper(s)
		if strings.HasPrefix(u, "GRANT ALL PRIVILEGES ON *.*") {
			g.all = true
		}
		b.WriteString(u)
		b.WriteByte('\n')
	}
	g.text = b.String()
	return g, nil
}

// binlogFiles lists the binlog files the server still has.
func binlogFiles(q *client.Conn) ([]string, error) {
	r, err := q.Execute("SHOW BINARY LOGS")
	if err != nil {
		return nil, &ConnError{Op: "list binary logs", Err: err}
	}
	var out []string
	for i := range r.Values {
		s, _ := r.GetString(i, 0)
		out = append(out, s)
	}
	return out, nil
}
