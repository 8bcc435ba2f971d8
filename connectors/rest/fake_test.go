package rest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/sluicecdc/sluice/connectors/connerr"
)

// fakeConnector is one connector of fakeManager.
type fakeConnector struct {
	config    map[string]string
	state     string // connector state
	taskState string // state of task 0; "" means no task
	trace     string // task trace
}

// fakeManager is an in-memory Manager. It answers unknown connectors with
// the exact messages of Kafka Connect (REFERENCE §1), as the runtime's
// supervisor must.
type fakeManager struct {
	mu         sync.Mutex
	connectors map[string]*fakeConnector
	// problems is what Validate returns and, when non-empty, makes Create
	// and PutConfig fail with InvalidConfigError.
	problems map[string][]string
	// fail makes the named method return the error.
	fail map[string]error
	// calls records mutating calls, e.g. "Restart pg1".
	calls []string
	// validated is the last Validate call's arguments.
	validatedClass  string
	validatedConfig map[string]string
	// createdState is the initialState of the last Create.
	createdState string
	// statusOverride, when set for a connector, is what Status returns.
	statusOverride map[string]ConnectorStatus
	// ctxSeen counts mutating calls that got a non-nil context.
	ctxSeen int
	// topics are the active topics by connector.
	topics map[string][]string
	// altered is what the last AlterOffsets got.
	altered []PartitionOffset
}

func newFakeManager() *fakeManager {
	return &fakeManager{
		connectors: map[string]*fakeConnector{
			"pg1": {
				config: map[string]string{
					"connector.class":   "io.debezium.connector.postgresql.PostgresConnector",
					"database.hostname": "db",
					"database.password": "s3cret",
					"name":              "pg1",
					"topic.prefix":      "app",
				},
				state:     "RUNNING",
				taskState: "RUNNING",
			},
			"my1": {
				config: map[string]string{
					"connector.class": "io.debezium.connector.mysql.MySqlConnector",
					"name":            "my1",
					"topic.prefix":    "m",
				},
				state:     "RUNNING",
				taskState: "FAILED",
				trace:     "boom",
			},
		},
		fail:   map[string]error{},
		topics: map[string][]string{"pg1": {"app.public.a", "app.public.b"}},
	}
}

func notFound(format string, args ...any) error {
	return connerr.New(connerr.ErrNotFound, format, args...)
}

func (f *fakeManager) record(ctx context.Context, call string) {
	if ctx != nil {
		f.ctxSeen++
	}
	f.calls = append(f.calls, call)
}

// hidden returns a copy of c as stored: the Manager returns configs as
// Kafka Connect does, passwords included.
func hidden(c map[string]string) map[string]string {
	return maps.Clone(c)
}

func (f *fakeManager) Names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Map order: unordered, as Kafka Connect's list is.
	return slices.Collect(maps.Keys(f.connectors))
}

func (f *fakeManager) Plugins() []PluginInfo {
	return []PluginInfo{
		{Class: "io.debezium.connector.mysql.MySqlConnector", Type: "source", Version: "0.1.0"},
		{Class: "io.debezium.connector.postgresql.PostgresConnector", Type: "source", Version: "0.1.0"},
		{Class: "org.apache.kafka.connect.json.JsonConverter", Type: "converter", Version: "4.3.0"},
		{Class: "io.example.AvroConverter", Type: "converter"},
		{Class: "io.example.Sink", Type: "sink", Version: "2"},
	}
}

func (f *fakeManager) infoLocked(name string) ConnectorInfo {
	c := f.connectors[name]
	info := ConnectorInfo{Name: name, Config: hidden(c.config), Type: "source"}
	if c.taskState != "" {
		info.Tasks = []TaskID{{Connector: name, Task: 0}}
	}
	return info
}

func (f *fakeManager) Create(ctx context.Context, name string, config map[string]string, initialState string) (ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "Create "+name)
	if err := f.fail["Create"]; err != nil {
		return ConnectorInfo{}, err
	}
	if _, ok := f.connectors[name]; ok {
		return ConnectorInfo{}, connerr.New(connerr.ErrExists, "Connector %s already exists", name)
	}
	if err := connerr.InvalidConfig(f.problems); err != nil {
		return ConnectorInfo{}, err
	}
	f.createdState = initialState
	state := initialState
	if state == "" {
		state = "RUNNING"
	}
	c := &fakeConnector{config: maps.Clone(config), state: state, taskState: state}
	if state == "STOPPED" {
		c.taskState = ""
	}
	f.connectors[name] = c
	// Like the runtime's supervisor, the fake reports the task it will run;
	// the handler answers a create with no tasks, as Kafka Connect does.
	return ConnectorInfo{Name: name, Config: hidden(config), Tasks: []TaskID{{Connector: name, Task: 0}}, Type: "source"}, nil
}

