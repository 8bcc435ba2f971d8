package main

import (
	"context"
	"log/slog"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/postgres"
	"github.com/sluicecdc/sluice/connectors/runtime"
)

// plugins lists the connector classes this build of sluice runs.
func plugins() []runtime.Plugin {
	return []runtime.Plugin{{
		Class:   "io.debezium.connector.postgresql.PostgresConnector",
		Aliases: []string{"postgres", "postgresql"},
		Version: Version,
		Keys:    postgres.ConfigKeys,
		Secrets: postgres.PasswordKeys,
		Build: func(name string, cfg map[string]string, log *slog.Logger) (runtime.Source, error) {
			c, err := postgres.ParseConfig(name, cfg)
			if err != nil {
				return nil, err
			}
			return pgSource{postgres.NewSource(c, log)}, nil
		},
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
