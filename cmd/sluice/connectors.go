package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sluicecdc/sluice/connectors/rest"
)

// newConnectorsCmd is 'sluice connectors': one subcommand per REST call.
func newConnectorsCmd(g *globalOpts, ce cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "connectors",
		Aliases: []string{"connector"},
		Short:   "List, create, change and inspect connectors through the REST API",
		Long:    "Manage the daemon's connectors through its Kafka Connect-compatible REST API (--url)." + exitCodesHelp,
		Args:    noArgs,
		RunE:    func(c *cobra.Command, args []string) error { return c.Help() },
	}
	// run wraps a subcommand: the client is built from the global flags
	// once they are parsed.
	run := func(f func(ctx context.Context, c *apiClient, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g)
			if err != nil {
				return err
			}
			return f(cmd.Context(), c, args)
		}
	}
	w := ce.stdout
	jsonOut := func() bool { return g.output == "json" }

	list := &cobra.Command{
		Use:   "list",
		Short: "List the connectors with their state",
		Args:  noArgs,
		RunE: run(func(ctx context.Context, c *apiClient, _ []string) error {
			var all map[string]struct {
				Status rest.ConnectorStatus `json:"status"`
				Info   rest.ConnectorInfo   `json:"info"`
			}
			if err := c.get(ctx, "/connectors?expand=status&expand=info", &all); err != nil {
				return err
			}
			if jsonOut() {
				return writeJSON(w, all)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tSTATE\tTASKS")
			for _, name := range sortedKeys(all) {
				s := all[name].Status
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, dash(all[name].Info.Type), dash(s.Connector.State), taskStates(s))
			}
			return tw.Flush()
		}),
	}

	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Print a connector's name, type, tasks and config (as stored)",
		Args:  oneName,
		RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
			var info rest.ConnectorInfo
			if err := c.get(ctx, connectorPath(args[0]), &info); err != nil {
				return err
			}
			if jsonOut() {
				return writeJSON(w, info)
			}
			fmt.Fprintf(w, "Name:   %s\nType:   %s\nTasks:  %d\nConfig:\n", info.Name, dash(info.Type), len(info.Tasks))
			tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
			for _, k := range sortedKeys(info.Config) {
				fmt.Fprintf(tw, "  %s\t= %s\n", k, info.Config[k])
			}
			return tw.Flush()
		}),
	}

	var createFile, createName, createState string
	create := &cobra.Command{
		Use:   "create -f FILE",
		Short: `Create a connector from a JSON file {"name": ..., "config": {...}} ("-" reads stdin)`,
		Long: `Create a connector from a JSON file in Kafka Connect's shape, {"name": ..., "config": {...}}
(deploy/examples/*.json), or from a bare config map with --name. -f - reads stdin.` + exitCodesHelp,
		Args: noArgs,
		RunE: run(func(ctx context.Context, c *apiClient, _ []string) error {
			name, config, err := readConnectorFile(createFile, ce)
			if err != nil {
				return err
			}
			if createName != "" {
				name = createName
			}
			if name == "" {
				return usageErr("%s has no \"name\": add it or pass --name", createFile)
			}
			body := map[string]any{"name": name, "config": config}
			if createState != "" {
				body["initial_state"] = strings.ToUpper(createState)
			}
			var info json.RawMessage
			if _, err := c.call(ctx, http.MethodPost, "/connectors", body, &info); err != nil {
				return err
			}
			if jsonOut() {
				return writeRawJSON(w, info)
			}
			fmt.Fprintf(w, "Created connector %s\n", name)
			return nil
		}),
	}
	create.Flags().StringVarP(&createFile, "file", "f", "", "the connector's JSON file (required)")
	create.Flags().StringVar(&createName, "name", "", "the connector's name (instead of, or overriding, the file's)")
	create.Flags().StringVar(&createState, "initial-state", "", "RUNNING, PAUSED or STOPPED (default RUNNING)")
	_ = create.MarkFlagRequired("file")

	var updateFile string
	update := &cobra.Command{
		Use:   "update NAME -f FILE",
		Short: "Replace a connector's config (PUT /connectors/NAME/config); creates it when absent",
		Long: `Replace a connector's config with the file's: Kafka Connect's {"name": ..., "config": {...}}
shape or a bare config map. The connector restarts with it; an identical config changes nothing.
A connector that does not exist is created.` + exitCodesHelp,
		Args: oneName,
		RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
			name, config, err := readConnectorFile(updateFile, ce)
			if err != nil {
				return err
			}
			if name != "" && name != args[0] {
				return usageErr("%s names connector %q, not %q", updateFile, name, args[0])
			}
			var info json.RawMessage
			code, err := c.call(ctx, http.MethodPut, connectorPath(args[0], "config"), config, &info)
			if err != nil {
				return err
			}
			if jsonOut() {
				return writeRawJSON(w, info)
			}
			verb := "Updated"
			if code == http.StatusCreated {
				verb = "Created"
			}
			fmt.Fprintf(w, "%s connector %s\n", verb, args[0])
			return nil
		}),
	}
	update.Flags().StringVarP(&updateFile, "file", "f", "", "the config's JSON file (required)")
	_ = update.MarkFlagRequired("file")

	var patchSet, patchUnset []string
	var patchFile string
	patch := &cobra.Command{
		Use:   "patch NAME [--set KEY=VALUE]... [--unset KEY]... [-f FILE]",
		Short: "Change some keys of a connector's config (PATCH /connectors/NAME/config)",
		Long: `Change the keys given and keep the others: --set KEY=VALUE sets one, --unset KEY removes one,
-f FILE takes a JSON object of keys to set (a null value removes its key). The connector restarts
with the new config; a connector that does not exist is an error, not created.` + exitCodesHelp,
		Args: oneName,
		RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
			body, err := patchBody(patchFile, patchSet, patchUnset, ce)
			if err != nil {
				return err
			}
			var info json.RawMessage
			if _, err := c.call(ctx, http.MethodPatch, connectorPath(args[0], "config"), body, &info); err != nil {
				return err
			}
			if jsonOut() {
				return writeRawJSON(w, info)
			}
			fmt.Fprintf(w, "Patched connector %s\n", args[0])
			return nil
		}),
	}
	patch.Flags().StringArrayVar(&patchSet, "set", nil, "KEY=VALUE: set a key (repeatable)")
	patch.Flags().StringArrayVar(&patchUnset, "unset", nil, "KEY: remove a key (repeatable)")
	patch.Flags().StringVarP(&patchFile, "file", "f", "", "a JSON object of keys to set, null removing a key")

	// simple is a command that sends one request and says what it did.
	simple := func(use, short, method, sub, done string) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: short,
			Args:  oneName,
			RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
				var path string
				if sub == "" {
					path = connectorPath(args[0])
				} else {
					path = connectorPath(args[0], sub)
				}
				if _, err := c.call(ctx, method, path, nil, nil); err != nil {
					return err
				}
				if !jsonOut() {
					fmt.Fprintf(w, "%s connector %s\n", done, args[0])
				}
				return nil
			}),
		}
	}
	del := simple("delete", "Stop and remove a connector (its committed offsets stay)", http.MethodDelete, "", "Deleted")
	pause := simple("pause", "Pause a connector: it stops reading until resumed", http.MethodPut, "pause", "Paused")
	resume := simple("resume", "Resume a paused or stopped connector", http.MethodPut, "resume", "Resumed")
	stop := simple("stop", "Stop a connector (its offsets can then be reset or altered)", http.MethodPut, "stop", "Stopped")

	var includeTasks, onlyFailed bool
	restart := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart a connector (and, with --include-tasks, its task)",
		Args:  oneName,
		RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
			q := url.Values{}
			if includeTasks {
				q.Set("includeTasks", "true")
			}
			if onlyFailed {
				q.Set("onlyFailed", "true")
			}
			path := connectorPath(args[0], "restart")
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			if _, err := c.call(ctx, http.MethodPost, path, nil, nil); err != nil {
				return err
			}
			if !jsonOut() {
				fmt.Fprintf(w, "Restarted connector %s\n", args[0])
			}
			return nil
		}),
	}
	restart.Flags().BoolVar(&includeTasks, "include-tasks", false, "restart the connector's task too")
	restart.Flags().BoolVar(&onlyFailed, "only-failed", false, "restart only what is FAILED")

	status := &cobra.Command{
		Use:   "status NAME",
		Short: "Print a connector's state, its task's state and trace, snapshot progress and warnings",
		Long: `Print a connector's state, its task's state and trace, its snapshot progress and its
warnings. Exits 4 when the connector or its task is FAILED.` + exitCodesHelp,
		Args: oneName,
		RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
			var s rest.ConnectorStatus
			if err := c.get(ctx, connectorPath(args[0], "status"), &s); err != nil {
				return err
			}
			if jsonOut() {
				if err := writeJSON(w, s); err != nil {
					return err
				}
			} else {
				writeStatus(w, s)
			}
			return failedError(s)
		}),
	}

	var reset bool
	var setFile string
	offsets := &cobra.Command{
		Use:   "offsets NAME",
		Short: "Print a connector's committed offsets; --reset deletes them, --set FILE alters them",
		Long: `Print a connector's committed offsets (GET /connectors/NAME/offsets). The connector
must be STOPPED ('sluice connectors stop NAME') for --reset (DELETE: its next start begins
afresh) and --set FILE (PATCH with the file's {"offsets": [{"partition": {...}, "offset": {...}}]}).` + exitCodesHelp,
		Args: oneName,
		RunE: run(func(ctx context.Context, c *apiClient, args []string) error {
			path := connectorPath(args[0], "offsets")
			var out json.RawMessage
			var err error
			switch {
			case reset && setFile != "":
				return usageErr("--reset and --set: use one")
			case reset:
				_, err = c.call(ctx, http.MethodDelete, path, nil, &out)
			case setFile != "":
				b, rerr := readFile(setFile, ce)
				if rerr != nil {
					return rerr
				}
				if !json.Valid(b) {
					return usageErr("%s is not JSON", setFile)
				}
				_, err = c.call(ctx, http.MethodPatch, path, b, &out)
			default:
				err = c.get(ctx, path, &out)
			}
			if err != nil {
				return err
			}
			if !jsonOut() && (reset || setFile != "") {
				var m struct {
					Message string `json:"message"`
				}
				if json.Unmarshal(out, &m) == nil && m.Message != "" {
					fmt.Fprintln(w, m.Message)
					return nil
				}
			}
			return writeRawJSON(w, out)
		}),
	}
	offsets.Flags().BoolVar(&reset, "reset", false, "delete the committed offsets (the connector must be STOPPED)")
	offsets.Flags().StringVar(&setFile, "set", "", "alter the offsets to the file's (the connector must be STOPPED)")

	var validateFile string
	validate := &cobra.Command{
		Use:   "validate -f FILE",
		Short: "Check a connector config without creating it; exits 1 when it has errors",
		Long: `Check a connector config (either file shape, as create takes) with
PUT /connector-plugins/{connector.class}/config/validate and print each key's errors.
Exits 0 when the config is valid, 1 when it has errors.` + exitCodesHelp,
		Args: noArgs,
		RunE: run(func(ctx context.Context, c *apiClient, _ []string) error {
			name, config, err := readConnectorFile(validateFile, ce)
			if err != nil {
				return err
			}
			class := config["connector.class"]
			if class == "" {
				return usageErr("%s has no connector.class", validateFile)
			}
			if _, ok := config["name"]; !ok && name != "" {
				config["name"] = name
			}
			var raw json.RawMessage
			if _, err := c.call(ctx, http.MethodPut, "/connector-plugins/"+url.PathEscape(class)+"/config/validate", config, &raw); err != nil {
				return err
			}
			var v validateBody
			if err := json.Unmarshal(raw, &v); err != nil {
				return &exitError{code: exitAPI, err: fmt.Errorf("validate: the answer is not Kafka Connect's validate body: %w", err)}
			}
			if jsonOut() {
				if err := writeRawJSON(w, raw); err != nil {
					return err
				}
			} else {
				writeValidate(w, v)
			}
			if v.ErrorCount > 0 {
				return &exitError{code: exitAPI, err: fmt.Errorf("the config has %d error(s)", v.ErrorCount)}
			}
			return nil
		}),
	}
	validate.Flags().StringVarP(&validateFile, "file", "f", "", "the connector's JSON file (required)")
	_ = validate.MarkFlagRequired("file")

	cmd.AddCommand(list, get, create, update, patch, del, pause, resume, stop, restart, status, offsets, validate)
	return cmd
}

