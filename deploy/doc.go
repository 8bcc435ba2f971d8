// Package deploy holds what installs sluice: the container image
// (Dockerfile), the systemd unit (sluice.service), the Helm chart
// (helm/sluice), the Grafana dashboard (grafana) and example connector
// configs (examples). Its tests check the packaging: the Dockerfile's image
// builds and starts when a container runtime answers, and otherwise its build
// step, run as written, gives a static binary that starts as the image
// would; make build's binary is static; the systemd unit verifies.
package deploy
