package asyncapi

import (
	"bytes"
	"encoding/json"

	"go.yaml.in/yaml/v3"
)

// YAML returns doc, a JSON value, as YAML in block style, its keys in the
// order of doc's JSON.
func YAML(doc any) ([]byte, error) {
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	// JSON is YAML: parsed into a node tree, it keeps its key order; only
	// the flow style of its collections is dropped.
	var n yaml.Node
	if err := yaml.Unmarshal(j, &n); err != nil {
		return nil, err
	}
	block(&n)
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(&n); err != nil {
		return nil, err
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// block turns n and its children to block style, and double-quoted
// scalars to the plainest style that keeps their type.
func block(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Style&yaml.DoubleQuotedStyle != 0 {
		n.Style &^= yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		block(c)
	}
}
