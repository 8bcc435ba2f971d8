package rest

import (
	"context"
	"net/http"
)

// AsyncAPIFunc returns the AsyncAPI document (a JSON value) of the named
// connectors, or of every connector when names is nil; YAML turns such a
// value into YAML.
type AsyncAPIFunc func(ctx context.Context, names []string) (any, error)

// asyncapi is GET /connectors/{name}/asyncapi: the connector's AsyncAPI
// document, JSON or (format=yaml) YAML. An unknown connector is 404.
func (h *handler) asyncapi(w http.ResponseWriter, r *http.Request) error {
	return h.serveAsyncAPI(w, r, []string{r.PathValue("name")})
}

// asyncapiAll is GET /asyncapi: one document for every connector.
func (h *handler) asyncapiAll(w http.ResponseWriter, r *http.Request) error {
	return h.serveAsyncAPI(w, r, nil)
}

func (h *handler) serveAsyncAPI(w http.ResponseWriter, r *http.Request, names []string) error {
	if h.o.AsyncAPI == nil || h.o.YAML == nil {
		return Errorf(http.StatusNotFound, "this worker serves no AsyncAPI documents")
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "yaml" {
		return Errorf(http.StatusBadRequest, "format %q is not known: use format=json (the default) or format=yaml", format)
	}
	doc, err := h.o.AsyncAPI(r.Context(), names)
	if err != nil {
		return err
	}
	if format != "yaml" {
		writeJSON(w, http.StatusOK, doc)
		return nil
	}
	b, err := h.o.YAML(doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}
