package rest

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The Kafka Connect release whose REST API sluice implements, as GET /
// reports it: tools read "version" to decide which endpoints exist (kcctl,
// for one). The commit is that release's (kafka-version.properties of
// kafka-clients 4.3.0).
const (
	ConnectVersion = "4.3.0"
	ConnectCommit  = "a9ce3221537b8653"
)

// serverInfo is GET /: Kafka Connect's three fields, then sluice's own
// version and commit (clients ignore fields they do not know).
type serverInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
	SluiceVersion  string `json:"sluice_version"`
	SluiceCommit   string `json:"sluice_commit"`
}

func (h *handler) serverInfo(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, serverInfo{
		Version: ConnectVersion, Commit: ConnectCommit, KafkaClusterID: h.m.ClusterID(),
		SluiceVersion: h.o.Version, SluiceCommit: h.o.Commit,
	})
	return nil
}

// list is GET /connectors[?expand=status&expand=info].
func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	names := slices.Sorted(slices.Values(h.m.Names()))
	if names == nil {
		names = []string{}
	}
	expand, ok := r.URL.Query()["expand"]
	if !ok {
		writeJSON(w, http.StatusOK, names)
		return nil
	}
	out := make(map[string]map[string]any, len(names))
	for _, name := range names {
		exp, err := h.expand(name, expand)
		if err != nil {
			if StatusOf(err) == http.StatusNotFound {
				// Removed while we listed: leave it out, as Kafka Connect does.
				continue
			}
			return err
		}
		out[name] = exp
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// expand returns the requested expansions of one connector; unknown
// expansion names are ignored, as Kafka Connect does.
func (h *handler) expand(name string, expand []string) (map[string]any, error) {
	exp := map[string]any{}
	for _, e := range expand {
		switch e {
		case "status":
			s, err := h.m.Status(name)
			if err != nil {
				return nil, err
			}
			exp["status"] = h.fixStatus(s)
		case "info":
			info, err := h.m.Info(name)
			if err != nil {
				return nil, err
			}
			exp["info"] = fixInfo(info)
		}
	}
	return exp, nil
}

// create is POST /connectors.
func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	name, config, state, err := decodeCreateBody(w, r)
	if err != nil {
		return err
	}
	if err := checkAndPutName(name, config); err != nil {
		return err
	}
	if err := checkConnectorClass(config); err != nil {
		return err
	}
	info, err := h.m.Create(r.Context(), name, config, state)
	if err != nil {
		return err
	}
	// Kafka Connect answers a create before it has made the tasks.
	info.Tasks = []TaskID{}
	w.Header().Set("Location", location(name))
	writeJSON(w, http.StatusCreated, fixInfo(info))
	return nil
}

// location is the Location header of a created connector.
func location(name string) string {
	return "/connectors/" + url.PathEscape(name)
}

// info is GET /connectors/{name}.
func (h *handler) info(w http.ResponseWriter, r *http.Request) error {
	info, err := h.m.Info(r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fixInfo(info))
	return nil
}

