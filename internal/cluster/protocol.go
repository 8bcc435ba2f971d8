package cluster

import (
	"encoding/json"
	"fmt"
)

// ProtocolType is the JoinGroup protocol type of sluice workers. The
// coordinator refuses (INCONSISTENT_GROUP_PROTOCOL) a member of another
// type, so a consumer or a Kafka Connect worker ("connect") cannot join a
// sluice group by mistake.
const ProtocolType = "sluice"

// ProtocolV1 is the name of the one assignment protocol a member offers;
// the name carries the version of the metadata and assignment below. A
// later version is offered first, with v1 after it, so the coordinator
// picks the newest one every member supports.
const ProtocolV1 = "sluice-v1"

// memberMeta is a member's JoinGroup metadata (JSON).
type memberMeta struct {
	Version  int      `json:"version"`
	WorkerID string   `json:"worker_id"`
	Owned    []string `json:"owned"`
	// Generation in which the member was given Owned.
	Generation int32 `json:"generation"`
}

// memberAssignment is what the leader sends each member in SyncGroup (JSON).
type memberAssignment struct {
	Version    int      `json:"version"`
	Leader     string   `json:"leader"`
	LeaderURL  string   `json:"leader_url"`
	Connectors []string `json:"connectors"`
}

func decodeMeta(b []byte) (memberMeta, error) {
	var m memberMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: member metadata: %v", ErrProtocol, err)
	}
	if m.Version != 1 {
		return m, fmt.Errorf("%w: member metadata version %d, want 1", ErrProtocol, m.Version)
	}
	return m, nil
}

func decodeAssignment(b []byte) (memberAssignment, error) {
	var a memberAssignment
	if len(b) == 0 {
		// The coordinator sends an empty assignment to a member the
		// leader did not mention; treat it as "nothing".
		return memberAssignment{Version: 1}, nil
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("%w: assignment: %v", ErrProtocol, err)
	}
	if a.Version != 1 {
		return a, fmt.Errorf("%w: assignment version %d, want 1", ErrProtocol, a.Version)
	}
	return a, nil
}
