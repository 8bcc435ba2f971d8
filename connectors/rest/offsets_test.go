package rest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOffsetsEndpoints(t *testing.T) {
	m := newFakeManager()
	h := NewHandler(m, Options{})
	do := func(method, path string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w.Code, w.Body.String()
	}
	if code, body := do("GET", "/connectors/pg1/offsets"); code != 200 || body != `{"offsets":[{"partition":{"server":"app"},"offset":{"lsn":42}}]}` {
		t.Errorf("GET offsets = %d %s", code, body)
	}
	if code, body := do("GET", "/connectors/nope/offsets"); code != 404 || !strings.Contains(body, "Connector nope not found") {
		t.Errorf("GET offsets of unknown = %d %s", code, body)
	}
	if code, body := do("DELETE", "/connectors/pg1/offsets"); code != 400 || !strings.Contains(body, "STOPPED state") {
		t.Errorf("DELETE offsets of running = %d %s", code, body)
	}
	if code, _ := do("PUT", "/connectors/pg1/stop"); code != http.StatusNoContent {
		t.Fatalf("stop = %d", code)
	}
	if code, body := do("DELETE", "/connectors/pg1/offsets"); code != 200 || !strings.Contains(body, "have been reset successfully") {
		t.Errorf("DELETE offsets of stopped = %d %s", code, body)
	}
}
