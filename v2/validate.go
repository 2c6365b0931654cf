package v2

import (
	"math"
	"reflect"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"
)

// schemaCheck is a request body schema compiled for validation. It gives
// the accept/reject decision of kin-openapi's Schema.VisitJSON (with
// FailFast: every violation answers the same catch-all 400) without what
// VisitJSON spends per call: a settings value, the visited-schema stack,
// sorting every object's keys and walking each oneOf branch through the
// generic visitor. It covers the OpenAPI 3.0 keywords the v2 request
// schemas use (type, nullable, enum, minimum/maximum, min/maxLength,
// min/maxItems, items, properties, required, additionalProperties,
// min/maxProperties, oneOf, anyOf); a schema node with any other keyword
// (pattern, format, multipleOf, allOf, not, exclusive bounds, 3.1
// keywords…) or on a cycle is handed to kin-openapi as it is, so the
// decision is kin-openapi's everywhere (TestSchemaCheckAgrees,
// FuzzSchemaCheck).
type schemaCheck struct {
	src *openapi3.Schema
	// kin: this node is validated by kin-openapi.
	kin bool

	empty    bool // the empty schema: anything but null
	nullable bool
	types    typeMask // 0: any type
	enum     []any
	min, max *float64
	minLen   uint64
	maxLen   *uint64
	minItems uint64
	maxItems *uint64
	items    *schemaCheck
	props    map[string]*schemaCheck
	required []string
	// additional properties: allowed unless noAddl; checked by addl when set.
	addl               *schemaCheck
	noAddl             bool
	minProps           uint64
	maxProps           *uint64
	oneOf, anyOf       []*schemaCheck
	hasOneOf, hasAnyOf bool
}

type typeMask uint8

const (
	tBoolean typeMask = 1 << iota
	tNumber
	tInteger
	tString
	tArray
	tObject
)

var typeBits = map[string]typeMask{openapi3.TypeBoolean: tBoolean, openapi3.TypeNumber: tNumber,
	openapi3.TypeInteger: tInteger, openapi3.TypeString: tString, openapi3.TypeArray: tArray, openapi3.TypeObject: tObject}

// compileSchema compiles s (nil: no schema, nothing to check).
func compileSchema(s *openapi3.Schema) *schemaCheck {
	if s == nil {
		return nil
	}
	return compileNode(s, map[*openapi3.Schema]bool{})
}

// handled is the part of a schema this compiler reads, plus annotations
// that never change a decision; anything left over sends the node to
// kin-openapi.
func unhandled(s *openapi3.Schema) bool {
	rest := *s
	rest.Extensions, rest.Origin = nil, nil
	rest.Title, rest.Description, rest.Default, rest.Example, rest.Examples = "", "", nil, nil, nil
	rest.ExternalDocs, rest.XML, rest.Deprecated, rest.Comment = nil, nil, false, ""
	rest.Type, rest.Nullable, rest.Enum = nil, false, nil
	rest.Min, rest.Max = nil, nil
	rest.MinLength, rest.MaxLength = 0, nil
	rest.MinItems, rest.MaxItems, rest.Items = 0, nil, nil
	rest.Required, rest.Properties, rest.MinProps, rest.MaxProps = nil, nil, 0, nil
	rest.AdditionalProperties = openapi3.AdditionalProperties{}
	rest.OneOf, rest.AnyOf = nil, nil
	return !reflect.ValueOf(rest).IsZero()
}

func compileNode(s *openapi3.Schema, onPath map[*openapi3.Schema]bool) *schemaCheck {
	c := &schemaCheck{src: s}
	if onPath[s] || unhandled(s) {
		c.kin = true
		return c
	}
	onPath[s] = true
	defer delete(onPath, s)
	sub := func(ref *openapi3.SchemaRef) (*schemaCheck, bool) {
		if ref == nil || ref.Value == nil {
			return nil, false
		}
		return compileNode(ref.Value, onPath), true
	}
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			bit, ok := typeBits[t]
			if !ok { // "null" (3.1) and anything unknown
				c.kin = true
				return c
			}
			c.types |= bit
		}
		if c.types == 0 {
			c.kin = true // an empty type list
			return c
		}
	}
	c.empty = s.IsEmpty()
	c.nullable, c.enum = s.Nullable, s.Enum
	c.min, c.max = s.Min, s.Max
	c.minLen, c.maxLen = s.MinLength, s.MaxLength
	c.minItems, c.maxItems = s.MinItems, s.MaxItems
	c.required, c.minProps, c.maxProps = s.Required, s.MinProps, s.MaxProps
	ok := true
	if s.Items != nil {
		c.items, ok = sub(s.Items)
	}
	if len(s.Properties) > 0 {
		c.props = make(map[string]*schemaCheck, len(s.Properties))
		for k, ref := range s.Properties {
			var good bool
			if c.props[k], good = sub(ref); !good {
				ok = false
			}
		}
	}
	if ref := s.AdditionalProperties.Schema; ref != nil {
		var good bool
		if c.addl, good = sub(ref); !good {
			ok = false
		}
	}
	if has := s.AdditionalProperties.Has; has != nil && !*has {
		c.noAddl = true
	}
	for _, ref := range s.OneOf {
		n, good := sub(ref)
		ok = ok && good
		c.oneOf = append(c.oneOf, n)
	}
	for _, ref := range s.AnyOf {
		n, good := sub(ref)
		ok = ok && good
		c.anyOf = append(c.anyOf, n)
	}
	c.hasOneOf, c.hasAnyOf = len(s.OneOf) > 0, len(s.AnyOf) > 0
	if !ok {
		// An unresolved reference: kin-openapi reports it.
		return &schemaCheck{src: s, kin: true}
	}
	return c
}

