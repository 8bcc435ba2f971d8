package transforms

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// TimezoneConverter is Debezium's io.debezium.transforms.TimezoneConverter:
// it rewrites the timestamps of change events into converted.timezone.
//
// What it converts, in before and after: io.debezium.time.ZonedTimestamp
// (the same instant written at the zone's offset; the offset is the one the
// zone has at the value's local date-time read as local to the zone, which
// for Debezium's UTC strings is the UTC wall clock), io.debezium.time.ZonedTime
// (moved to the zone's offset of the moment of conversion), and the
// zone-less io.debezium.time.Timestamp, MicroTimestamp, NanoTimestamp and
// Kafka Connect's Timestamp, whose value, a UTC wall clock, is reread as a
// wall clock of the zone (the zone's offset subtracted). Dates and times of
// day are never converted. In the source block, only when rules name them,
// ts_ms, ts_us and ts_ns get the zone's offset added. A null value whose
// schema has a default is converted from the default, as Debezium's
// Struct.get hands it the default.
//
// include.list and exclude.list (one of them at most) hold rules
// "source:<table>[:<field>]", "topic:<topic>[:<field>]" and
// "<table or topic>:<field>"; a field is "before.x", "after.x", "source.x"
// or "x" for before and after. A rule without a prefix takes the prefix of
// the rule before it. With include.list only matching events are
// converted (only the named fields when a rule names one); with
// exclude.list, matching events without fields are left alone and the
// named fields are skipped. Lists are checked as Debezium checks them
// (one regular expression over the list's "[a, b]" text).
const timezoneConverterClass = "io.debezium.transforms.TimezoneConverter"

func init() {
	Register(Plugin{
		Class: timezoneConverterClass, Kind: KindTransformation, Version: DebeziumVersion,
		Keys: timezoneConverterKeys, New: newTimezoneConverter,
	})
}

var timezoneConverterKeys = []configdef.Key{
	{Name: "converted.timezone", Type: configdef.String, Importance: configdef.High, Order: 1, Width: configdef.WidthMedium, Display: "Converted Timezone",
		Doc: "A string that represents the timezone to which the time-based fields should be converted.The format can be geographic (e.g. America/Los_Angeles), or it can be a UTC offset in the format of +/-hh:mm, (e.g. +08:00)."},
	{Name: "include.list", Type: configdef.List, Importance: configdef.High, Order: 1, Width: configdef.WidthMedium, Display: "Include List",
		Doc: "A comma-separated list of rules that specify what events should be evaluated for timezone conversion, using one of the following formats: `source:<tablename>`:: Matches only Debezium change events with a source information block with the specified table name. All time-based fields will be converted. `source:<tablename>:<fieldname>`:: Matches only Debezium change events with a source information with the specified table name. Only the specified field name will be converted. `topic:<topicname>`:: Matches the specified topic name, converting all time-based fields. `topic:<topicname>:<fieldname>`:: Matches the specified topic name, converting only the specified field name. `<matchname>:<fieldname>`:: Uses a heuristic matching algorithm to matches the source information block table name if the source information block exists, otherwise matches against the topic name. The conversion is applied only to to the specified field name. "},
	{Name: "exclude.list", Type: configdef.List, Importance: configdef.High, Order: 1, Width: configdef.WidthMedium, Display: "Exclude List",
		Doc: "A comma-separated list of rules that specify what events should be excluded from timezone conversion, using one of the following formats: `source:<tablename>`:: Matches only Debezium change events with a source information block with the specified table name. All time-based fields will be excluded. `source:<tablename>:<fieldnames>`:: Matches only Debezium change events with a source information with the specified table name. Only the specified field name will be excluded. `topic:<topicname>`:: Matches the specified topic name, excluding all time-based fields. `topic:<topicname>:<fieldnames>`:: Matches the specified topic name, excluding only the specified field name. `<matchname>:<fieldnames>`:: Uses a heuristic matching algorithm to matches the source information block table name if the source information block exists, otherwise matches against the topic name. The conversion is applied only to to the specified field name. "},
}