// validateBody is the part of Kafka Connect's validate answer we print.
type validateBody struct {
	Name       string `json:"name"`
	ErrorCount int    `json:"error_count"`
	Configs    []struct {
		Value struct {
			Name   string   `json:"name"`
			Errors []string `json:"errors"`
		} `json:"value"`
	} `json:"configs"`
}

// writeValidate prints each key's errors, or that there are none.
func writeValidate(w io.Writer, v validateBody) {
	if v.ErrorCount == 0 {
		fmt.Fprintf(w, "The config is valid for %s\n", v.Name)
		return
	}
	fmt.Fprintf(w, "%d error(s) in the config for %s:\n", v.ErrorCount, v.Name)
	for _, c := range v.Configs {
		for _, e := range c.Value.Errors {
			fmt.Fprintf(w, "  %s: %s\n", c.Value.Name, e)
		}
	}
}

// writeStatus prints one connector's status for a person.
func writeStatus(w io.Writer, s rest.ConnectorStatus) {
	fmt.Fprintf(w, "Connector %s: %s", s.Name, dash(s.Connector.State))
	if s.Connector.WorkerID != "" {
		fmt.Fprintf(w, " on %s", s.Connector.WorkerID)
	}
	fmt.Fprintln(w)
	if s.Connector.Trace != "" {
		fmt.Fprintf(w, "  trace: %s\n", indent(s.Connector.Trace))
	}
	for _, t := range s.Tasks {
		fmt.Fprintf(w, "Task %d: %s\n", t.ID, t.State.State)
		if t.Trace != "" {
			fmt.Fprintf(w, "  trace: %s\n", indent(t.Trace))
		}
		if sp := t.Snapshot; sp != nil {
			fmt.Fprintf(w, "  snapshot: %s\n", snapshotLine(sp))
			for _, tb := range sp.Tables {
				fmt.Fprintf(w, "    %-8s %s %s\n", tb.State, tb.Table, tableRows(tb))
			}
		}
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", warn)
	}
}

