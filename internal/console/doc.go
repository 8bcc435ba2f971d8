// Package console serves sluice's web console at /ui: a few static files
// (HTML, CSS and JavaScript, embedded with go:embed, no build step and no
// external links, so it works offline) and the small JSON endpoints under
// /ui/api that the page needs besides the REST API.
//
// The page reads connector states, snapshot progress, warnings and traces
// from the REST API (GET /connectors?expand=status) and changes them with it
// (pause, resume, stop, restart). The console adds what the REST API does not
// answer in a form a page can use:
//
//   - GET /ui/api/overview: per connector its config with secret values
//     replaced by a placeholder (never the stored password), its topics and
//     its lag and counters read from the daemon's Prometheus registry.
//   - GET /ui/api/topics/{topic}/records?limit=N: the latest N committed
//     records of a topic, only of a topic some registered connector writes
//     to, so the console is not a general Kafka reader.
//
// The console is mounted in front of the REST handler (Mount) and behind the
// same authentication, so it needs the same credentials as the REST API.
package console
