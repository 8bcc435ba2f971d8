package main

import (
	"context"
	"log/slog"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/mysql"
	"github.com/sluicecdc/sluice/connectors/postgres"
	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/internal/logging"
)

// plugins lists the connector classes this build of sluice runs. Each
// source logs through its package's logger in levels, with the connector's
// name bound (so /admin/loggers can raise either).
func plugins(levels *logging.Levels) []runtime.Plugin {
	pgLog, myLog := levels.Logger(loggerPostgres), levels.Logger(loggerMySQL)
	buildMySQL := func(name string, cfg map[string]string, _ *slog.Logger) (runtime.Source, error) {
		c, err := mysql.ParseConfig(name, cfg)
		if err != nil {
			return nil, err
		}
		return mySource{mysql.NewSource(c, myLog.With("connector", name))}, nil
	}
	return []runtime.Plugin{{
		Class:         "io.debezium.connector.postgresql.PostgresConnector",
		Aliases:       []string{"postgres", "postgresql"},
		Version:       Version,
		TaskClass:     "io.debezium.connector.postgresql.PostgresConnectorTask",
		ConnectorName: "postgresql",
		Defs:          postgres.ConfigDefs,
		Keys:          postgres.ConfigKeys,
		Secrets:       postgres.PasswordKeys,
		Offsets:       postgres.OffsetView,
		FromOffset:    postgres.FromOffset,
		Build: func(name string, cfg map[string]string, _ *slog.Logger) (runtime.Source, error) {
			c, err := postgres.ParseConfig(name, cfg)
			if err != nil {
				return nil, err
			}
			return pgSource{postgres.NewSource(c, pgLog.With("connector", name))}, nil
		},
	}, {
		Class:         mysql.MySQLClass,
		Aliases:       []string{"mysql"},
		Version:       Version,
		TaskClass:     "io.debezium.connector.mysql.MySqlConnectorTask",
		ConnectorName: "mysql",
		Defs:          mysql.ConfigDefs(false),
		Keys:          mysql.ConfigKeys,
		Unused:        mysql.UnusedKeys,
		Secrets:       mysql.PasswordKeys,
		Offsets:       mysql.OffsetView,
		FromOffset:    mysql.FromOffset,
		Build:         buildMySQL,
	}, {
		Class:         mysql.MariaDBClass,
		Aliases:       []string{"mariadb"},
		Version:       Version,
		TaskClass:     "io.debezium.connector.mariadb.MariaDbConnectorTask",
		ConnectorName: "mariadb",
		Defs:          mysql.ConfigDefs(true),
		Keys:          mysql.ConfigKeys,
		Unused:        mysql.UnusedKeys,
		Secrets:       mysql.PasswordKeys,
		Offsets:       mysql.OffsetView,
		FromOffset:    mysql.FromOffset,
		Build:         buildMySQL,
	}}
}

// pgSource adapts the Postgres source's concrete stream to runtime.Source.
type pgSource struct{ s *postgres.Source }

func (p pgSource) Open(ctx context.Context, cp *change.Position) (runtime.Stream, error) {
	st, err := p.s.Open(ctx, cp)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// mySource adapts the MySQL/MariaDB source's concrete stream to runtime.Source.
type mySource struct{ s *mysql.Source }

func (m mySource) Open(ctx context.Context, cp *change.Position) (runtime.Stream, error) {
	st, err := m.s.Open(ctx, cp)
	if err != nil {
		return nil, err
	}
	return st, nil
}