// snapshotLine sums up a snapshot: state, tables and rows.
func snapshotLine(sp *rest.SnapshotProgress) string {
	s := fmt.Sprintf("%s, %d/%d tables done, %d rows", sp.State, sp.TotalTables-sp.RemainingTables, sp.TotalTables, sp.RowsScanned)
	if sp.RowsEstimated > 0 {
		s += fmt.Sprintf(" of about %d (%d%%)", sp.RowsEstimated, percent(sp.RowsScanned, sp.RowsEstimated))
	}
	return s + fmt.Sprintf(", %.1fs", sp.DurationSeconds)
}

func tableRows(t rest.SnapshotTable) string {
	var scanned, est string
	if t.RowsScanned != nil {
		scanned = fmt.Sprint(*t.RowsScanned)
	} else {
		scanned = "?"
	}
	if t.RowsEstimated != nil {
		est = fmt.Sprintf(" of about %d", *t.RowsEstimated)
	}
	return fmt.Sprintf("(%s rows%s)", scanned, est)
}

func percent(n, of int64) int64 {
	if of <= 0 {
		return 0
	}
	p := n * 100 / of
	return min(p, 100)
}

// failedError is the exit-4 error when the connector or a task is FAILED.
func failedError(s rest.ConnectorStatus) error {
	if s.Connector.State == "FAILED" {
		return &exitError{code: exitFailed, err: fmt.Errorf("connector %s is FAILED", s.Name)}
	}
	for _, t := range s.Tasks {
		if t.State.State == "FAILED" {
			return &exitError{code: exitFailed, err: fmt.Errorf("connector %s: task %d is FAILED", s.Name, t.ID)}
		}
	}
	return nil
}

