package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/sinks"
)

// TestSaveDiskFull checks that a full data directory refuses a change with
// 507 and a message that names the directory and the fix, changes nothing,
// and that the same change works once there is room again. /dev/full
// stands in for the full disk: connectors.json.tmp is a link to it.
func TestSaveDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	src := &scriptedSource{events: positions(3), failAt: -1}
	sink := &memSink{src: src}
	s := NewSupervisor(SupervisorOptions{
		DataDir: dir, WorkerID: "127.0.0.1:8083",
		Plugins: []Plugin{testPlugin(src)},
		NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
		Offsets: sink,
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	ctx := context.Background()
	if _, err := s.Create(ctx, "c", map[string]string{"connector.class": "test", "topic.prefix": "p"}, ""); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "connectors.json"))
	tmp := filepath.Join(dir, "connectors.json.tmp")
	if err := os.Symlink("/dev/full", tmp); err != nil {
		t.Fatal(err)
	}
	err := s.Pause(ctx, "c")
	if err == nil || rest.StatusOf(err) != 507 || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "free space") {
		t.Fatalf("pause with the disk full: %v (status %d), want 507 naming %s and the fix", err, rest.StatusOf(err), dir)
	}
	if st, _ := s.Status("c"); st.Connector.State == StatePaused {
		t.Errorf("the refused pause paused the connector")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "connectors.json")); string(after) != string(before) {
		t.Errorf("connectors.json changed by a refused pause")
	}
	if _, err := os.Lstat(tmp); !os.IsNotExist(err) {
		t.Errorf("the half-written %s is left: %v", tmp, err)
	}
	// Room again (the link is gone): the same request works.
	if err := s.Pause(ctx, "c"); err != nil {
		t.Fatalf("pause with room again: %v", err)
	}
	if st, _ := s.Status("c"); st.Connector.State != StatePaused {
		t.Errorf("state %s after the pause", st.Connector.State)
	}
}
