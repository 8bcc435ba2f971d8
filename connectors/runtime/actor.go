package runtime

import "errors"

// A connector's lifecycle belongs to one goroutine, its actor (serve): it
// owns the connector's run and guard and applies the connector's commands
// (create, pause, resume, stop, restart, reconfigure, delete, the guard's
// trip) one at a time, in the order they arrive. No lock is held while a
// command waits for a run to end, and a command that arrives after a delete
// finds the connector gone: it cannot start a run of a deleted connector.
// What the connector shows (config, target, state, trace, warnings, topics)
// is guarded by the connector's mu, so status reads never wait for a
// command.

// command is a step of a connector's lifecycle, applied by its actor.
type command struct {
	apply func() error
	reply chan error
}

// send has m's actor apply f, after the commands sent before it, and
// returns f's error. It returns errDeleted or errShuttingDown if the actor
// has ended, and stop's closing before f is taken (a nil stop never
// closes) returns errShuttingDown too.
func (m *managed) send(stop <-chan struct{}, f func() error) error {
	c := command{apply: f, reply: make(chan error, 1)}
	select {
	case m.cmds <- c:
	case <-m.exited:
		return m.gone
	case <-stop:
		return errShuttingDown
	}
	return <-c.reply
}

// serve is m's actor. It starts m as its target says, then applies its
// commands until m is deleted or the supervisor shuts down, and then leaves
// no run or guard of m behind.
func (s *Supervisor) serve(m *managed, started chan<- struct{}) {
	defer close(m.exited)
	if s.clustered() {
		s.reconcile(m)
	} else {
		s.apply(m)
		s.watch(m)
	}
	close(started)
	for {
		select {
		case <-s.quit:
			s.stopAll(m)
			m.gone = errShuttingDown
			return
		case c := <-m.cmds:
			select {
			case <-s.quit:
				// Shutting down: nothing starts again.
				c.reply <- errShuttingDown
				continue
			default:
			}
			c.reply <- c.apply()
			if m.gone != nil {
				return
			}
		}
	}
}

// stopAll stops m's run and its guard together and waits for both. Called
// by m's actor.
func (s *Supervisor) stopAll(m *managed) {
	if m.cancel != nil {
		m.cancel()
	}
	if m.unwatchFn != nil {
		m.unwatchFn()
	}
	if m.done != nil {
		<-m.done
		m.hardStop()
	}
	if m.watchDone != nil {
		<-m.watchDone
	}
	m.cancel, m.hardStop, m.done, m.unwatchFn, m.watchDone = nil, nil, nil, nil, nil
}

// do applies f to the connector name through its actor. An unknown or
// deleted connector is answered with notFoundFormat.
func (s *Supervisor) do(name, notFoundFormat string, f func(m *managed) error) error {
	m, err := s.get(name, notFoundFormat)
	if err != nil {
		return err
	}
	err = m.send(nil, func() error { return f(m) })
	if errors.Is(err, errDeleted) {
		return notFound(notFoundFormat, name)
	}
	return err
}
