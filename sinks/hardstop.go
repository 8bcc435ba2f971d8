package sinks

import "context"

// A run's context is cancelled to stop it; what is in flight then (a
// commit whose outcome must be known, the commit of what is in hand) goes
// on without that cancellation, bounded by its own timeout. A hard stop
// cuts that short too: a worker that lost a connector to another worker
// (distributed mode) drops it at once, since the new owner's producer
// fences whatever this one still commits and the source must be released
// for the new owner.

type hardStopKey struct{}

// WithHardStop returns ctx carrying hard, whose end is the run's hard
// stop.
func WithHardStop(ctx, hard context.Context) context.Context {
	return context.WithValue(ctx, hardStopKey{}, hard)
}

// Detach returns a context with ctx's values that is not cancelled with
// ctx but is when ctx's hard stop (WithHardStop) ends, if it has one.
// Call cancel when done with it.
func Detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d, cancel := context.WithCancel(context.WithoutCancel(ctx))
	hard, ok := ctx.Value(hardStopKey{}).(context.Context)
	if !ok {
		return d, cancel
	}
	stop := context.AfterFunc(hard, cancel)
	return d, func() { stop(); cancel() }
}
