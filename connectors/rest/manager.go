package rest

import "context"

// Manager runs the connectors the REST API registers. The runtime's
// supervisor implements it; tests may use an in-memory one.
//
// Errors that a user caused are connerr errors, which the handler answers
// with the status StatusOf maps their kind to and their Error() text as the
// message (for example connerr.ErrNotFound: 404 "Connector pg1 not found";
// connerr.ErrExists: 409 "Connector pg1 already exists";
// *connerr.InvalidConfigError: 400); any other error is a 500.
type Manager interface {
	// Names lists the registered connectors.
	Names() []string
	// Plugins lists the connector classes the daemon can run and the other
	// plugins it has (converters), which GET /connector-plugins shows with
	// ?connectorsOnly=false.
	Plugins() []PluginInfo
	// Create registers and starts a connector in initialState ("" means
	// RUNNING). It fails with 409 if the name is taken and 400 if the config
	// is invalid.
	Create(ctx context.Context, name string, config map[string]string, initialState string) (ConnectorInfo, error)
	// Info returns a connector's name, config (as stored) and tasks.
	Info(name string) (ConnectorInfo, error)
	// Config returns a connector's config as stored: config provider
	// placeholders unresolved, passwords as sent, as Kafka Connect returns
	// it. PutConfig with an identical config changes and restarts nothing.
	Config(name string) (map[string]string, error)
	// PutConfig creates the connector (created true) or replaces its config
	// and restarts it.
	PutConfig(ctx context.Context, name string, config map[string]string) (info ConnectorInfo, created bool, err error)
	// PatchConfig reconfigures a connector with the config patch makes of
	// its stored one (a copy), checked and applied as PutConfig does. It
	// never creates a connector: an unknown name is 404. Config writes are
	// made one at a time, so two patches do not lose each other's keys.
	PatchConfig(ctx context.Context, name string, patch func(stored map[string]string) (map[string]string, error)) (ConnectorInfo, error)
	// Delete stops and removes a connector.
	Delete(ctx context.Context, name string) error
	// Status returns the connector's and its task's state.
	Status(name string) (ConnectorStatus, error)
	// Pause, Resume and Stop change the target state of a connector.
	Pause(ctx context.Context, name string) error
	Resume(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error
	// Restart restarts the connector (and its task).
	Restart(ctx context.Context, name string) error
	// Validate checks a config for connector class plugin without creating
	// anything and returns the problems found, keyed by config key ("" for
	// problems that concern no single key).
	Validate(plugin string, config map[string]string) (map[string][]string, error)
	// ClusterID is the Kafka cluster id, for GET /.
	ClusterID() string
	// Offsets returns the connector's committed offsets, Kafka Connect style.
	Offsets(ctx context.Context, name string) (ConnectorOffsets, error)
	// ResetOffsets deletes a STOPPED connector's committed offsets, so its
	// next start begins afresh (with a snapshot when configured). It fails
	// with 400 when the connector is not STOPPED.
	ResetOffsets(ctx context.Context, name string) error
	// AlterOffsets sets a STOPPED connector's offsets, partition by
	// partition (PATCH /connectors/{name}/offsets); an offset of nil resets
	// its partition. It fails with 404 for an unknown connector, with 400
	// when the connector is not STOPPED or an offset cannot be applied.
	AlterOffsets(ctx context.Context, name string, offsets []PartitionOffset) error
	// Tasks returns the configuration of each of a connector's tasks, with
	// the task class under "task.class" as Kafka Connect's worker adds it
	// (as stored, as in Config).
	Tasks(name string) ([]TaskInfo, error)
	// Topics returns the topics a connector has written to since it was
	// created or its topics were last reset (Kafka Connect's active topics).
	// As in Kafka Connect, an unknown connector has none: it is not an
	// error.
	Topics(name string) ([]string, error)
	// ResetTopics empties a connector's active topics; an unknown connector
	// is not an error, as in Kafka Connect.
	ResetTopics(ctx context.Context, name string) error
	// UnusedKeys returns the keys of a connector's config that sluice
	// accepts without using them, each with the reason, sorted by key
	// (404 "Connector X not found" for an unknown connector).
	UnusedKeys(name string) ([]UnusedKey, error)
	// PluginConfig returns the configuration definitions of the connector
	// plugin named by its class or an alias, plugin-specific keys first,
	// then the keys every connector has. An unknown plugin is 404 "Unknown
	// plugin X.".
	PluginConfig(plugin string) ([]ConfigKeyInfo, error)
	// Signal writes a signal to the connector's Kafka signal topic (see
	// Signal) and returns the topic: the connector reads it from there
	// exactly once, as it reads the signals of Debezium's kafka channel. It
	// fails with 404 "Connector X not found" for an unknown connector.
	Signal(ctx context.Context, name string, s Signal) (topic string, err error)
}

// TaskInfo is an entry of GET /connectors/{name}/tasks.
type TaskInfo struct {
	ID     TaskID            `json:"id"`
	Config map[string]string `json:"config"`
}

// ConfigKeyInfo is Kafka Connect's definition of one configuration key, as
// GET /connector-plugins/{plugin}/config lists them and validate answers
// them. DefaultValue is nil for a key without a default (then Required).
// Type is a ConfigDef type (STRING, INT, LONG, DOUBLE, BOOLEAN, LIST, CLASS,
// PASSWORD); Importance HIGH, MEDIUM or LOW; Width NONE, SHORT, MEDIUM or
// LONG.
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	OrderInGroup  int      `json:"order_in_group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
}

// ConnectorOffsets is the body of GET /connectors/{name}/offsets.
type ConnectorOffsets struct {
	Offsets []PartitionOffset `json:"offsets"`
}

// PartitionOffset is one source partition's offset.
type PartitionOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

// PluginInfo describes a plugin, as GET /connector-plugins lists it. Type
// is source, sink, converter, …; a plugin without a version of its own has
// none in the body, as in Kafka Connect.
type PluginInfo struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

// TaskID names a connector's task.
type TaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// ConnectorInfo is Kafka Connect's ConnectorInfo body.
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []TaskID          `json:"tasks"`
	Type   string            `json:"type"`
}

// State is the state of a connector or task with the worker running it.
// Version is the version of the connector plugin that runs it, as GET
// /connector-plugins reports it (Kafka Connect 4.1+ writes it before the
// trace).
type State struct {
	State    string `json:"state"` // UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING, STOPPED
	WorkerID string `json:"worker_id"`
	Version  string `json:"version,omitempty"`
	Trace    string `json:"trace,omitempty"`
}

// TaskState is a task's state in a status body.
type TaskState struct {
	ID int `json:"id"`
	State
	// Snapshot is the task's snapshot progress (a sluice extension).
	Snapshot *SnapshotProgress `json:"snapshot,omitempty"`
}

// ConnectorStatus is Kafka Connect's status body.
type ConnectorStatus struct {
	Name      string      `json:"name"`
	Connector State       `json:"connector"`
	Tasks     []TaskState `json:"tasks"`
	Type      string      `json:"type"`
	// Warnings are what sluice warns of about the connector, each with its
	// fix (the slot guardrail's; a sluice extension, absent when none).
	Warnings []string `json:"warnings,omitempty"`
}
