package main

import (
	"context"
	"log/slog"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/mysql"
	"github.com/sluicecdc/sluice/connectors/postgres"
	"github.com/sluicecdc/sluice/connectors/runtime"
)

// plugins lists the connector classes this build of sluice runs.
func plugins() []runtime.Plugin {
	buildMySQL := func(name string, cfg map[string]string, log *slog.Logger) (runtime.Source, error) {
		c, err := mysql.ParseConfig(name, cfg)
		if err != nil {
			return nil, err
		}
		return mySource{mysql.NewSource(c, log)}, nil
	}
	return []runtime.Plugin{{
		Class:         "io.debezium.connector.postgresql.PostgresConnector",
		Aliases:       []string{"postgres", "postgresql"},
		Version:       Version,
		ConnectorName: "postgresql",
		Keys:          postgres.ConfigKeys,
		Secrets:       postgres.PasswordKeys,
		Build: func(name string, cfg map[string]string, log *slog.Logger) (runtime.Source, error) {
			c, err := postgres.ParseConfig(name, cfg)
			if err != nil {
				return nil, err
			}
			return pgSource{postgres.NewSource(c, log)}, nil
		},
	}, {
		Class:         mysql.MySQLClass,
		Aliases:       []string{"mysql"},
		Version:       Version,
		ConnectorName: "mysql",
		Keys:          mysql.ConfigKeys,
		Secrets:       mysql.PasswordKeys,
		Offsets:       mysql.OffsetView,
		Build:         buildMySQL,
	}, {
		Class:         mysql.MariaDBClass,
		Aliases:       []string{"mariadb"},
		Version:       Version,
		ConnectorName: "mariadb",
		Keys:          mysql.ConfigKeys,
		Secrets:       mysql.PasswordKeys,
		Offsets:       mysql.OffsetView,
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
