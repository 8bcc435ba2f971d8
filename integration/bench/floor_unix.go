package main

import (
	"os"
	"os/signal"
	"syscall"
)

// The bench tells the floor subprocess to start (SIGUSR1) and to end
// (SIGUSR2), so that its CPU and RSS can be read before it exits.
var (
	sigGo   = syscall.SIGUSR1
	sigStop = syscall.SIGUSR2
)

func notifyFloor(goOn, stop chan os.Signal) {
	signal.Notify(goOn, sigGo)
	signal.Notify(stop, sigStop)
}
