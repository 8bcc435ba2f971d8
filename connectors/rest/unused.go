package rest

import "net/http"

// UnusedKey is a key of a connector's config that sluice accepts without
// using it, with the reason.
type UnusedKey struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// unusedKeys is GET /connectors/{name}/unused-keys, an endpoint of sluice's
// own (Kafka Connect has none): the keys of the connector's config that do
// nothing in sluice, each with the reason, sorted by key. Kafka Connect's
// status body is left as Connect shapes it, since clients parse it with
// exactly its fields.
func (h *handler) unusedKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := h.m.UnusedKeys(r.PathValue("name"))
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []UnusedKey{}
	}
	writeJSON(w, http.StatusOK, keys)
	return nil
}