func (c *schemaCheck) permits(t typeMask) bool { return c.types == 0 || c.types&t != 0 }

// valid reports whether v passes the schema (in the order of kin-openapi's
// visitJSON: null, empty schema, oneOf/anyOf, enum, then the type's own
// keywords).
func (c *schemaCheck) valid(v any) bool {
	if c.kin {
		return c.src.VisitJSON(v, openapi3.FailFast()) == nil
	}
	switch x := v.(type) {
	case nil:
		if c.nullable {
			return true
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	if c.empty {
		return v != nil
	}
	visited := false
	if c.hasOneOf {
		n := 0
		for _, o := range c.oneOf {
			if o.valid(v) {
				n++
			}
		}
		if n != 1 {
			return false
		}
		visited = true
	}
	if c.hasAnyOf {
		any1 := false
		for _, o := range c.anyOf {
			if o.valid(v) {
				any1 = true
				break
			}
		}
		if !any1 {
			return false
		}
		visited = true
	}
	if visited && v == nil {
		return true
	}
	if len(c.enum) > 0 && !enumHas(c.enum, v) {
		return false
	}
	switch x := v.(type) {
	case nil:
		return c.nullable
	case bool:
		return c.permits(tBoolean)
	case float64:
		return c.number(x)
	case string:
		return c.str(x)
	case []any:
		return c.array(x)
	case map[string]any:
		return c.object(x)
	}
	// A value the decoder never makes (json.Number, ints): kin-openapi.
	return c.src.VisitJSON(v, openapi3.FailFast()) == nil
}

func (c *schemaCheck) number(x float64) bool {
	if c.permits(tInteger) && !c.permits(tNumber) {
		if x != math.Trunc(x) {
			return false
		}
	} else if !c.permits(tInteger) && !c.permits(tNumber) {
		return false
	}
	if c.min != nil && !(*c.min <= x) {
		return false
	}
	if c.max != nil && !(*c.max >= x) {
		return false
	}
	return true
}

func (c *schemaCheck) str(x string) bool {
	if !c.permits(tString) {
		return false
	}
	if c.minLen != 0 || c.maxLen != nil {
		// kin-openapi's count: a surrogate code point counts twice (a Go
		// string never yields one, so this is the rune count).
		var n uint64
		for _, r := range x {
			if utf16.IsSurrogate(r) {
				n += 2
			} else {
				n++
			}
		}
		if n < c.minLen || (c.maxLen != nil && n > *c.maxLen) {
			return false
		}
	}
	return true
}

func (c *schemaCheck) array(x []any) bool {
	if !c.permits(tArray) {
		return false
	}
	n := uint64(len(x))
	if n < c.minItems || (c.maxItems != nil && n > *c.maxItems) {
		return false
	}
	if c.items != nil {
		for _, e := range x {
			if !c.items.valid(e) {
				return false
			}
		}
	}
	return true
}

func (c *schemaCheck) object(x map[string]any) bool {
	if !c.permits(tObject) {
		return false
	}
	n := uint64(len(x))
	if n < c.minProps || (c.maxProps != nil && n > *c.maxProps) {
		return false
	}
	for k, v := range x {
		if p := c.props[k]; p != nil {
			if !p.valid(v) {
				return false
			}
			continue
		}
		if c.noAddl {
			return false
		}
		if c.addl != nil && !c.addl.valid(v) {
			return false
		}
	}
	for _, k := range c.required {
		if _, ok := x[k]; !ok {
			return false
		}
	}
	return true
}

// enumHas reports whether v equals one of enum, as kin-openapi compares
// (numbers by value, arrays and objects member by member).
func enumHas(enum []any, v any) bool {
	for _, e := range enum {
		if es, ok := e.(string); ok {
			if vs, ok := v.(string); ok && vs == es {
				return true
			}
			continue
		}
		if equalJSON(e, v) {
			return true
		}
	}
	return false
}

func equalJSON(a, b any) bool {
	if x, ok := asFloat(a); ok {
		y, ok := asFloat(b)
		return ok && x == y
	}
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equalJSON(av, bv) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}