// taskStates is "RUNNING" for one task, "0:RUNNING,1:FAILED" for more.
func taskStates(s rest.ConnectorStatus) string {
	switch len(s.Tasks) {
	case 0:
		return "-"
	case 1:
		return s.Tasks[0].State.State
	}
	var parts []string
	for _, t := range s.Tasks {
		parts = append(parts, fmt.Sprintf("%d:%s", t.ID, t.State.State))
	}
	return strings.Join(parts, ",")
}

// indent indents the lines after the first of a trace.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// readFile reads a file, or stdin for "-".
func readFile(path string, ce cliEnv) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		in := ce.stdin
		if in == nil {
			in = os.Stdin
		}
		b, err = io.ReadAll(in)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageErr("read %s: %v", path, err)
	}
	return b, nil
}

// readConnectorFile reads Kafka Connect's {"name": ..., "config": {...}}
// shape or a bare config map; the name is "" for a bare map. Values that are
// numbers or booleans are turned to strings, as the REST API accepts them.
func readConnectorFile(path string, ce cliEnv) (string, map[string]string, error) {
	b, err := readFile(path, ce)
	if err != nil {
		return "", nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return "", nil, usageErr("%s: not a JSON object: %v", path, err)
	}
	var name string
	body := b
	if c, ok := top["config"]; ok && bytes.HasPrefix(bytes.TrimSpace(c), []byte("{")) {
		if n, ok := top["name"]; ok {
			if err := json.Unmarshal(n, &name); err != nil {
				return "", nil, usageErr("%s: \"name\" is not a string", path)
			}
		}
		body = c
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return "", nil, usageErr("%s: %v", path, err)
	}
	config := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			config[k] = x
		case nil:
			return "", nil, usageErr("%s: %q is null; give it a value or leave it out", path, k)
		case map[string]any, []any:
			return "", nil, usageErr("%s: %q is not a string, number or boolean", path, k)
		default:
			config[k] = fmt.Sprint(x)
		}
	}
	return name, config, nil
}

