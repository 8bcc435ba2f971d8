package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
)

// The MySQL/MariaDB fixture: a fresh database holding one table, the
// binlog position before and after the backlog, and a backlog writer that
// commits the same rows in the same transaction sizes as the Postgres one.

// myParams are the parts of the MariaDB address a connector config needs.
type myParams struct{ Host, Port, User, Password string }

func (p myParams) addr() string { return net.JoinHostPort(p.Host, p.Port) }

// binlogPos is a position in the binlog: file and offset, and the GTID
// position (@@gtid_binlog_pos) there.
type binlogPos struct {
	File string
	Pos  uint32
	GTID string
}

func (p binlogPos) String() string { return fmt.Sprintf("%s:%d (gtid %s)", p.File, p.Pos, p.GTID) }

// myFixture is one database <Name> with the table <Name>.rows.
type myFixture struct {
	p     myParams
	Name  string // database
	Table string // <db>.rows, as table.include.list names it
}

// newMyFixture creates the database and its table.
func newMyFixture(ctx context.Context, p myParams, name string) (*myFixture, error) {
	f := &myFixture{p: p, Name: name, Table: name + ".rows"}
	err := f.exec(ctx,
		"CREATE DATABASE "+f.Name,
		fmt.Sprintf("CREATE TABLE %s (id bigint PRIMARY KEY, stamp_ns bigint NOT NULL, payload varchar(100) NOT NULL) ENGINE=InnoDB", f.Table))
	if err != nil {
		_ = f.drop(context.WithoutCancel(ctx))
		return nil, err
	}
	return f, nil
}

func (f *myFixture) connect(ctx context.Context) (*client.Conn, error) {
	c, err := client.ConnectWithContext(ctx, f.p.addr(), f.p.User, f.p.Password, "", 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to mariadb at %s: %w", f.p.addr(), err)
	}
	return c, nil
}

// exec runs statements one by one on a fresh connection.
func (f *myFixture) exec(ctx context.Context, stmts ...string) error {
	c, err := f.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, s := range stmts {
		if _, err := c.Execute(s); err != nil {
			return fmt.Errorf("%s: %w", short(s), err)
		}
	}
	return nil
}

// position returns the end of the binlog now.
func (f *myFixture) position(ctx context.Context) (binlogPos, error) {
	c, err := f.connect(ctx)
	if err != nil {
		return binlogPos{}, err
	}
	defer c.Close()
	return masterStatus(c)
}

func masterStatus(c *client.Conn) (binlogPos, error) {
	r, err := c.Execute("SHOW MASTER STATUS")
	if err != nil {
		return binlogPos{}, fmt.Errorf("SHOW MASTER STATUS: %w", err)
	}
	if len(r.Values) == 0 {
		return binlogPos{}, errors.New("SHOW MASTER STATUS: no row (is the binlog on?)")
	}
	var p binlogPos
	p.File, _ = r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)
	p.Pos = uint32(pos)
	g, err := c.Execute("SELECT @@gtid_binlog_pos")
	if err != nil {
		return binlogPos{}, err
	}
	p.GTID, _ = g.GetString(0, 0)
	return p, nil
}

// binlogFilesBetween lists the binlog files from one position's file to
// another's, in order.
func (f *myFixture) binlogFilesBetween(ctx context.Context, from, to binlogPos) ([]string, error) {
	c, err := f.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r, err := c.Execute("SHOW BINARY LOGS")
	if err != nil {
		return nil, err
	}
	var all []string
	for i := range r.Values {
		s, _ := r.GetString(i, 0)
		all = append(all, s)
	}
	return filesBetween(all, from.File, to.File)
}

