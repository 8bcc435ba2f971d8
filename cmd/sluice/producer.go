package main

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/connectors/runtime"
)

// producerOptions turns a connector's producer.override.* keys into the
// franz-go options of its sink's producer; they follow the sink's own, so
// they win.
func producerOptions(o runtime.ProducerOverrides) []kgo.Opt {
	var opts []kgo.Opt
	switch o.Compression {
	case "none":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	}
	if o.Linger > 0 {
		opts = append(opts, kgo.ProducerLinger(o.Linger))
	}
	if o.BatchBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(o.BatchBytes))
	}
	if o.MaxRequestBytes > 0 {
		opts = append(opts, kgo.BrokerMaxWriteBytes(o.MaxRequestBytes))
	}
	if o.BufferBytes > 0 {
		opts = append(opts, kgo.MaxBufferedBytes(int(o.BufferBytes)))
	}
	if o.ClientID != "" {
		opts = append(opts, kgo.ClientID(o.ClientID))
	}
	if o.RequestTimeout > 0 {
		opts = append(opts, kgo.ProduceRequestTimeout(o.RequestTimeout))
	}
	if o.DeliveryTimeout > 0 {
		opts = append(opts, kgo.RecordDeliveryTimeout(o.DeliveryTimeout))
	}
	return opts
}
