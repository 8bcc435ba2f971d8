package main

import (
	"context"
	"fmt"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
)

func main() {
	c, err := client.Connect("127.0.0.1:53306", "root", "root", "")
	if err != nil {
		panic(err)
	}
	db := fmt.Sprintf("zzprobe_%d", time.Now().UnixNano()%1e9)
	ex := func(q string) *mysql.Result {
		r, err := c.Execute(q)
		if err != nil {
			panic(q + ": " + err.Error())
		}
		return r
	}
	ex("CREATE DATABASE " + db)
	defer ex("DROP DATABASE " + db)
	ex("USE " + db)
	r := ex("SHOW MASTER STATUS")
	file, _ := r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)
	ex("CREATE TABLE t (id INT PRIMARY KEY, u UUID, i4 INET4, i6 INET6, n INT)")
	ex("INSERT INTO t VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.1.2', '2001:db8::ff00:42:8329', -1), (2, '00000000-0000-0000-0000-000000000001', '0.0.0.0', '::ffff:1.2.3.4', 1), (3, '6ccd780c-baba-1026-9564-5b8c656024db', '255.255.255.255', '::', 2), (4, NULL, NULL, NULL, 3), (5, '01234567-89ab-4def-8123-456789abcdef', '10.0.0.1', 'fe80::1', 4)")
	rr := ex("SELECT id, u, i4, i6, HEX(u), HEX(i4), HEX(i6) FROM t ORDER BY id")
	for i := range rr.Values {
		var row []string
		for j := 0; j < 7; j++ {
			s, _ := rr.GetString(i, j)
			row = append(row, s)
		}
		fmt.Println("select:", row)
	}
	for _, f := range rr.Fields {
		fmt.Printf("field %s type=%d charset=%d flag=%x len=%d\n", f.Name, f.Type, f.Charset, f.Flag, f.ColumnLength)
	}
	ci := ex("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_OCTET_LENGTH, CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='" + db + "' ORDER BY ORDINAL_POSITION")
	for i := range ci.Values {
		var row []string
		for j := 0; j < 5; j++ {
			s, _ := ci.GetString(i, j)
			row = append(row, s)
		}
		fmt.Println("is:", row)
	}
	s := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{ServerID: 987655, Flavor: "mariadb", Host: "127.0.0.1", Port: 53306, User: "root", Password: "root"})
	defer s.Close()
	st, err := s.StartSync(mysql.Position{Name: file, Pos: uint32(pos)})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		ev, err := st.GetEvent(ctx)
		if err != nil {
			panic(err)
		}
		if tm, ok := ev.Event.(*replication.TableMapEvent); ok && string(tm.Schema) == db {
			fmt.Printf("tablemap types=%v meta=%v defcs=%v colcs=%v\n", tm.ColumnType, tm.ColumnMeta, tm.DefaultCharset, tm.ColumnCharset)
		}
		if re, ok := ev.Event.(*replication.RowsEvent); ok && string(re.Table.Schema) == db {
			for _, row := range re.Rows {
				fmt.Printf("row %v %x %x %x\n", row[0], row[1], row[2], row[3])
			}
			return
		}
	}
}
