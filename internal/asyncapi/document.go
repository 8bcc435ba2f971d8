// Package asyncapi writes the AsyncAPI 3.0 document of the topics sluice's
// connectors write: one channel per topic, one send operation per
// channel, one message per channel whose payload and Kafka key are
// described as the consumer reads them (JSON Schema for the JsonConverter,
// the registered Avro schema for the AvroConverter), the Kafka server with
// its security scheme, and an example per message.
//
// The document is built from what a connector has written (Connector):
// the runtime notes each topic's key and value Connect schemas as records
// pass its encoder, so transforms and schema changes show as the records
// show them.
package asyncapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// Version is the AsyncAPI version of the documents.
const Version = "3.0.0"

// AvroFormat is the schemaFormat of an Avro payload.
const AvroFormat = "application/vnd.apache.avro;version=1.9.0"

// kafkaBindings is the version of the Kafka bindings used.
const kafkaBindings = "0.5.0"

// Format is how one side (key or value) of a connector's records is
// written.
type Format struct {
	// Avro: the AvroConverter, schemas in a registry at RegistryURL.
	Avro        bool
	RegistryURL string
	// Schemas: the JsonConverter's schemas.enable, the
	// {"schema":…,"payload":…} wrapper.
	Schemas bool
}

// Channel is a topic a connector writes.
type Channel struct {
	Topic string
	// Table is "<namespace>.<table>" for a table's change events, empty
	// for other records (schema changes, heartbeats, transactions).
	Table string
	// Version is the table's schema version (the sluice.schema.version
	// header), 0 when the records carry none.
	Version int
	// Key and Value are the Connect schemas of the records' key and value;
	// nil is a null key (a keyless table) or a schemaless value.
	Key, Value *change.Field
	// Tombstones: some records have a null value.
	Tombstones bool
	// Headers are the header keys of the records.
	Headers []string
}

// Connector is what a document says of one connector.
type Connector struct {
	Name  string
	Class string
	// Source names the database captured, e.g. "PostgreSQL database
	// inventory on 127.0.0.1:5432".
	Source string
	// Generation counts the changes of the connector's channels; it is the
	// document's info.version.
	Generation int
	Key, Value Format
	Channels   []Channel
}

// Server is the Kafka cluster the records go to.
type Server struct {
	Hosts []string
	TLS   bool
	// SASLMechanism is sasl.mechanism (PLAIN, SCRAM-SHA-256, ...), empty
	// without SASL.
	SASLMechanism string
	// ClientCert: the worker authenticates with a TLS client certificate.
	ClientCert bool
}

// Document returns the AsyncAPI document of conns, written by sluice
// version, as a JSON value. Its channel and operation ids are the topic
// names, with a suffix where two connectors write one topic.
func Document(version string, srv Server, conns ...Connector) (map[string]any, error) {
	info := map[string]any{"version": "0", "x-sluice-version": version}
	switch len(conns) {
	case 1:
		c := conns[0]
		info["title"] = "sluice connector " + c.Name
		info["version"] = fmt.Sprint(c.Generation)
		info["description"] = fmt.Sprintf("Change events of %s, written to Kafka by the sluice connector %s (%s).", c.Source, c.Name, c.Class)
	default:
		info["title"] = "sluice connectors"
		gen := 0
		var names []string
		for _, c := range conns {
			gen += c.Generation
			names = append(names, c.Name)
		}
		info["version"] = fmt.Sprint(gen)
		info["description"] = "Change events written to Kafka by the sluice connectors " + strings.Join(names, ", ") + "."
	}
	server, schemes := kafkaServer(srv, conns)
	doc := map[string]any{
		"asyncapi":           Version,
		"info":               info,
		"defaultContentType": "application/json",
		"servers":            map[string]any{"kafka": server},
	}
	channels, operations := map[string]any{}, map[string]any{}
	for _, c := range conns {
		for _, ch := range c.Channels {
			id := ch.Topic
			for n := 2; channels[id] != nil; n++ {
				id = fmt.Sprintf("%s_%d", ch.Topic, n)
			}
			msg, err := message(c, ch)
			if err != nil {
				return nil, fmt.Errorf("connector %s, topic %s: %w", c.Name, ch.Topic, err)
			}
			channels[id] = map[string]any{
				"address":     ch.Topic,
				"title":       ch.Topic,
				"description": channelDescription(c, ch),
				"messages":    map[string]any{"record": msg},
				"bindings":    map[string]any{"kafka": map[string]any{"topic": ch.Topic, "bindingVersion": kafkaBindings}},
			}
			operations["send-"+id] = map[string]any{
				"action":  "send",
				"title":   "sluice writes " + ch.Topic,
				"channel": map[string]any{"$ref": "#/channels/" + id},
				"messages": []any{
					map[string]any{"$ref": "#/channels/" + id + "/messages/record"},
				},
			}
		}
	}
	doc["channels"] = channels
	doc["operations"] = operations
	if len(schemes) > 0 {
		doc["components"] = map[string]any{"securitySchemes": schemes}
	}
	return doc, nil
}

