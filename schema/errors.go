package schema

import "errors"

// Encoding errors. Both are terminal: the event cannot be encoded as it is,
// so retrying the same event fails the same way. They point at a bug in the
// source that built the event, and the message names the table and column.
var (
	// ErrEvent reports an event that is malformed as a whole: no table
	// schema, an unknown op, a missing source schema, or a row whose length
	// does not match the table's columns.
	ErrEvent = errors.New("malformed change event")

	// ErrValue reports a value that does not fit its Connect schema: a Go
	// type that does not match the field's type, a null in a required field
	// without a default, or a schema type the encoder does not support.
	ErrValue = errors.New("value does not match its schema")
)
