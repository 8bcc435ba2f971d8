package runtime

import (
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/transforms"
	"github.com/sluicecdc/sluice/schema"
)

// recordEncoder is an Encoder that also offers the transforms path: the
// Kafka Connect records of an event (Records) and the encoding of any
// record (EncodeRecord). schema.JSON and schema.Avro are.
type recordEncoder interface {
	Encoder
	Records(dst []change.Record, ev *change.Event) ([]change.Record, error)
	EncodeRecord(dst []schema.Message, r *change.Record) ([]schema.Message, error)
}

// chainEncoder is the Encoder of a connector with a transforms chain: it
// turns each event into its records, runs each through the chain (Kafka
// Connect's TransformationChain, between the source and the converters)
// and encodes those the chain keeps. A connector without transforms has
// no chainEncoder: its encoder writes the events directly (the fast
// path). Raw records (the MySQL schema history) are added after it by
// rawRecords and bypass the chain, as Kafka Connect's schema history
// producer does.
//
// A record the chain fails on follows the task's Tolerance: with All it
// is dropped and logged at WARN naming the transform's alias; with None
// the error (which names the alias) fails the task. A skipped record is
// counted by skipped (sluice_events_skipped_total), as an event that fails
// to encode is.
type chainEncoder struct {
	enc       recordEncoder
	chain     *transforms.Chain
	tolerance Tolerance
	log       *slog.Logger
	skipped   func()          // called once per skipped record; never nil
	recs      []change.Record // scratch
}

// withChain wraps enc in a chainEncoder when chain has transforms; with
// none it returns enc itself. skipped, when not nil, is called for each
// record the chain fails on and errors.tolerance=all skips.
func withChain(enc recordEncoder, chain *transforms.Chain, tol Tolerance, log *slog.Logger, skipped func()) Encoder {
	if chain.Len() == 0 {
		return enc
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if skipped == nil {
		skipped = func() {}
	}
	return &chainEncoder{enc: enc, chain: chain, tolerance: tol, log: log, skipped: skipped}
}

// Encode appends the encoded records of ev that the chain keeps. On error
// dst is returned unchanged.
func (c *chainEncoder) Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	recs, err := c.enc.Records(c.recs[:0], ev)
	defer func() { clear(recs); c.recs = recs[:0] }() // drop references to the event's values
	if err != nil {
		return dst, err
	}
	n := len(dst)
	for i := range recs {
		out, err := c.chain.Apply(&recs[i])
		if err != nil {
			if !c.tolerance.All {
				return dst[:n], fmt.Errorf("record for topic %q: %w", recs[i].Topic, err)
			}
			attrs := []any{"topic", recs[i].Topic, "err", err}
			if c.tolerance.LogMessages {
				attrs = append(attrs, "key", fmt.Sprintf("%v", recs[i].Key), "value", fmt.Sprintf("%v", recs[i].Value))
			}
			c.log.Warn("record skipped: a transform failed on it and errors.tolerance=all", attrs...)
			c.skipped()
			continue
		}
		if out == nil {
			continue // a transform (a filter) dropped it
		}
		if dst, err = c.enc.EncodeRecord(dst, out); err != nil {
			return dst[:n], err
		}
	}
	return dst, nil
}

// Recycle passes the loop's recycling on to the encoder.
func (c *chainEncoder) Recycle() {
	if r, ok := c.enc.(recycler); ok {
		r.Recycle()
	}
}

// transformKeyRE finds the connector key a chain problem is about.
var transformKeyRE = regexp.MustCompile(`\b(?:transforms|predicates)(?:\.[^\s:"',;]+)?`)

// parseChain builds the connector's transforms chain, adding each problem
// to probs under the key it names (transforms.<alias>.<option>,
// predicates.<alias>.type, …), so validate shows it on that key and a POST
// or PUT answers 400 with it.
func parseChain(probs problems, cfg map[string]string) *transforms.Chain {
	chain, err := transforms.Parse(cfg)
	if err != nil {
		for _, e := range flatten(err) {
			key := "transforms"
			if k := transformKeyRE.FindString(e.Error()); k != "" {
				key = strings.TrimRight(k, ".")
			}
			probs.add(key, "%s", e.Error())
		}
		return nil
	}
	return chain
}

// chainUnused returns the transforms and predicates keys of cfg that the
// chain does not use, each with the reason (see transforms.Chain.Unused);
// none when the chain does not parse.
func chainUnused(cfg map[string]string) [][2]string {
	chain, err := transforms.Parse(cfg)
	if err != nil || chain == nil {
		return nil
	}
	var out [][2]string
	for k, r := range chain.Unused {
		out = append(out, [2]string{k, r})
	}
	return out
}

// unusedKeys returns the keys of cfg that the connector accepts without
// using them, sorted, each with its reason: the plugin's and the chain's.
func unusedKeys(p *Plugin, cfg map[string]string) [][2]string {
	out := append(p.UnusedKeys(cfg), chainUnused(cfg)...)
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}
