package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// The exit codes of the client commands (connectors, status, tail), for
// scripts. serve keeps its own: 0 after a clean stop, 1 when it failed, 2 for
// bad flags.
const (
	// exitOK: the command did what it was asked.
	exitOK = 0
	// exitAPI: the daemon (or Kafka, or the registry) answered an error; its
	// message is printed. validate exits with it when the config has errors.
	exitAPI = 1
	// exitUsage: bad command line (unknown command or flag, missing
	// argument, unreadable file).
	exitUsage = 2
	// exitUnreachable: the daemon (tail: Kafka or the schema registry)
	// could not be reached.
	exitUnreachable = 3
	// exitFailed: status found a connector or task FAILED.
	exitFailed = 4
)

// exitCodesHelp documents the exit codes in the help of every client command.
const exitCodesHelp = `

Exit codes:
  0  ok
  1  the API answered an error (its message is printed); validate: the config has errors
  2  usage error (bad command, flag, argument or file)
  3  the daemon could not be reached (tail: Kafka or the schema registry)
  4  status: a connector or task is FAILED`

// exitError is an error with the exit code the command ends with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr returns a usage error (exit 2).
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode is the exit code err asks for: an error that is no exitError
// comes from cobra's own parsing (an unknown command or flag), a usage error.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUsage
}

// cliEnv is what the client commands write to and the knobs tests set.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal says stdout is a terminal: status then draws progress bars.
	terminal bool
	// sleep waits between two metric scrapes and now reads the clock
	// (tests pass a fake clock); nil for the real ones.
	sleep func(time.Duration)
	now   func() time.Time
}

// globalOpts are the flags every client command has.
type globalOpts struct {
	url      string
	user     string
	token    string
	cacert   string
	insecure bool
	output   string
	timeout  time.Duration
}

// runCLI runs a client command (everything but serve) with cobra.
func runCLI(args []string, ce cliEnv) int {
	root := newRootCmd(ce)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var e *exitError
	if !errors.As(err, &e) || e.err.Error() != "" {
		fmt.Fprintf(ce.stderr, "sluice: %v\n", err)
	}
	if code == exitUsage && cmd != nil {
		fmt.Fprintf(ce.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// stdoutIsTerminal reports whether w is a terminal.
func stdoutIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newRootCmd(ce cliEnv) *cobra.Command {
	g := &globalOpts{}
	root := &cobra.Command{
		Use:   "sluice",
		Short: "Change data capture from PostgreSQL, MySQL and MariaDB to Kafka, exactly once",
		Long: `sluice: change data capture from PostgreSQL, MySQL and MariaDB to Kafka, exactly once.

'sluice serve' runs the daemon; the other commands talk to a running daemon
over its Kafka Connect-compatible REST API (--url), or read Kafka (tail).` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version + " (" + Commit + ")",
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true,
		},
	}
	root.SetOut(ce.stdout)
	root.SetErr(ce.stderr)
	root.SetVersionTemplate("sluice {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.url, "url", env("SLUICE_URL", "http://127.0.0.1:8083"), "the daemon's REST API (SLUICE_URL)")
	pf.StringVar(&g.user, "user", env("SLUICE_USER", ""), "HTTP Basic credentials, name:password (SLUICE_USER)")
	pf.StringVar(&g.token, "token", env("SLUICE_TOKEN", ""), "a Bearer token (SLUICE_TOKEN)")
	pf.StringVar(&g.cacert, "cacert", env("SLUICE_CACERT", ""), "PEM file of the CA that signed the daemon's HTTPS certificate (SLUICE_CACERT)")
	pf.BoolVar(&g.insecure, "insecure", false, "do not verify the daemon's HTTPS certificate")
	pf.StringVarP(&g.output, "output", "o", "text", "text or json")
	pf.DurationVar(&g.timeout, "timeout", 30*time.Second, "how long one request to the daemon may take")
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		switch g.output {
		case "text", "json":
		default:
			return usageErr("--output %q: use text or json", g.output)
		}
		return nil
	}

	root.AddCommand(
		&cobra.Command{
			Use:   "serve [flags]",
			Short: "Run the daemon (REST API on --listen); 'sluice serve -h' lists its flags",
			Long: `Run the daemon: the REST API on --listen and the registered connectors.

Run 'sluice serve -h' for the flags; each also reads a SLUICE_* environment variable.
'sluice serve --worker-config connect-distributed.properties' reads a Kafka Connect
worker file: bootstrap.servers, security.protocol, sasl.*, ssl.* (TLS and SASL to
Kafka), producer./consumer./admin. overrides; flags and SLUICE_* variables win over
it. See docs/security.md.`,
			// serve parses its own flags with the standard flag package, as
			// it always has (main dispatches it before cobra runs).
			DisableFlagParsing: true,
			RunE: func(c *cobra.Command, args []string) error {
				if code := serve(args, ce.stderr); code != 0 {
					return &exitError{code: code, err: errors.New("")}
				}
				return nil
			},
		},
		newConnectorsCmd(g, ce),
		newStatusCmd(g, ce),
		newTailCmd(ce),
		newAsyncAPICmd(g, ce),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  noArgs,
			Run: func(c *cobra.Command, args []string) {
				fmt.Fprintf(ce.stdout, "sluice %s (%s)\n", Version, Commit)
			},
		},
	)
	return root
}

// noArgs refuses arguments, as a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q", c.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// oneName wants exactly one argument, a connector name.
func oneName(c *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErr("%s wants one connector name, got %d arguments", c.CommandPath(), len(args))
	}
	if args[0] == "" {
		return usageErr("%s: the connector name is empty", c.CommandPath())
	}
	return nil
}

// longFlags rewrites the single-dash long flags the standard flag package
// accepted (-max 5, -idle=3s) as double-dash ones, so that scripts written
// for 'sluice consume' keep working now that it is an alias of tail.
func longFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && (a[1] >= 'a' && a[1] <= 'z' || a[1] >= 'A' && a[1] <= 'Z') {
			a = "-" + a
		}
		out = append(out, a)
	}
	return out
}