// The schema names TimezoneConverter converts, and those it refuses
// (dates and times of day).
var (
	tzConvertible = map[string]bool{
		"io.debezium.time.MicroTimestamp":         true,
		"io.debezium.time.NanoTimestamp":          true,
		"io.debezium.time.Timestamp":              true,
		"io.debezium.time.ZonedTimestamp":         true,
		"io.debezium.time.ZonedTime":              true,
		"org.apache.kafka.connect.data.Timestamp": true,
	}
	tzUnconvertible = map[string]bool{
		"io.debezium.time.Date":              true,
		"io.debezium.time.MicroTime":         true,
		"io.debezium.time.NanoTime":          true,
		"io.debezium.time.Time":              true,
		"org.apache.kafka.connect.data.Date": true,
		"org.apache.kafka.connect.data.Time": true,
	}
	tzEpochFields = map[string]bool{"ts_ms": true, "ts_us": true, "ts_ns": true}

	// Debezium's checks of converted.timezone and of the lists (the
	// latter over Java's List.toString, "[a, b]"); Java's \s includes the
	// vertical tab, RE2's does not.
	tzOffsetRE = regexp.MustCompile(`^[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$`)
	tzListRE   = regexp.MustCompile(`^\[(source|topic|[".\w\t\n\x0B\f\r _]+):([".\w\t\n\x0B\f\r _]+(?::[".\w\t\n\x0B\f\r _]+)?(?:,|]$))+$`)
)

const tzListFormat = `Please specify a list of rules in the format of "source:<tablename>:<fieldnames>", "topic:<topicname>:<fieldnames>", "<matchname>:<fieldnames>"`

// tzMode is how an event's fields are chosen.
type tzMode int

const (
	tzAll tzMode = iota + 1
	tzInclude
	tzExclude
)

type timezoneConverter struct {
	zone             *time.Location
	include, exclude bool
	// Rules by match name.
	topicRules, tableRules, plainRules map[string]*tzRule
	// now is the moment a ZonedTime's offset is taken at (Debezium's
	// Instant.now()); tests replace it.
	now func() time.Time
}

func newTimezoneConverter(c *Config) (Transform, error) {
	t := &timezoneConverter{
		topicRules: map[string]*tzRule{}, tableRules: map[string]*tzRule{}, plainRules: map[string]*tzRule{},
		now: time.Now,
	}
	tz := c.Required("converted.timezone")
	var include, exclude []string
	if c.Has("include.list") {
		include = smtSplit(c.Props["include.list"], ",")
	}
	if c.Has("exclude.list") {
		exclude = smtSplit(c.Props["exclude.list"], ",")
	}
	t.include, t.exclude = len(include) > 0, len(exclude) > 0
	if t.include && !tzListRE.MatchString("["+strings.Join(include, ", ")+"]") {
		c.Fail("include.list", "Invalid include list format. %s", tzListFormat)
	} else if !t.include && t.exclude && !tzListRE.MatchString("["+strings.Join(exclude, ", ")+"]") {
		c.Fail("exclude.list", "Invalid exclude list format. %s", tzListFormat)
	}
	if strings.TrimSpace(tz) != "" {
		zone, err := tzLoadZone(tz)
		if err != nil {
			c.Fail("converted.timezone", "Invalid timezone format. Please specify either a geographic timezone (e.g. America/Los_Angeles) or a UTC offset in the format of +/-hh:mm, (e.g. +08:00).%s", err)
		}
		t.zone = zone
	}
	if t.include && t.exclude {
		c.Fail("exclude.list", "Both include and exclude lists are specified. Please specify only one.")
	}
	if t.exclude {
		t.collect(exclude)
	} else if t.include {
		t.collect(include)
	}
	return t, nil
}

// tzLoadZone resolves a zone as Debezium accepts it: a "+hh:mm[:ss]"
// offset or a region ID of the time zone database.
func tzLoadZone(tz string) (*time.Location, error) {
	if tzOffsetRE.MatchString(tz) {
		p, err := tzParseTime("00:00" + tz)
		if err != nil || p.offset > 18*3600 || p.offset < -18*3600 {
			return nil, fmt.Errorf(" (%s: the offset must be within +/-18:00)", tz)
		}
		return time.FixedZone(tz, int(p.offset)), nil
	}
	if tz == "Local" || strings.TrimSpace(tz) != tz {
		return nil, errors.New("")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, errors.New("")
	}
	return loc, nil
}

