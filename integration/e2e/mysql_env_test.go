//go:build integration

package e2e

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// The MariaDB of integration/env: the tests run their SQL as root; the
// connector uses the example config's user (sluice, SELECT on *.* and the
// replication privileges).
var (
	myAddr = envOr("SLUICE_MYSQL_ADDR", "127.0.0.1:53306")
	myUser = envOr("SLUICE_MYSQL_USER", "root")
	myPass = envOr("SLUICE_MYSQL_PASSWORD", "root")
)

// myConn opens a connection to MariaDB as the admin user, closed when the
// test ends.
func myConn(t *testing.T) *client.Conn {
	t.Helper()
	c, err := client.Connect(myAddr, myUser, myPass, "")
	if err != nil {
		t.Fatalf("connect to MariaDB at %s (is integration/env up? integration/env/up mariadb): %v", myAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	myExec(t, c, "SET NAMES utf8mb4")
	return c
}

func myExec(t *testing.T, c *client.Conn, sqls ...string) {
	t.Helper()
	for _, s := range sqls {
		if _, err := c.Execute(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// myDatabase creates database name for the test and drops it when the
// test ends.
func myDatabase(t *testing.T, name string) {
	t.Helper()
	myExec(t, myConn(t), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4")
	t.Cleanup(func() {
		c, err := client.Connect(myAddr, myUser, myPass, "")
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer c.Close()
		if _, err := c.Execute("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("cleanup: drop database %s: %v", name, err)
		}
	})
}

// myConfig returns the example MariaDB connector config capturing database
// db, with topic.prefix prefix and a database.server.id of its own.
func myConfig(t *testing.T, prefix, db string) map[string]string {
	t.Helper()
	c := exampleConfig(t, "mariadb.json")
	host, port := myAddr, "3306"
	for i := len(myAddr) - 1; i >= 0; i-- {
		if myAddr[i] == ':' {
			host, port = myAddr[:i], myAddr[i+1:]
			break
		}
	}
	c["database.hostname"] = host
	c["database.port"] = port
	c["topic.prefix"] = prefix
	c["database.include.list"] = db
	c["database.server.id"] = strconv.FormatUint(uint64(100_000+rand.Uint32N(1_000_000_000)), 10)
	// The server is shared: schema-change records only for the test's own
	// database (by default, as in Debezium, every database's DDL is recorded).
	c["schema.history.internal.store.only.captured.databases.ddl"] = "true"
	return c
}

// myQueryInt returns the first column of the first row of a query.
func myQueryInt(t *testing.T, c *client.Conn, q string) int64 {
	t.Helper()
	r, err := c.Execute(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(r.Values) == 0 {
		t.Fatalf("%s: no rows", q)
	}
	n, err := r.GetInt(0, 0)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