// patchBody makes the body of PATCH /connectors/NAME/config from a file of
// keys (null removes one), --set KEY=VALUE and --unset KEY; the flags win
// over the file. A key both set and unset, or nothing to change, is a
// usage error.
func patchBody(path string, set, unset []string, ce cliEnv) (map[string]any, error) {
	body := map[string]any{}
	if path != "" {
		b, err := readFile(path, ce)
		if err != nil {
			return nil, err
		}
		var raw map[string]any
		if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
			return nil, usageErr("%s: not a JSON object of keys to change", path)
		}
		for k, v := range raw {
			switch x := v.(type) {
			case nil, string:
				body[k] = x
			case map[string]any, []any:
				return nil, usageErr("%s: %q is not a string, number, boolean or null", path, k)
			default:
				body[k] = fmt.Sprint(x)
			}
		}
	}
	setKeys := map[string]bool{}
	for _, kv := range set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErr("--set %q: write KEY=VALUE", kv)
		}
		body[k] = v
		setKeys[k] = true
	}
	for _, k := range unset {
		if setKeys[k] {
			return nil, usageErr("--unset %s: the key is also given to --set", k)
		}
		body[k] = nil
	}
	if len(body) == 0 {
		return nil, usageErr("nothing to change: give --set KEY=VALUE, --unset KEY or -f FILE")
	}
	return body, nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// writeRawJSON writes a JSON answer indented.
func writeRawJSON(w io.Writer, raw []byte) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		_, err = fmt.Fprintf(w, "%s\n", raw)
		return err
	}
	_, err := fmt.Fprintf(w, "%s\n", buf.Bytes())
	return err
}
