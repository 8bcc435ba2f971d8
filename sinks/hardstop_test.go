package sinks

import (
	"context"
	"testing"
	"time"
)

func TestDetachOutlivesCancelButNotHardStop(t *testing.T) {
	hard, hardStop := context.WithCancel(context.Background())
	run, stop := context.WithCancel(WithHardStop(context.Background(), hard))
	d, cancel := Detach(run)
	defer cancel()
	stop()
	select {
	case <-d.Done():
		t.Fatal("the detached context ended with the run's cancellation")
	case <-time.After(20 * time.Millisecond):
	}
	hardStop()
	select {
	case <-d.Done():
	case <-time.After(time.Second):
		t.Fatal("the detached context did not end with the hard stop")
	}

	// Without a hard stop, only its own cancel ends it.
	plain, plainStop := context.WithCancel(context.Background())
	d2, cancel2 := Detach(plain)
	plainStop()
	if d2.Err() != nil {
		t.Fatal("a detached context without a hard stop ended with its parent")
	}
	cancel2()
	if d2.Err() == nil {
		t.Fatal("cancel did not end it")
	}
}