// filesBetween returns the files of all from first to last, inclusive.
func filesBetween(all []string, first, last string) ([]string, error) {
	var out []string
	in := false
	for _, f := range all {
		if f == first {
			in = true
		}
		if in {
			out = append(out, f)
		}
		if f == last {
			if !in {
				break
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("binlog files %s..%s not both on the server (%v)", first, last, all)
}

// myPayloadExpr makes the payload from the integer n, as payloadExpr does
// in Postgres: 80 hex characters.
func myPayloadExpr(n string) string {
	// seq is unsigned: negate a signed copy.
	return fmt.Sprintf("LEFT(CONCAT(MD5(%[1]s), MD5((%[1]s) * 7), MD5(-CAST(%[1]s AS SIGNED))), 80)", n)
}

// writeBacklog inserts ids [from, from+rows) in transactions of txnRows
// rows (one transaction when txnRows <= 0 or >= rows), server-side: a
// stored procedure whose loop runs one INSERT … SELECT from the sequence
// engine and one COMMIT per transaction, so no client round trip is paid
// per transaction. It returns the binlog position after the last commit.
func (f *myFixture) writeBacklog(ctx context.Context, from, rows, txnRows int) (binlogPos, error) {
	c, err := f.connect(ctx)
	if err != nil {
		return binlogPos{}, err
	}
	defer c.Close()
	if txnRows <= 0 || txnRows >= rows {
		q := fmt.Sprintf("INSERT INTO %s (id, stamp_ns, payload) SELECT %d + seq, 0, %s FROM %s.seq_0_to_%d",
			f.Table, from, myPayloadExpr(strconv.Itoa(from)+" + seq"), f.Name, rows-1)
		if _, err := c.Execute(q); err != nil {
			return binlogPos{}, fmt.Errorf("write backlog: %w", err)
		}
		return masterStatus(c)
	}
	proc := f.Name + ".backlog"
	body := fmt.Sprintf(`CREATE PROCEDURE %[1]s()
BEGIN
  DECLARE i bigint DEFAULT 0;
  WHILE i < %[2]d DO
    START TRANSACTION;
    INSERT INTO %[3]s (id, stamp_ns, payload) SELECT %[4]d + i + seq, 0, %[5]s FROM seq_0_to_%[6]d WHERE i + seq < %[2]d;
    COMMIT;
    SET i = i + %[7]d;
  END WHILE;
END`, proc, rows, f.Table, from, myPayloadExpr(fmt.Sprintf("(%d + i + seq)", from)), txnRows-1, txnRows)
	for _, s := range []string{"DROP PROCEDURE IF EXISTS " + proc, body, "CALL " + proc + "()"} {
		if _, err := c.Execute(s); err != nil {
			return binlogPos{}, fmt.Errorf("write backlog: %s: %w", short(s), err)
		}
	}
	return masterStatus(c)
}

// drop removes the database (table and procedure with it).
func (f *myFixture) drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return f.exec(ctx, "DROP DATABASE IF EXISTS "+f.Name)
}

// myConnectorConfig is the Debezium-keyed config sluice and Debezium both
// get: the MariaDB connector, stream only (snapshot.mode=no_data), the one
// table, no schema-change topic.
func myConnectorConfig(p myParams, prefix string, fx *myFixture, serverID uint32) map[string]string {
	return map[string]string{
		"connector.class":        "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":      p.Host,
		"database.port":          p.Port,
		"database.user":          p.User,
		"database.password":      p.Password,
		"database.server.id":     strconv.FormatUint(uint64(serverID), 10),
		"topic.prefix":           prefix,
		"database.include.list":  fx.Name,
		"table.include.list":     fx.Table,
		"snapshot.mode":          "no_data",
		"include.schema.changes": "false",
	}
}

// debeziumMySQLExtras are the keys only Debezium needs for MySQL/MariaDB:
// its schema history, in a file of its working directory, and
// database.ssl.mode=disabled (its MariaDB connector's default, "preferred",
// is a value the MariaDB JDBC driver rejects; the test server has no TLS).
func debeziumMySQLExtras(dir string) map[string]string {
	return map[string]string{
		"database.ssl.mode":                                         "disabled",
		"schema.history.internal":                                   "io.debezium.storage.file.history.FileSchemaHistory",
		"schema.history.internal.file.filename":                     dir + "/schema-history.dat",
		"schema.history.internal.store.only.captured.tables.ddl":    "true",
		"schema.history.internal.store.only.captured.databases.ddl": "true",
	}
}
