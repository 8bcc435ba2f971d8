// Package change is the leaf of sluice: the events a source yields, the schema
// of the tables they belong to, and the positions that order them. It imports
// nothing of sluice's own, so every other package may import it.
package change