// collect files the rules under their match names. A rule without a
// prefix takes the last prefix seen (compared exactly: "Topic:x" parses as
// a prefix but files as a plain rule, as in Debezium).
func (t *timezoneConverter) collect(rules []string) {
	prefix := ""
	for _, rule := range rules {
		p, match, field := tzParseRule(rule)
		if p != "" {
			prefix = p
		}
		m := t.plainRules
		switch prefix {
		case "topic":
			m = t.topicRules
		case "source":
			m = t.tableRules
		}
		r := m[match]
		if r == nil {
			r = &tzRule{before: map[string]bool{}, after: map[string]bool{}, source: map[string]bool{}}
			m[match] = r
		}
		if field != "" {
			r.add(field)
		}
	}
}

// tzRule is what the rules of one match name say: whether they name
// fields, and which, by block.
type tzRule struct {
	named                 bool
	before, after, source map[string]bool
}

// add files a field: "before.x", "after.x", "source.x", or "x" for both
// before and after.
func (r *tzRule) add(field string) {
	r.named = true
	switch {
	case strings.HasPrefix(field, "source."):
		r.source[strings.TrimPrefix(field, "source.")] = true
	case strings.HasPrefix(field, "before."):
		r.before[strings.TrimPrefix(field, "before.")] = true
	case strings.HasPrefix(field, "after."):
		r.after[strings.TrimPrefix(field, "after.")] = true
	default:
		r.before[field], r.after[field] = true, true
	}
}

// tzAllFields is the rule of an event converted whole.
var tzAllFields = &tzRule{}

// tzParseRule splits a rule: "prefix:match[:field]" when the first part is
// source or topic (any case), else "match[:field]".
func tzParseRule(rule string) (prefix, match, field string) {
	parts := strings.Split(rule, ":")
	switch {
	case len(parts) == 1:
		return "", parts[0], ""
	case len(parts) > 3:
		return "", "", ""
	case strings.EqualFold(parts[0], "source") || strings.EqualFold(parts[0], "topic"):
		if len(parts) == 3 {
			field = parts[2]
		}
		return parts[0], parts[1], field
	}
	return "", parts[0], parts[1]
}

func (t *timezoneConverter) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil || !smtIsEnvelope(r) {
		return r, nil
	}
	env, err := smtStruct(r.ValueSchema, r.Value, "TimezoneConverter")
	if err != nil {
		return nil, err
	}
	table, hasTable, err := tzSourceTable(r.ValueSchema, env)
	if err != nil {
		return nil, err
	}
	topic := r.Topic
	var mode tzMode
	fields := tzAllFields
	switch {
	case !t.include && !t.exclude:
		mode = tzAll
	case t.include:
		if rule, ok := t.match(table, hasTable, topic); ok {
			mode = tzAll
			if rule.named {
				mode, fields = tzInclude, rule
			}
		}
	default:
		rule, ok := t.match(table, hasTable, topic)
		switch {
		case !ok:
			mode = tzAll
		case rule.named:
			mode, fields = tzExclude, rule
		}
	}
	if mode == 0 {
		return r, nil
	}
	out, err := t.convertEnvelope(r.ValueSchema, env, mode, fields)
	if err != nil || out == nil {
		return r, err
	}
	res := *r
	res.Value = out
	return &res, nil
}

// match finds the rule of an event: by topic among topic rules, by table
// among source rules, then plain rules by topic and by table.
func (t *timezoneConverter) match(table string, hasTable bool, topic string) (*tzRule, bool) {
	if fs, ok := t.topicRules[topic]; ok {
		return fs, true
	}
	if fs, ok := t.tableRules[table]; ok && hasTable {
		return fs, true
	}
	if fs, ok := t.plainRules[topic]; ok {
		return fs, true
	}
	if fs, ok := t.plainRules[table]; ok && hasTable {
		return fs, true
	}
	return nil, false
}

// tzSourceTable is source.table as Debezium reads it: absent when the
// envelope has no source struct or the source no string table; a null
// source fails the record (Debezium's NullPointerException).
func tzSourceTable(s *change.Field, env change.StructValue) (string, bool, error) {
	i := s.Member("source")
	if i < 0 || s.Fields[i].Type != change.Struct {
		return "", false, nil
	}
	src, _ := env[i].(change.StructValue)
	if src == nil {
		return "", false, errors.New("TimezoneConverter: the event's source is null")
	}
	ss := &s.Fields[i]
	j := ss.Member("table")
	if j < 0 || ss.Fields[j].Type != change.String {
		return "", false, nil
	}
	table, ok := src[j].(string)
	return table, ok, nil
}

