package console

import "errors"

// ErrUnknownTopic is returned by a RecordReader for a topic Kafka does not
// have (yet): a connector's topic before its first write. The console
// answers it with 404.
var ErrUnknownTopic = errors.New("topic does not exist")
