// Package bracket reads query strings and form bodies whose parameter
// names use PHP's bracket syntax (a[]=x, a[0]=x, a[k][j]=x) into nested
// values, as PHP's parse_str fills $_GET and $_POST. PHP clients (Guzzle,
// http_build_query) and jQuery write arrays and objects this way, so every
// dialect reads them through here, each then taking the values in its
// original's order: WordPress in PHP's insertion order (Values), the
// ASP.NET dialects by index (ByIndex).
package bracket

import (
	"slices"
	"strconv"
	"strings"
)

// PHP's default limits: a name nested deeper than MaxDepth brackets is
// dropped (max_input_nesting_level), and a query or body is read only up
// to its first MaxVars pairs (max_input_vars). They also bound the work
// one request can ask of the parser.
const (
	MaxDepth = 64
	MaxVars  = 1000
)

// Pair is one decoded name=value of a query string or form body.
type Pair struct{ Name, Value string }

// SplitQuery splits a raw query string or application/x-www-form-urlencoded
// body into decoded pairs, in order, as PHP does: on '&' only (not ';'),
// empty pieces skipped, a piece without '=' an empty value, and each side
// decoded by Unescape.
func SplitQuery(raw string) []Pair { return splitQuery(raw, -1) }

// splitQuery is SplitQuery stopping after max pairs (max < 0: all).
func splitQuery(raw string, max int) []Pair {
	var out []Pair
	for piece := range strings.SplitSeq(raw, "&") {
		if len(out) == max {
			break
		}
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		out = append(out, Pair{Unescape(name), Unescape(value)})
	}
	return out
}

// Unescape decodes a query component as PHP's urldecode does: '+' is a
// space, %XX a byte, and a '%' not followed by two hex digits stays as
// written (Go's url.QueryUnescape refuses the whole string instead).
func Unescape(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// SplitName splits a parameter name as PHP's php_register_variable_ex
// does, into its base and the keys in its brackets: "a[x][]" is "a" with
// keys "x" and "" (an empty key appends, as does "[ ]"). What PHP does
// with the rest is kept:
//   - the name ends at a NUL byte (PHP reads it as a C string), and
//     leading spaces are dropped;
//   - in the base, ' ' and '.' become '_' ("a.b" is "a_b");
//   - a '[' never closed is no bracket: as the first one, it and every
//     ' ', '.' and '[' after it become '_' ("a[b" is "a_b"); later, the
//     name ends before it ("a[x][y" is a[x]);
//   - anything after a ']' that is not a '[' is ignored ("a[x]y" is a[x]);
//   - a key keeps its spaces ("a[ x]" is key " x").
//
// ok is false when PHP registers nothing: an empty base ("", "[a]"), or a
// name nested deeper than MaxDepth, for which base is still returned,
// since PHP then drops what was registered under it before.
func SplitName(name string) (base string, keys []string, ok bool) {
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	name = strings.TrimLeft(name, " ")
	open := strings.IndexByte(name, '[')
	if open < 0 {
		base = mangle(name, false)
		return base, nil, base != ""
	}
	base = mangle(name[:open], false)
	if base == "" {
		return "", nil, false
	}
	rest := name[open:] // always starts with '[' here
	for depth := 1; ; depth++ {
		if depth > MaxDepth {
			return base, nil, false
		}
		inner := rest[1:]
		skip := 0
		if inner != "" && isSpace(inner[0]) {
			skip = 1
		}
		if skip < len(inner) && inner[skip] == ']' {
			keys = append(keys, "")
			rest = inner[skip+1:]
		} else {
			end := strings.IndexByte(inner[skip:], ']')
			if end < 0 {
				if keys == nil {
					return base + "_" + mangle(inner, true), nil, true
				}
				return base, keys, true
			}
			keys = append(keys, inner[:skip+end])
			rest = inner[skip+end+1:]
		}
		if rest == "" || rest[0] != '[' {
			return base, keys, true
		}
	}
}

// mangle replaces the characters PHP allows in no variable name: ' ' and
// '.', and with brackets also '['.
// It works on bytes: a name need not be UTF-8.
func mangle(s string, brackets bool) string {
	if !strings.ContainsAny(s, " .[") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == ' ' || c == '.' || brackets && c == '[' {
			b[i] = '_'
		}
	}
	return string(b)
}

// isSpace is C's isspace in the "C" locale, which PHP uses for "[ ]".
func isSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// Array is a PHP array: an ordered map whose values are strings or
// *Array, its keys in insertion order. A key that is a canonical decimal
// integer ("5", "-1", not "05" or "+5") is an integer key, as in PHP, and
// an appended value takes the next integer after the largest one.
type Array struct {
	keys []string
	vals []any
	pos  map[string]int
	next int64 // the key an append takes, valid when hasNext
	// hasNext is set once an integer key is in; full once the largest is
	// MaxInt64, after which PHP refuses appends.
	hasNext, full bool
}

// NewArray returns an empty array.
func NewArray() *Array { return &Array{pos: map[string]int{}} }

// Parse registers the pairs in order into a new array, as PHP fills $_GET
// or $_POST: later values win, and only the first MaxVars pairs count.
func Parse(pairs []Pair) *Array {
	a := NewArray()
	for i, p := range pairs {
		if i == MaxVars {
			break
		}
		a.Set(p.Name, p.Value)
	}
	return a
}

