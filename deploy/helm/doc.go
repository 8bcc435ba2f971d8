// Package helm holds the tests of the Helm chart in deploy/helm/sluice: they
// render it with a real helm binary (SLUICE_HELM; make test-helm builds one
// from helm's Go module, outside sluice's go.mod) and check the objects a
// cluster would get: one replica recreated, never two; the probes on the
// REST port; the data dir on its claim; the Secret-backed config providers;
// the ServiceMonitor only when asked for; and the refusals, distributed mode
// first, which sluice does not have yet. With a sluice binary (SLUICE_BIN;
// make test-packaging) they also start sluice with the environment the chart
// renders, every option set, and check that it runs and answers as the probes,
// the scrape and an API client expect.
package helm
