package store

import "errors"

var (
	// ErrConfig is wrapped by every error Open* returns for bad options.
	ErrConfig = errors.New("store: invalid options")
	// ErrTopicLayout is wrapped when an existing topic cannot hold the
	// store: more than one partition for the config topic, or a
	// cleanup.policy other than compact. Not retryable: the error says
	// which topic to create or which setting to change.
	ErrTopicLayout = errors.New("store: topic layout unusable")
	// ErrReadOnly is returned by every write on a store opened ReadOnly.
	ErrReadOnly = errors.New("store: opened read-only")
	// ErrClosed is returned by calls made after Close, and by waits that
	// Close interrupted.
	ErrClosed = errors.New("store: closed")
)