// ParseQuery is Parse(SplitQuery(raw)): $_GET for a query string. It
// decodes no more than the MaxVars pairs Parse reads.
func ParseQuery(raw string) *Array { return Parse(splitQuery(raw, MaxVars)) }

// Set registers one variable: SplitName, then SetPath. A name too deeply
// nested removes its base, as PHP does.
func (a *Array) Set(name, value string) {
	base, keys, ok := SplitName(name)
	switch {
	case ok:
		a.SetPath(base, keys, value)
	case base != "":
		a.remove(base)
	}
}

// SetPath stores value at a[base][keys[0]]…, making each level an array
// (a value that is not one is replaced in place, as PHP does). An empty
// key appends a new element; an append refused (the next integer key
// would overflow) drops the value.
func (a *Array) SetPath(base string, keys []string, value string) {
	cur, key := a, base
	for _, k := range keys {
		child := NewArray()
		if key == "" {
			if !cur.append(child) {
				return
			}
		} else if old, ok := cur.Get(key); ok {
			if arr, isArr := old.(*Array); isArr {
				child = arr
			} else {
				cur.put(key, child)
			}
		} else {
			cur.put(key, child)
		}
		cur, key = child, k
	}
	if key == "" {
		cur.append(value)
		return
	}
	cur.put(key, value)
}

// Len returns the number of elements.
func (a *Array) Len() int { return len(a.keys) }

// Keys returns the keys in insertion order; the caller must not change
// the slice.
func (a *Array) Keys() []string { return a.keys }

// Get returns the value at key: a string or an *Array.
func (a *Array) Get(key string) (any, bool) {
	i, ok := a.pos[key]
	if !ok {
		return nil, false
	}
	return a.vals[i], true
}

// Values returns the values in insertion order, as PHP's array_values
// does: the order WordPress reads an array parameter in, so
// "a[1]=x&a[0]=y" is x, y.
func (a *Array) Values() []any { return slices.Clone(a.vals) }

// ByIndex returns the values whose keys are integers, ordered by key, as
// ASP.NET binds a[0]=x&a[1]=y: "a[1]=x&a[0]=y" is y, x. Other keys are
// left out, as ASP.NET ignores them.
func (a *Array) ByIndex() []any {
	type item struct {
		k int64
		v any
	}
	var items []item
	for i, k := range a.keys {
		if n, ok := intKey(k); ok {
			items = append(items, item{n, a.vals[i]})
		}
	}
	slices.SortFunc(items, func(x, y item) int {
		switch {
		case x.k < y.k:
			return -1
		case x.k > y.k:
			return 1
		}
		return 0
	})
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}

// Map returns the array as JSON decoding gives an object, each value made
// Plain, so a form or query can be read like a JSON body.
func (a *Array) Map() map[string]any {
	out := make(map[string]any, len(a.keys))
	for i, k := range a.keys {
		out[k] = Plain(a.vals[i])
	}
	return out
}

// Plain turns a parsed value into what JSON decoding gives for the same
// data: a string stays; an array whose keys are all integers is a []any
// of its values in insertion order (PHP's list, as WordPress's
// rest_is_array sees it), any other array a map[string]any.
func Plain(v any) any {
	a, ok := v.(*Array)
	if !ok {
		return v
	}
	list := true
	for _, k := range a.keys {
		if _, isInt := intKey(k); !isInt {
			list = false
			break
		}
	}
	if !list {
		return a.Map()
	}
	out := make([]any, len(a.vals))
	for i, v := range a.vals {
		out[i] = Plain(v)
	}
	return out
}

// intKey reports whether k is an integer key to PHP: decimal digits with
// an optional '-', no leading zero, within int64.
func intKey(k string) (int64, bool) {
	if k == "" || len(k) > 20 || (k[0] != '-' && (k[0] < '0' || k[0] > '9')) {
		return 0, false
	}
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != k {
		return 0, false
	}
	return n, true
}

// put sets key to v, in place when the key is already in.
func (a *Array) put(key string, v any) {
	if i, ok := a.pos[key]; ok {
		a.vals[i] = v
		return
	}
	a.pos[key] = len(a.keys)
	a.keys = append(a.keys, key)
	a.vals = append(a.vals, v)
	if n, ok := intKey(key); ok {
		a.noteInt(n)
	}
}

// noteInt moves the next append past n.
func (a *Array) noteInt(n int64) {
	if a.hasNext && n < a.next {
		return
	}
	a.hasNext = true
	if n == 1<<63-1 {
		a.next, a.full = n, true
		return
	}
	a.next = n + 1
}

// append adds v under the next integer key; false when there is none left
// (PHP's zend_hash_next_index_insert failing).
func (a *Array) append(v any) bool {
	n := int64(0)
	if a.hasNext {
		n = a.next
	}
	if a.full {
		if _, taken := a.pos[strconv.FormatInt(n, 10)]; taken {
			return false
		}
	}
	a.put(strconv.FormatInt(n, 10), v)
	return true
}

// remove deletes key, keeping the others' order.
func (a *Array) remove(key string) {
	i, ok := a.pos[key]
	if !ok {
		return
	}
	a.keys = slices.Delete(a.keys, i, i+1)
	a.vals = slices.Delete(a.vals, i, i+1)
	delete(a.pos, key)
	for j := i; j < len(a.keys); j++ {
		a.pos[a.keys[j]] = j
	}
}
