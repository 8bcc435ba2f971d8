package main

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/spf13/cobra"
	"strings"

	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/internal/asyncapi"
	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// asyncapiDocs serves the AsyncAPI documents of sup's connectors, whose
// records go to the Kafka cluster srv.
func asyncapiDocs(sup *runtime.Supervisor, srv asyncapi.Server) rest.AsyncAPIFunc {
	return func(_ context.Context, names []string) (any, error) {
		if names == nil {
			names = sup.Names()
		}
		conns := make([]asyncapi.Connector, 0, len(names))
		for _, n := range names {
			d, err := sup.Describe(n)
			if err != nil {
				return nil, err
			}
			conns = append(conns, d)
		}
		return asyncapi.Document(Version, srv, conns...)
	}
}

// kafkaServer describes the Kafka cluster for the AsyncAPI documents:
// its bootstrap servers and the worker file's security settings.
func kafkaServer(brokers []string, w *workerconfig.Config) asyncapi.Server {
	s := asyncapi.Server{Hosts: brokers}
	if w == nil {
		return s
	}
	proto := strings.ToUpper(strings.TrimSpace(w.Props["security.protocol"]))
	s.TLS = proto == "SSL" || proto == "SASL_SSL"
	if strings.HasPrefix(proto, "SASL_") {
		s.SASLMechanism = strings.TrimSpace(w.Props["sasl.mechanism"])
		if s.SASLMechanism == "" {
			s.SASLMechanism = "GSSAPI" // Kafka's default
		}
	}
	s.ClientCert = s.TLS && (w.Props["ssl.keystore.location"] != "" || w.Props["ssl.keystore.key"] != "")
	return s
}

// newAsyncAPICmd is 'sluice asyncapi [CONNECTOR]': the AsyncAPI document of
// a connector's topics (GET /connectors/NAME/asyncapi), or of every
// connector's without a name (GET /asyncapi).
func newAsyncAPICmd(g *globalOpts, ce cliEnv) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "asyncapi [CONNECTOR]",
		Short: "Print the AsyncAPI 3.0 document of a connector's topics (of every connector's without a name)",
		Long: `Print the AsyncAPI 3.0 document of the topics a connector writes: a channel per topic,
each message's payload and Kafka key schemas as consumers read them, its headers and an
example. Without a name, one document for every connector. See docs/asyncapi.md.` + exitCodesHelp,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr("asyncapi takes at most one connector name, got %q", strings.Join(args, " "))
			}
			if format != "json" && format != "yaml" {
				return usageErr("--format %q: use json or yaml", format)
			}
			c, err := newClient(g)
			if err != nil {
				return err
			}
			path := "/asyncapi"
			if len(args) == 1 {
				path = connectorPath(args[0], "asyncapi")
			}
			var out bytesOut
			if err := c.get(cmd.Context(), path+"?format="+format, &out); err != nil {
				return err
			}
			if format == "json" {
				var b bytes.Buffer
				if json.Indent(&b, out, "", "  ") == nil {
					out = append(b.Bytes(), '\n')
				}
			}
			_, err = ce.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "json or yaml")
	return cmd
}