func (f *fakeManager) Info(name string) (ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Info"]; err != nil {
		return ConnectorInfo{}, err
	}
	if _, ok := f.connectors[name]; !ok {
		return ConnectorInfo{}, notFound("Connector %s not found", name)
	}
	return f.infoLocked(name), nil
}

func (f *fakeManager) Config(name string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.connectors[name]
	if !ok {
		return nil, notFound("Connector %s not found", name)
	}
	return hidden(c.config), nil
}

func (f *fakeManager) PutConfig(ctx context.Context, name string, config map[string]string) (ConnectorInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "PutConfig "+name)
	if err := connerr.InvalidConfig(f.problems); err != nil {
		return ConnectorInfo{}, false, err
	}
	c, ok := f.connectors[name]
	if ok {
		c.config = maps.Clone(config)
		return f.infoLocked(name), false, nil
	}
	f.connectors[name] = &fakeConnector{config: maps.Clone(config), state: "RUNNING", taskState: "RUNNING"}
	return ConnectorInfo{Name: name, Config: hidden(config), Tasks: []TaskID{{Connector: name, Task: 0}}, Type: "source"}, true, nil
}

func (f *fakeManager) PatchConfig(ctx context.Context, name string, patch func(map[string]string) (map[string]string, error)) (ConnectorInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "PatchConfig "+name)
	if err := f.fail["PatchConfig"]; err != nil {
		return ConnectorInfo{}, err
	}
	c, ok := f.connectors[name]
	if !ok {
		return ConnectorInfo{}, notFound("Connector %s not found", name)
	}
	config, err := patch(maps.Clone(c.config))
	if err != nil {
		return ConnectorInfo{}, err
	}
	if err := connerr.InvalidConfig(f.problems); err != nil {
		return ConnectorInfo{}, err
	}
	c.config = config
	return f.infoLocked(name), nil
}

func (f *fakeManager) Delete(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "Delete "+name)
	if _, ok := f.connectors[name]; !ok {
		return notFound("Connector %s not found", name)
	}
	delete(f.connectors, name)
	return nil
}

func (f *fakeManager) Status(name string) (ConnectorStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Status"]; err != nil {
		return ConnectorStatus{}, err
	}
	c, ok := f.connectors[name]
	if !ok {
		return ConnectorStatus{}, notFound("No status found for connector %s", name)
	}
	if s, ok := f.statusOverride[name]; ok {
		return s, nil
	}
	s := ConnectorStatus{Name: name, Connector: State{State: c.state}, Type: "source"}
	if c.taskState != "" {
		s.Tasks = []TaskState{{ID: 0, State: State{State: c.taskState, Trace: c.trace}}}
	}
	return s, nil
}

func (f *fakeManager) setState(ctx context.Context, verb, name, state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, verb+" "+name)
	c, ok := f.connectors[name]
	if !ok {
		return notFound("Unknown connector %s", name)
	}
	c.state = state
	if c.taskState != "" {
		c.taskState = state
	}
	return nil
}

func (f *fakeManager) Pause(ctx context.Context, name string) error {
	return f.setState(ctx, "Pause", name, "PAUSED")
}

func (f *fakeManager) Resume(ctx context.Context, name string) error {
	return f.setState(ctx, "Resume", name, "RUNNING")
}

func (f *fakeManager) Stop(ctx context.Context, name string) error {
	return f.setState(ctx, "Stop", name, "STOPPED")
}

func (f *fakeManager) Restart(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "Restart "+name)
	if err := f.fail["Restart"]; err != nil {
		return err
	}
	c, ok := f.connectors[name]
	if !ok {
		return notFound("Unknown connector: %s", name)
	}
	c.state = "RUNNING"
	if c.taskState != "" {
		c.taskState = "RUNNING"
		c.trace = ""
	}
	return nil
}

func (f *fakeManager) Validate(class string, config map[string]string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Validate"]; err != nil {
		return nil, err
	}
	f.validatedClass = class
	f.validatedConfig = maps.Clone(config)
	return f.problems, nil
}

func (f *fakeManager) ClusterID() string { return "Ab12cluster" }

// codedError is an error with a StatusCode method that is not *Error, to
// show the handler relies on the method only.
type codedError struct{ code int }

func (e codedError) Error() string   { return fmt.Sprintf("coded %d", e.code) }
func (e codedError) StatusCode() int { return e.code }