// kafkaServer returns the server object of srv and the security schemes
// it names.
func kafkaServer(srv Server, conns []Connector) (map[string]any, map[string]any) {
	host := "localhost:9092"
	if len(srv.Hosts) > 0 {
		host = srv.Hosts[0]
	}
	s := map[string]any{
		"host":     host,
		"protocol": "kafka",
		"title":    "Kafka",
	}
	desc := "The Kafka cluster sluice writes to"
	if len(srv.Hosts) > 1 {
		desc += " (bootstrap servers " + strings.Join(srv.Hosts, ", ") + ")"
	}
	s["description"] = desc + "."
	if srv.TLS {
		s["protocol"] = "kafka-secure"
	}
	schemes := map[string]any{}
	if m := srv.SASLMechanism; m != "" {
		scheme := map[string]any{"description": "SASL " + m + " (sasl.mechanism=" + m + ")"}
		switch strings.ToUpper(m) {
		case "PLAIN":
			scheme["type"] = "plain"
		case "SCRAM-SHA-256":
			scheme["type"] = "scramSha256"
		case "SCRAM-SHA-512":
			scheme["type"] = "scramSha512"
		case "GSSAPI":
			scheme["type"] = "gssapi"
		default:
			scheme["type"] = "plain"
			scheme["description"] = "SASL " + m + " (sasl.mechanism=" + m + "), which AsyncAPI has no type for"
		}
		schemes["sasl"] = scheme
	}
	if srv.ClientCert {
		schemes["tls-client-certificate"] = map[string]any{"type": "X509", "description": "A TLS client certificate (mutual TLS)"}
	}
	if len(schemes) > 0 {
		var refs []any
		for _, k := range slices.Sorted(maps.Keys(schemes)) {
			refs = append(refs, map[string]any{"$ref": "#/components/securitySchemes/" + k})
		}
		s["security"] = refs
	}
	for _, c := range conns {
		for _, f := range []Format{c.Value, c.Key} {
			if f.Avro && f.RegistryURL != "" {
				s["bindings"] = map[string]any{"kafka": map[string]any{
					"schemaRegistryUrl": f.RegistryURL, "bindingVersion": kafkaBindings,
				}}
				return s, schemes
			}
		}
	}
	return s, schemes
}

func channelDescription(c Connector, ch Channel) string {
	switch {
	case ch.Table != "":
		d := fmt.Sprintf("Change events of table %s (schema version %d)", ch.Table, ch.Version)
		if ch.Tombstones {
			d += "; a delete is followed by a tombstone (a record with a null value) for compaction"
		}
		return d + "."
	case ch.Value != nil && strings.HasSuffix(ch.Value.Logical, "SchemaChangeValue"):
		return "Schema changes of the captured tables (DDL)."
	case ch.Value != nil && strings.HasSuffix(ch.Value.Logical, "Heartbeat"):
		return "Heartbeats of the connector."
	case ch.Value != nil && strings.HasSuffix(ch.Value.Logical, "TransactionMetadataValue"):
		return "Transaction boundaries (BEGIN and END) of the captured transactions."
	}
	return "Records of connector " + c.Name + "."
}

