package cluster

import "errors"

var (
	// ErrConfig is wrapped by every error NewMember returns for a bad Config.
	ErrConfig = errors.New("cluster: invalid member config")
	// ErrProtocol is wrapped when a member's or the leader's message cannot
	// be decoded or has an unknown version (a worker of another version, or
	// not a sluice worker, in the group).
	ErrProtocol = errors.New("cluster: bad group protocol message")
)
