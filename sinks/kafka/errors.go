package kafka

import "errors"

// ErrFenced means another instance of the same connector started a producer
// with the same transactional.id: this instance must stop. It is terminal.
var ErrFenced = errors.New("fenced: another sluice instance is running this connector (same transactional.id); stop one of them")
