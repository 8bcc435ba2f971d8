// Package kafka is the Kafka sink: one franz-go transactional producer per
// connector (transactional.id sluice-<connector>) that writes each batch of
// records together with the connector's checkpoint record, on the compacted
// offsets topic, in one Kafka transaction.
package kafka
