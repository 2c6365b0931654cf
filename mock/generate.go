package mock

import (
	"encoding/json"
	"hash/fnv"
	"strings"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/getkin/kin-openapi/openapi3"
)

// generated answers an operation that has no stateful handler with a
// schema-valid, deterministic body: the seed example of its 200 response
// when the spec has one, otherwise values generated from the schema by a
// faker seeded from --seed, the operation and the request (a faker per
// request, since gofakeit instances are not goroutine-safe).
func (s *Server) generated(op *operation) handlerFunc {
	return func(cl *call) (any, error) {
		h := fnv.New64a()
		_, _ = h.Write([]byte(op.id))
		_, _ = h.Write([]byte(cl.c.Request.URL.RawQuery))
		if b, err := json.Marshal(cl.body); err == nil {
			_, _ = h.Write(b)
		}
		f := gofakeit.New(s.opts.Seed ^ int64(h.Sum64()))
		if ex, ok := exampleData(op); ok {
			return ex, nil
		}
		sc := successSchema(op)
		if sc == nil {
			return nil, nil
		}
		if d := sc.Properties["data"]; d != nil && d.Value != nil {
			return fake(f, d.Value, 0), nil
		}
		return nil, nil
	}
}

// successSchema finds the success envelope schema of the 200 JSON response
// (the first anyOf branch that is not the error envelope).
func successSchema(op *operation) *openapi3.Schema {
	r := op.spec.Responses.Status(200)
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	sc := mt.Schema.Value
	for _, alt := range sc.AnyOf {
		if alt.Value != nil && !strings.HasSuffix(alt.Ref, "/ErrorEnvelope") {
			return alt.Value
		}
	}
	return sc
}

// exampleData returns the `data` of the 200 example, deep-copied.
func exampleData(op *operation) (any, bool) {
	r := op.spec.Responses.Status(200)
	if r == nil || r.Value == nil {
		return nil, false
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil {
		return nil, false
	}
	ex := mt.Example
	if ex == nil {
		for _, e := range mt.Examples {
			if e != nil && e.Value != nil {
				ex = e.Value.Value
				break
			}
		}
	}
	if ex == nil {
		return nil, false
	}
	raw, err := json.Marshal(ex)
	if err != nil {
		return nil, false
	}
	var v map[string]any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	d, ok := v["data"]
	return d, ok
}

// fake generates a value that satisfies sc.
func fake(f *gofakeit.Faker, sc *openapi3.Schema, depth int) any {
	if sc.Example != nil {
		return sc.Example
	}
	if len(sc.Enum) > 0 {
		return sc.Enum[f.IntRange(0, len(sc.Enum)-1)]
	}
	if depth > 20 {
		return nil
	}
	for _, alts := range [][]*openapi3.SchemaRef{sc.AnyOf, sc.OneOf} {
		if len(alts) > 0 && alts[0].Value != nil {
			return fake(f, alts[0].Value, depth+1)
		}
	}
	switch {
	case sc.Type.Is("object"):
		out := map[string]any{}
		for name, p := range sc.Properties {
			if p.Value != nil {
				out[name] = fake(f, p.Value, depth+1)
			}
		}
		return out
	case sc.Type.Is("array"):
		n := 1
		if sc.MinItems > 1 {
			n = int(sc.MinItems)
		}
		out := make([]any, 0, n)
		for i := 0; i < n && sc.Items != nil && sc.Items.Value != nil; i++ {
			out = append(out, fake(f, sc.Items.Value, depth+1))
		}
		return out
	case sc.Type.Is("integer"):
		lo, hi := 0, 1000
		if sc.Min != nil {
			lo = int(*sc.Min)
		}
		if sc.Max != nil {
			hi = int(*sc.Max)
		}
		return f.IntRange(lo, hi)
	case sc.Type.Is("number"):
		lo, hi := 0.0, 1.0
		if sc.Min != nil {
			lo = *sc.Min
		}
		if sc.Max != nil {
			hi = *sc.Max
		}
		return f.Float64Range(lo, hi)
	case sc.Type.Is("boolean"):
		return f.Bool()
	case sc.Type.Is("string"):
		if sc.Pattern == `^\d+$` {
			return f.DigitN(18)
		}
		return f.Word()
	}
	return nil
}
