// Package columns applies Debezium's column keys to a table's schema and
// rows, for every source: column.include.list and column.exclude.list
// (which columns a record's value carries), the column mappers
// column.truncate.to.N.chars, column.mask.with.N.chars,
// column.mask.hash[.v2].<algorithm>.with.salt.<salt>,
// column.propagate.source.type and datatype.propagate.source.type (how a
// value column's schema and values change), and message.key.columns (which
// columns make the record key).
//
// A source describes each table's columns as Debezium's relational model
// sees them (Column: type name, length, scale, whether JDBC counts the type
// as a character type); Rules.Table returns the table's Plan, which the
// source applies where it builds the table's change.TableSchema and rows.
// Rules are nil when a connector sets none of the keys: sources then skip
// the package entirely.
//
// Debezium's rules, kept here:
//   - Names are matched whole and without regard to case: "<schema>.<table>.<column>"
//     on Postgres, "<database>.<table>.<column>" on MySQL/MariaDB;
//     datatype.propagate.source.type matches "<schema or db>.<table>.<type name>".
//   - A column takes the first mapper rule that matches it, in the order
//     truncate, mask, propagate, datatype propagate, hash, hash v2 (keys of
//     one family by name).
//   - Mappers and the column lists change the value only: the key schema's
//     fields carry no mapper parameters, and the key's values are the
//     columns' own, even of a column the value leaves out or masks (the
//     source then sends them with the event, change.Event.KeyRow).
//   - message.key.columns replaces a table's key by the columns its
//     patterns match, in pattern order; a table none matches keeps its
//     primary key.
package columns