// convertEnvelope converts before, after and (when rules name its fields)
// source; nil when nothing changed.
func (t *timezoneConverter) convertEnvelope(s *change.Field, env change.StructValue, mode tzMode, rule *tzRule) (change.StructValue, error) {
	var out change.StructValue
	for _, part := range []struct {
		name   string
		fields map[string]bool
	}{{"before", rule.before}, {"after", rule.after}, {"source", rule.source}} {
		if part.name == "source" && len(part.fields) == 0 {
			continue
		}
		i := s.Member(part.name)
		if i < 0 || s.Fields[i].Type != change.Struct {
			continue
		}
		v, _ := env[i].(change.StructValue)
		if v == nil {
			continue
		}
		nv, err := t.convertStruct(part.name, &s.Fields[i], v, mode, part.fields)
		if err != nil {
			return nil, err
		}
		if nv != nil {
			if out == nil {
				out = append(change.StructValue(nil), env...)
			}
			out[i] = nv
		}
	}
	return out, nil
}

// convertStruct converts the chosen members of before, after or source;
// nil when none changed.
func (t *timezoneConverter) convertStruct(part string, s *change.Field, v change.StructValue, mode tzMode, fields map[string]bool) (change.StructValue, error) {
	var out change.StructValue
	for i := range s.Fields {
		f := &s.Fields[i]
		epoch := part == "source" && tzEpochFields[f.Name]
		if f.Logical == "" && !epoch {
			continue
		}
		chosen := mode == tzAll || mode == tzInclude && fields[f.Name] || mode == tzExclude && !fields[f.Name]
		if !chosen || tzUnconvertible[f.Logical] || !(tzConvertible[f.Logical] || epoch) {
			continue
		}
		val := v[i]
		if val == nil {
			val = f.Default
		}
		if val == nil {
			continue
		}
		nv, err := t.convertValue(f, val, epoch)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", part, f.Name, err)
		}
		if out == nil {
			out = append(change.StructValue(nil), v...)
		}
		out[i] = nv
	}
	return out, nil
}

// convertValue converts one value of member f.
func (t *timezoneConverter) convertValue(f *change.Field, v any, epoch bool) (any, error) {
	if f.Logical == "" && epoch {
		n, ok := v.(int64)
		if !ok {
			return nil, errors.New("Epoch field value should be a java.lang.Long")
		}
		unit := tzUnit(f.Name)
		return n + tzOffsetAt(t.zone, tzFloorDiv(n, unit))*unit, nil
	}
	switch f.Logical {
	case "io.debezium.time.ZonedTimestamp":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("class %s cannot be cast to class java.lang.String", smtClassName(v))
		}
		p, err := tzParseDateTime(s)
		if err != nil {
			return nil, err
		}
		off := tzOffsetAtLocal(t.zone, p.local)
		return tzFormatDateTime(p.local-p.offset+off, p.nanos, off), nil
	case "io.debezium.time.ZonedTime":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("class %s cannot be cast to class java.lang.String", smtClassName(v))
		}
		p, err := tzParseTime(s)
		if err != nil {
			return nil, err
		}
		off := tzOffsetAt(t.zone, t.now().Unix())
		sec := ((p.local-p.offset+off)%86400 + 86400) % 86400
		return tzFormatTime(sec, p.nanos, off), nil
	}
	unit := tzUnit(f.Logical)
	n, ok := v.(int64)
	if !ok || unit == 0 {
		return nil, fmt.Errorf("class %s cannot be cast to class java.lang.Long", smtClassName(v))
	}
	return n - tzOffsetAtLocal(t.zone, tzFloorDiv(n, unit))*unit, nil
}

// tzUnit is the number of units per second of an epoch source field or a
// zone-less timestamp type; 0 for anything else.
func tzUnit(name string) int64 {
	switch name {
	case "ts_ms", "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp":
		return 1e3
	case "ts_us", "io.debezium.time.MicroTimestamp":
		return 1e6
	case "ts_ns", "io.debezium.time.NanoTimestamp":
		return 1e9
	}
	return 0
}