var _ Manager = (*fakeManager)(nil)

func (f *fakeManager) Offsets(_ context.Context, name string) (ConnectorOffsets, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.connectors[name]
	if !ok {
		return ConnectorOffsets{}, notFound("Connector %s not found", name)
	}
	return ConnectorOffsets{Offsets: []PartitionOffset{{
		Partition: map[string]any{"server": c.config["topic.prefix"]},
		Offset:    map[string]any{"lsn": 42},
	}}}, nil
}

func (f *fakeManager) ResetOffsets(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "ResetOffsets "+name)
	c, ok := f.connectors[name]
	if !ok {
		return notFound("Connector %s not found", name)
	}
	if c.state != "STOPPED" {
		return connerr.New(connerr.ErrBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
	}
	return nil
}

// fakeTaskClasses are the task classes fakeManager reports by connector class.
var fakeTaskClasses = map[string]string{
	"io.debezium.connector.postgresql.PostgresConnector": "io.debezium.connector.postgresql.PostgresConnectorTask",
	"io.debezium.connector.mysql.MySqlConnector":         "io.debezium.connector.mysql.MySqlConnectorTask",
}

func (f *fakeManager) Tasks(name string) ([]TaskInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Tasks"]; err != nil {
		return nil, err
	}
	c, ok := f.connectors[name]
	if !ok {
		return nil, notFound("Connector %s not found", name)
	}
	info := f.infoLocked(name)
	var out []TaskInfo
	for _, id := range info.Tasks {
		cfg := hidden(c.config)
		cfg["task.class"] = fakeTaskClasses[c.config["connector.class"]]
		out = append(out, TaskInfo{ID: id, Config: cfg})
	}
	return out, nil
}

func (f *fakeManager) UnusedKeys(name string) ([]UnusedKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["UnusedKeys"]; err != nil {
		return nil, err
	}
	if _, ok := f.connectors[name]; !ok {
		return nil, notFound("Connector %s not found", name)
	}
	return []UnusedKey{{Key: "database.server.name", Reason: "use topic.prefix"}}, nil
}

func (f *fakeManager) Topics(name string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Topics"]; err != nil {
		return nil, err
	}
	return slices.Clone(f.topics[name]), nil
}

func (f *fakeManager) ResetTopics(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "ResetTopics "+name)
	if err := f.fail["ResetTopics"]; err != nil {
		return err
	}
	delete(f.topics, name)
	return nil
}

func (f *fakeManager) PluginConfig(plugin string) ([]ConfigKeyInfo, error) {
	switch plugin {
	case "io.debezium.connector.postgresql.PostgresConnector", "PostgresConnector", "Postgres":
		group, common := "CONNECTION", "Common"
		def, one := "5432", "1"
		return []ConfigKeyInfo{
			{Name: "database.hostname", Type: "STRING", Importance: "HIGH", Documentation: "Host.", Group: &group, OrderInGroup: 1,
				Width: "MEDIUM", DisplayName: "Hostname"},
			{Name: "database.port", Type: "INT", DefaultValue: &def, Importance: "HIGH", Documentation: "Port.", Group: &group,
				OrderInGroup: 2, Width: "SHORT", DisplayName: "Port", Dependents: []string{"database.hostname"}},
			{Name: "name", Type: "STRING", Required: true, Importance: "HIGH", Group: &common, OrderInGroup: 1, Width: "MEDIUM", DisplayName: "Connector name"},
			{Name: "tasks.max", Type: "INT", DefaultValue: &one, Importance: "HIGH", Group: &common, OrderInGroup: 4, Width: "SHORT", DisplayName: "Tasks max"},
		}, nil
	}
	return nil, notFound("Unknown plugin %s.", plugin)
}

func (f *fakeManager) AlterOffsets(ctx context.Context, name string, offsets []PartitionOffset) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "AlterOffsets "+name)
	c, ok := f.connectors[name]
	if !ok {
		return notFound("Connector %s not found", name)
	}
	if c.state != "STOPPED" {
		return connerr.New(connerr.ErrBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
	}
	f.altered = offsets
	return nil
}

func (f *fakeManager) Signal(ctx context.Context, name string, s Signal) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(ctx, "Signal "+name+" "+s.ID+" "+s.Type+" "+string(s.Data))
	if err := f.fail["Signal"]; err != nil {
		return "", err
	}
	c, ok := f.connectors[name]
	if !ok {
		return "", notFound("Connector %s not found", name)
	}
	return c.config["topic.prefix"] + "-signals", nil
}
