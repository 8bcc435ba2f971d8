package main

import "context"

// EstimateRows gives the runtime the Postgres source's row estimates
// (runtime.RowEstimator), for the snapshot progress.
func (p pgSource) EstimateRows(ctx context.Context, tables []string) (map[string]int64, error) {
	return p.s.EstimateRows(ctx, tables)
}

// EstimateRows gives the runtime the MySQL/MariaDB source's row estimates
// (runtime.RowEstimator), for the snapshot progress.
func (m mySource) EstimateRows(ctx context.Context, tables []string) (map[string]int64, error) {
	return m.s.EstimateRows(ctx, tables)
}
