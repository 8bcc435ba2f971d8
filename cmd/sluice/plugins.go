package main

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/mysql"
	"github.com/sluicecdc/sluice/connectors/postgres"
	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/internal/logging"
)

// plugins lists the connector classes this build of sluice runs. Each
// source logs through its package's logger in levels, with the connector's
// name bound (so /admin/loggers can raise either), and reads its signal
// topic on sluice's own Kafka, own, unless its config names another.
func plugins(levels *logging.Levels, own capture.KafkaClient) []runtime.Plugin {
	pgLog, myLog := levels.Logger(loggerPostgres), levels.Logger(loggerMySQL)
	buildMySQL := func(name string, cfg map[string]string, _ *slog.Logger) (runtime.Source, error) {
		c, err := mysql.ParseConfig(name, cfg)
		if err != nil {
			return nil, err
		}
		t := runtime.ParseTuning(cfg)
		src := mysql.NewSource(c, myLog.With("connector", name)).WithKnobs(mysql.Knobs{QueueEvents: t.QueueEvents, QueueBytes: t.QueueBytes, Signals: own})
		return mySource{src}, nil
	}
	checkMySQL := func(ctx context.Context, cfg map[string]string) map[string][]string {
		c, err := mysql.ParseConfig("validate", checkable(cfg))
		if err != nil {
			return nil // the config's own problems are reported instead
		}
		return checkProblems(ctx, mysql.Check(ctx, c), "Unable to connect: ")
	}
	return []runtime.Plugin{{
		Class:         "io.debezium.connector.postgresql.PostgresConnector",
		Aliases:       []string{"postgres", "postgresql"},
		Version:       Version,
		TaskClass:     "io.debezium.connector.postgresql.PostgresConnectorTask",
		ConnectorName: "postgresql",
		Defs:          postgres.ConfigDefs,
		Keys:          postgres.ConfigKeys,
		Unused:        postgres.UnusedKeys,
		Secrets:       postgres.PasswordKeys,
		Offsets:       postgres.OffsetView,
		FromOffset:    postgres.FromOffset,
		Check: func(ctx context.Context, cfg map[string]string) map[string][]string {
			c, err := postgres.ParseConfig("validate", checkable(cfg))
			if err != nil {
				return nil // the config's own problems are reported instead
			}
			return checkProblems(ctx, postgres.Check(ctx, c), "Error while validating connector config: ")
		},
		Build: func(name string, cfg map[string]string, _ *slog.Logger) (runtime.Source, error) {
			c, err := postgres.ParseConfig(name, cfg)
			if err != nil {
				return nil, err
			}
			t := runtime.ParseTuning(cfg)
			src := postgres.NewSource(c, pgLog.With("connector", name)).WithKnobs(postgres.Knobs{QueueEvents: t.QueueEvents, QueueBytes: t.QueueBytes, Signals: own})
			return pgSource{src}, nil
		},
	}, {
		Class:         mysql.MySQLClass,
		Aliases:       []string{"mysql"},
		Version:       Version,
		TaskClass:     "io.debezium.connector.mysql.MySqlConnectorTask",
		ConnectorName: "mysql",
		Defs:          mysql.ConfigDefs(false),
		Keys:          mysql.ConfigKeys,
		Unused:        mysqlUnused,
		Secrets:       mysql.PasswordKeys,
		Offsets:       mysql.OffsetView,
		FromOffset:    mysql.FromOffset,
		Check:         checkMySQL,
		Build:         buildMySQL,
	}, {
		Class:         mysql.MariaDBClass,
		Aliases:       []string{"mariadb"},
		Version:       Version,
		TaskClass:     "io.debezium.connector.mariadb.MariaDbConnectorTask",
		ConnectorName: "mariadb",
		Defs:          mysql.ConfigDefs(true),
		Keys:          mysql.ConfigKeys,
		Unused:        mysqlUnused,
		Secrets:       mysql.PasswordKeys,
		Offsets:       mysql.OffsetView,
		FromOffset:    mysql.FromOffset,
		Check:         checkMySQL,
		Build:         buildMySQL,
	}}
}

// checkable returns cfg with the keys a connection check does not need
// filled in when missing, so that a config missing only those (their
// problems are reported on their own keys) still has its connection
// checked, as Debezium's validate checks it.
func checkable(cfg map[string]string) map[string]string {
	c := maps.Clone(cfg)
	for k, v := range map[string]string{"topic.prefix": "validate", "database.server.id": "1"} {
		if strings.TrimSpace(c[k]) == "" {
			c[k] = v
		}
	}
	return c
}

// checkProblems reports a failed connection check on database.hostname,
// where Debezium's validate reports it (measured on Kafka Connect 4.3.0
// with Debezium 3.6.1 PostgreSQL and 3.5.0 MariaDB, for a wrong password
// and for a closed port alike), with Debezium's prefix; a TLS failure
// whose fix is one TLS key (a CA file that did not sign the server's
// certificate: database.sslrootcert, database.ssl.truststore; a store's
// wrong password) is reported on that key, where the user must change it.
func checkProblems(ctx context.Context, err error, prefix string) map[string][]string {
	if err == nil {
		return nil
	}
	key := "database.hostname"
	var k interface{ ConfigKey() string }
	if errors.As(err, &k) && k.ConfigKey() != "" {
		key = k.ConfigKey()
	}
	msg := prefix + err.Error()
	if runtime.IsRetryable(err) {
		// Not a refusal by the server: it could not be reached.
		msg += "; check database.hostname and database.port, and that the server is up and accepts TCP connections from sluice"
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		msg = "Connection validation timed out (connection.validation.timeout.ms): " + err.Error()
	}
	return map[string][]string{key: {msg}}
}

// mysqlUnused are the MySQL/MariaDB source's unused keys: its schema
// history keys and the other Debezium keys it does not use.
var mysqlUnused = func() map[string]string {
	m := maps.Clone(mysql.UnusedKeys)
	maps.Copy(m, mysql.UnusedDebeziumKeys)
	return m
}()

// pgSource adapts the Postgres source's concrete stream to runtime.Source.
type pgSource struct{ s *postgres.Source }

func (p pgSource) Open(ctx context.Context, cp *change.Position) (runtime.Stream, error) {
	st, err := p.s.Open(ctx, cp)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Guard is the Postgres slot guardrail (runtime's guard.go).
func (p pgSource) Guard() capture.Guard { return p.s.Guard() }

// mySource adapts the MySQL/MariaDB source's concrete stream to runtime.Source.
type mySource struct{ s *mysql.Source }

// Guard is the binlog watch (runtime's guard.go).
func (p mySource) Guard() capture.Guard { return p.s.Guard() }

func (m mySource) Open(ctx context.Context, cp *change.Position) (runtime.Stream, error) {
	st, err := m.s.Open(ctx, cp)
	if err != nil {
		return nil, err
	}
	return st, nil
}
