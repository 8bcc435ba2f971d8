package transforms

import (
	"testing"
)

const kafkaTransforms = "org.apache.kafka.connect.transforms."

// transform configures transform class with opts as the alias "t" of a
// connector config would, and returns it or the configuration error.
func transform(t *testing.T, class string, opts map[string]string) (Transform, error) {
	t.Helper()
	return configureTransform(class, opts)
}

// configureTransform is transform for helpers that have no *testing.T.
func configureTransform(class string, opts map[string]string) (Transform, error) {
	cfg := map[string]string{"transforms": "t", "transforms.t.type": class}
	for k, v := range opts {
		cfg["transforms.t."+k] = v
	}
	p, c, err := plugin(cfg, "t", "transforms.t.", KindTransformation)
	if err != nil {
		return nil, err
	}
	tr, err := p.New(c)
	if err == nil {
		err = c.Err()
	}
	return tr, err
}

// mustTransform is transform failing the test on a configuration error.
func mustTransform(t *testing.T, class string, opts map[string]string) Transform {
	t.Helper()
	tr, err := transform(t, class, opts)
	if err != nil {
		t.Fatalf("%s %v: %v", class, opts, err)
	}
	return tr
}
