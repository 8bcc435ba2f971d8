// Package helm holds the tests of the Helm chart in deploy/helm/sluice: they
// render it with a real helm binary (SLUICE_HELM; make test-helm builds one
// from helm's Go module, outside sluice's go.mod) and check the objects a
// cluster would get: in standalone mode one replica recreated, never two,
// the data dir on its claim; in distributed mode a StatefulSet whose pods
// name themselves to the group by their DNS names under a headless Service,
// the group's settings, a PodDisruptionBudget, no claim; in both the probes
// on the REST port, the Secret-backed config providers, the ServiceMonitor
// only when asked for; and the refusals, each saying what to set. With a
// sluice binary (SLUICE_BIN;
// make test-packaging) they also start sluice with the environment the chart
// renders, every option set, and check that it runs and answers as the probes,
// the scrape and an API client expect.
package helm