// delete is DELETE /connectors/{name}.
func (h *handler) delete(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.Delete(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// config is GET /connectors/{name}/config.
func (h *handler) config(w http.ResponseWriter, r *http.Request) error {
	c, err := h.m.Config(r.PathValue("name"))
	if err != nil {
		return err
	}
	if c == nil {
		c = map[string]string{}
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// putConfig is PUT /connectors/{name}/config: 201 and Location when it
// created the connector, 200 when it replaced the config.
func (h *handler) putConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	config, err := decodeConfigBody(w, r)
	if err != nil {
		return err
	}
	if err := checkAndPutName(name, config); err != nil {
		return err
	}
	if err := checkConnectorClass(config); err != nil {
		return err
	}
	info, created, err := h.m.PutConfig(r.Context(), name, config)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		w.Header().Set("Location", location(name))
		status = http.StatusCreated
		// As for POST /connectors: a new connector has no tasks yet.
		info.Tasks = []TaskID{}
	}
	writeJSON(w, status, fixInfo(info))
	return nil
}

// patchConfig is PATCH /connectors/{name}/config (Kafka Connect 3.8+): the
// keys given replace the stored ones, a null removes its key, and the
// result is checked and applied as PUT's; 200 with the connector's info.
func (h *handler) patchConfig(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	patch, err := decodeConfigPatch(w, r)
	if err != nil {
		return err
	}
	info, err := h.m.PatchConfig(r.Context(), name, func(config map[string]string) (map[string]string, error) {
		for k, v := range patch {
			if v == nil {
				delete(config, k)
			} else {
				config[k] = *v
			}
		}
		if err := checkPatchedName(name, patch); err != nil {
			return nil, err
		}
		config[keyName] = name
		return config, checkConnectorClass(config)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fixInfo(info))
	return nil
}

// status is GET /connectors/{name}/status.
func (h *handler) status(w http.ResponseWriter, r *http.Request) error {
	s, err := h.m.Status(r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.fixStatus(s))
	return nil
}

// tasks is GET /connectors/{name}/tasks. A sluice task runs the connector's
// whole config, so each task's config is the connector's plus task.class,
// as Debezium's tasks get it from Kafka Connect.
func (h *handler) tasks(w http.ResponseWriter, r *http.Request) error {
	tasks, err := h.m.Tasks(r.PathValue("name"))
	if err != nil {
		return err
	}
	out := make([]TaskInfo, 0, len(tasks))
	for _, t := range tasks {
		if t.Config == nil {
			t.Config = map[string]string{}
		}
		out = append(out, t)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// activeTopics is a connector's entry in GET /connectors/{name}/topics.
type activeTopics struct {
	Topics []string `json:"topics"`
}

// topics is GET /connectors/{name}/topics: {"<name>":{"topics":[…]}}. As in
// Kafka Connect, an unknown connector answers 200 with no topics.
func (h *handler) topics(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	topics, err := h.m.Topics(name)
	if err != nil {
		return err
	}
	if topics == nil {
		topics = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]activeTopics{name: {Topics: topics}})
	return nil
}

// resetTopics is PUT /connectors/{name}/topics/reset: 202, no body, also for
// an unknown connector, as in Kafka Connect.
func (h *handler) resetTopics(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.ResetTopics(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// taskNumber parses the {task} path value. Like Kafka Connect (JAX-RS), a
// value that is not an integer does not match the route: 404.
func taskNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("task"))
	if err != nil {
		return 0, Errorf(http.StatusNotFound, msgNotFound)
	}
	return n, nil
}

// taskStatus is GET /connectors/{name}/tasks/{task}/status.
func (h *handler) taskStatus(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	n, err := taskNumber(r)
	if err != nil {
		return err
	}
	notFound := Errorf(http.StatusNotFound, "No status found for task %s-%d", name, n)
	s, err := h.m.Status(name)
	if err != nil {
		if StatusOf(err) == http.StatusNotFound {
			return notFound
		}
		return err
	}
	s = h.fixStatus(s)
	for _, t := range s.Tasks {
		if t.ID == n {
			writeJSON(w, http.StatusOK, t)
			return nil
		}
	}
	return notFound
}

// restartTask is POST /connectors/{name}/tasks/{task}/restart. A sluice
// connector and its task are one unit, so this restarts the connector.
func (h *handler) restartTask(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	n, err := taskNumber(r)
	if err != nil {
		return err
	}
	info, err := h.m.Info(name)
	if err != nil {
		if StatusOf(err) == http.StatusNotFound {
			return Errorf(http.StatusNotFound, "Unknown connector: %s", name)
		}
		return err
	}
	if !slices.ContainsFunc(info.Tasks, func(t TaskID) bool { return t.Task == n }) {
		return Errorf(http.StatusNotFound, "Unknown task: %s-%d", name, n)
	}
	if err := h.m.Restart(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pause, resume and stop change the target state: 202, 202, 204, no body.
func (h *handler) pause(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.Pause(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (h *handler) resume(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.Resume(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (h *handler) stop(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.Stop(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// restart is POST /connectors/{name}/restart. Without includeTasks or
// onlyFailed it restarts the connector: 204. With either, it answers 202 and
// the status in which the instances it restarts show RESTARTING: the
// connector unless onlyFailed and it is not FAILED; with includeTasks the
// tasks, with onlyFailed only FAILED ones (Kafka Connect's RestartRequest).
// A sluice connector and its task restart together, so the Manager's
// Restart runs when any instance is to restart; when none is (onlyFailed and
// nothing failed), nothing restarts.
func (h *handler) restart(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	q := r.URL.Query()
	includeTasks, err := boolParam(q, "includeTasks")
	if err != nil {
		return err
	}
	onlyFailed, err := boolParam(q, "onlyFailed")
	if err != nil {
		return err
	}
	if !includeTasks && !onlyFailed {
		if err := h.m.Restart(r.Context(), name); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	s, err := h.m.Status(name)
	if err != nil {
		if StatusOf(err) == http.StatusNotFound {
			return Errorf(http.StatusNotFound, "Unknown connector: %s", name)
		}
		return err
	}
	s = h.fixStatus(s)
	restartAny := false
	if !onlyFailed || s.Connector.State == "FAILED" {
		s.Connector.State = "RESTARTING"
		restartAny = true
	}
	if includeTasks {
		for i := range s.Tasks {
			if !onlyFailed || s.Tasks[i].State.State == "FAILED" {
				s.Tasks[i].State.State = "RESTARTING"
				restartAny = true
			}
		}
	}
	if restartAny {
		if err := h.m.Restart(r.Context(), name); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusAccepted, s)
	return nil
}

// boolParam reads a boolean query parameter: absent or empty is false,
// "true" and "false" in any case are themselves. Anything else is a 400
// naming the parameter: Kafka Connect reads such a value as false, so
// restart?includeTasks=yes would restart the connector alone and answer as
// if it had done what was asked.
func boolParam(q url.Values, key string) (bool, error) {
	v := q.Get(key)
	switch {
	case v == "", strings.EqualFold(v, "false"):
		return false, nil
	case strings.EqualFold(v, "true"):
		return true, nil
	}
	return false, Errorf(http.StatusBadRequest, "Invalid value %s for query parameter %s: use %s=true or %s=false",
		strconv.Quote(v), key, key, key)
}

// healthz is GET /healthz: the process serves.
func (h *handler) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz is GET /readyz: 200 when Options.Ready reports nil, else 503 with
// its message.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request) error {
	if h.o.Ready != nil {
		if err := h.o.Ready(); err != nil {
			return &Error{Status: http.StatusServiceUnavailable, Message: err.Error()}
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// metrics is GET /metrics, served by Options.Metrics.
func (h *handler) metrics(w http.ResponseWriter, r *http.Request) error {
	if h.o.Metrics == nil {
		return Errorf(http.StatusNotFound, msgNotFound)
	}
	h.o.Metrics.ServeHTTP(w, r)
	return nil
}

// fixInfo makes the JSON of a ConnectorInfo match Kafka Connect's: empty
// lists and maps, never null.
func fixInfo(info ConnectorInfo) ConnectorInfo {
	if info.Config == nil {
		info.Config = map[string]string{}
	}
	if info.Tasks == nil {
		info.Tasks = []TaskID{}
	}
	return info
}

// fixStatus fills empty worker ids with Options.WorkerID, sorts tasks by id
// and never answers a null task list. It does not modify s's task slice.
func (h *handler) fixStatus(s ConnectorStatus) ConnectorStatus {
	if s.Connector.WorkerID == "" {
		s.Connector.WorkerID = h.o.WorkerID
	}
	tasks := make([]TaskState, len(s.Tasks))
	copy(tasks, s.Tasks)
	for i := range tasks {
		if tasks[i].WorkerID == "" {
			tasks[i].WorkerID = h.o.WorkerID
		}
	}
	slices.SortFunc(tasks, func(a, b TaskState) int { return cmp.Compare(a.ID, b.ID) })
	s.Tasks = tasks
	return s
}

// offsets is GET /connectors/{name}/offsets.
func (h *handler) offsets(w http.ResponseWriter, r *http.Request) error {
	o, err := h.m.Offsets(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	if o.Offsets == nil {
		o.Offsets = []PartitionOffset{}
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// msgOffsetsReset is Kafka Connect's answer to DELETE .../offsets for a
// source connector that does not manage its offsets externally.
const msgOffsetsReset = "The Connect framework-managed offsets for this connector have been reset successfully. " +
	"However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses."

// resetOffsets is DELETE /connectors/{name}/offsets.
func (h *handler) resetOffsets(w http.ResponseWriter, r *http.Request) error {
	if err := h.m.ResetOffsets(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": msgOffsetsReset})
	return nil
}

// msgOffsetsAltered is Kafka Connect's answer to PATCH .../offsets for a
// source connector that does not manage its offsets externally.
const msgOffsetsAltered = "The Connect framework-managed offsets for this connector have been altered successfully. " +
	"However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."

// alterOffsets is PATCH /connectors/{name}/offsets with Kafka Connect's
// body {"offsets":[{"partition":{…},"offset":{…}|null}]}.
func (h *handler) alterOffsets(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, `send {"offsets":[{"partition":{"server":"<topic.prefix>"},"offset":null}]}`)
	if err != nil {
		return err
	}
	var req struct {
		Offsets []PartitionOffset `json:"offsets"`
	}
	if err := decodeJSON(body, &req, false, ""); err != nil {
		return err
	}
	if len(req.Offsets) == 0 {
		return Errorf(http.StatusBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	for i, o := range req.Offsets {
		if o.Partition == nil {
			return Errorf(http.StatusBadRequest,
				`Source partitions may not be null: entry %d of "offsets" has no "partition"; give each entry the connector's partition, as in {"partition":{"server":"<topic.prefix>"},"offset":null}`, i)
		}
	}
	if err := h.m.AlterOffsets(r.Context(), r.PathValue("name"), req.Offsets); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": msgOffsetsAltered})
	return nil
}
