package runtime

import (
	"context"
	"testing"
)

// Save makes memSink an offsets.Store that PATCH .../offsets can write.
func (m *memSink) Save(_ context.Context, _ string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoints = append(m.checkpoints, value)
	return nil
}

func TestConnectOffsetKey(t *testing.T) {
	for _, c := range []struct {
		key  string
		want bool
	}{
		{`["pg1",{"server":"app"}]`, true},
		{`[ "pg1" , { "server" : "app" } ]`, true},
		{`["pg2",{"server":"app"}]`, false},
		{`["pg1",{"server":"app2"}]`, false},
		{`["pg1",{"server":"app","other":1}]`, false},
		{`["pg1"]`, false},
		{`pg1`, false},
		{`{"server":"app"}`, false},
	} {
		if got := connectOffsetKey([]byte(c.key), "pg1", "app"); got != c.want {
			t.Errorf("connectOffsetKey(%s) = %v, want %v", c.key, got, c.want)
		}
	}
}
