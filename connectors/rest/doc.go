// Package rest serves sluice's Kafka Connect-compatible REST API over a
// Manager, the runtime's supervisor. It owns HTTP only: routing, decoding and
// checking request bodies, status codes, and the JSON bodies Kafka Connect
// answers (ConnectorInfo, status, ConfigInfos, the error body
// {"error_code":<status>,"message":"..."}). Running connectors, their
// configs and the wording of their errors belong to the Manager, which
// returns connerr errors (not found, exists, invalid config, not ready, bad
// request); the handler decides their statuses (StatusOf) and answers any
// other error as a 500.
//
// The REST layer decides these answers itself:
//
//   - unknown path: 404 "HTTP 404 Not Found"; known path, wrong method: 405
//     "HTTP 405 Method Not Allowed" with an Allow header (Kafka Connect's
//     JAX-RS texts). One trailing slash is ignored (POST /connectors/ works).
//   - a Content-Type other than JSON on a /connectors, /connector-plugins
//     or /admin/loggers endpoint (text/plain, or the form type curl -d sends
//     without -H): 415 "HTTP 415 Unsupported Media Type", whatever the
//     method, as Kafka Connect answers it, followed by the header to send;
//     no Content-Type is accepted.
//   - body over MaxBodyBytes: 413; empty body, malformed JSON (with line and
//     column), a JSON type that does not fit, unknown fields in a create
//     request: 400. Kafka Connect's status for malformed JSON is unverified;
//     sluice answers 400.
//   - config values: Kafka Connect takes strings only; sluice also takes
//     numbers and booleans as their JSON text, and answers 400 naming every
//     key whose value is null, an object or an array.
//   - PATCH of a config (Kafka Connect 3.8+): a null value removes its key;
//     the patched config is checked as PUT's is, and the Manager makes the
//     read and the write one step. A patch that renames the connector or
//     removes its "name" is a 400 (Kafka Connect 4.3.0, measured, stores the
//     other name under the old connector, or answers 500).
//   - POST /connectors without "name" or "config", or with an initial_state
//     other than RUNNING, PAUSED, STOPPED: 400. The name is trimmed.
//   - a config "name" other than the connector's: 400 "Connector name
//     configuration (a) doesn't match connector name in the URL (b)"; no
//     connector.class: 400 "Connector config {…} contains no connector type"
//     (the config in Java's Map.toString form, keys sorted, secrets hidden),
//     followed by the key to set. A connector name with a control character:
//     400, as Kafka Connect's name validator answers.
//   - restart's includeTasks and onlyFailed other than true or false: 400
//     naming the parameter (Kafka Connect reads them as false).
//   - validate: 400 "Included connector type A does not match request type
//     B" when connector.class does not end with the plugin name (a trailing
//     "Connector" ignored on both).
//   - task endpoints map the Manager's 404 to Kafka Connect's task messages:
//     "No status found for task X-0", "Unknown connector: X", "Unknown task:
//     X-0"; a task id that is not an integer is 404 "HTTP 404 Not Found".
//   - Kafka Connect 4.3's other endpoints: GET /health (Options.Health),
//     GET|PUT /admin/loggers (Options.Loggers; an unknown level is 404
//     "invalid log level 'X'.", as Kafka Connect answers it, then the levels
//     to use), GET
//     /connectors/{name}/topics and PUT .../topics/reset (an unknown
//     connector has no topics: 200 and 202, not 404), GET
//     /connector-plugins/{plugin}/config. A create answers "tasks": [];
//     GET / reports the Kafka Connect version whose API this is
//     (ConnectVersion) and sluice's own as sluice_version.
//
// Request bodies are never logged: they hold passwords. Each request is
// logged at Debug with method, path, status and duration.
package rest
