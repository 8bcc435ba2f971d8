// Package transforms is Kafka Connect's single message transforms for
// sluice: the `transforms` chain of a connector config (transforms=a,b;
// transforms.<alias>.type, .predicate, .negate and each transform's own
// options; predicates=p; predicates.<alias>.type and options), applied in
// order to every record a connector writes, before the key and value
// converters, with the keys, semantics and output of Kafka Connect's and
// Debezium's transforms.
//
// Each transform or predicate is a small file: a constructor that reads its
// options from a Config and a Plugin entry in the registry (Register, from
// the file's init), with the configuration keys Kafka Connect lists for it.
// A transform works on change.Record, the Connect data model of a record;
// the schema package turns events into records and records into bytes.
package transforms