// message returns the message object of a channel.
func message(c Connector, ch Channel) (map[string]any, error) {
	payload, err := side(c.Value, ch.Topic+"-value", ch.Value, ch.Tombstones)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	key, err := side(c.Key, ch.Topic+"-key", ch.Key, false)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	kb := map[string]any{"bindingVersion": kafkaBindings}
	if c.Key.Avro {
		// The binding's key is a schema object: the key's structure, with
		// its Avro schema beside it.
		k := jsonSchema(ch.Key)
		k["description"] = "Avro binary in the Confluent wire format, registry subject " + ch.Topic + "-key; its Avro schema is x-avro-schema."
		k["x-avro-schema"] = key["schema"]
		kb["key"] = k
	} else {
		kb["key"] = key
	}
	if c.Value.Avro {
		kb["schemaIdLocation"] = "payload"
		kb["schemaIdPayloadEncoding"] = "confluent"
		kb["schemaLookupStrategy"] = "TopicNameStrategy"
	}
	name := ch.Topic
	if ch.Value != nil && ch.Value.Logical != "" {
		name = ch.Value.Logical
	}
	m := map[string]any{
		"name":        name,
		"title":       "Record of " + ch.Topic,
		"contentType": "application/json",
		"payload":     payload,
		"bindings":    map[string]any{"kafka": kb},
	}
	if c.Value.Avro {
		m["contentType"] = "application/octet-stream"
		m["description"] = "Avro binary in the Confluent wire format (a magic byte, the 4-byte schema id, the datum); registry subject " + ch.Topic + "-value."
	}
	if ch.Version > 0 {
		m["tags"] = []any{map[string]any{"name": fmt.Sprintf("%s=%d", schema.VersionHeader, ch.Version),
			"description": "The table's schema version; it increases on each column change."}}
	}
	if len(ch.Headers) > 0 {
		props := map[string]any{}
		for _, h := range ch.Headers {
			props[h] = map[string]any{"type": "string", "description": headerDoc(h)}
		}
		m["headers"] = map[string]any{"type": "object", "properties": props}
	}
	if !c.Value.Avro {
		ex, err := example(c, ch)
		if err != nil {
			return nil, err
		}
		m["examples"] = []any{ex}
	}
	return m, nil
}

// side returns the schema of one side of a channel's records as the
// consumer reads it.
func side(f Format, subject string, s *change.Field, nullable bool) (map[string]any, error) {
	if f.Avro {
		if s == nil {
			return map[string]any{"schemaFormat": AvroFormat, "schema": "null"}, nil
		}
		text, err := schema.AvroSchemaText(s)
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, err
		}
		return map[string]any{"schemaFormat": AvroFormat, "schema": v, "x-registry-subject": subject}, nil
	}
	js := jsonSchema(s)
	if f.Schemas && s != nil {
		js = map[string]any{
			"type": "object",
			"properties": map[string]any{
				"schema": map[string]any{"type": "object",
					"description": "The Connect schema of payload (the JsonConverter's schemas.enable=true)."},
				"payload": js,
			},
			"required":             []any{"schema", "payload"},
			"additionalProperties": false,
		}
	}
	if s == nil && !f.Schemas {
		return js, nil
	}
	if nullable {
		js = map[string]any{"oneOf": []any{js, map[string]any{"type": "null", "description": "A tombstone."}}}
	}
	return js, nil
}

// headerDoc describes a header sluice or Debezium adds.
func headerDoc(h string) string {
	switch {
	case h == schema.VersionHeader:
		return "The table's schema version, a decimal number; it increases on each column change."
	case strings.HasPrefix(h, "__debezium.context."):
		return "Debezium's context header " + strings.TrimPrefix(h, "__debezium.context.") + " (extended.headers.enabled)."
	case h == "__debezium.oldkey" || h == "__debezium.newkey":
		return "The record's key before or after a primary key change, in the key's converter format."
	}
	return "A header of the records, as Kafka Connect's SimpleHeaderConverter writes it."
}
