package bracket

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// dump writes an array with its keys in order, as PHP's print_r would
// list them: {"a":{"0":"x"}}.
func dump(v any) string {
	a, ok := v.(*Array)
	if !ok {
		return strconv.Quote(v.(string))
	}
	parts := make([]string, a.Len())
	for i, k := range a.Keys() {
		val, _ := a.Get(k)
		parts[i] = strconv.Quote(k) + ":" + dump(val)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestParseQuery holds the parser to what PHP 8.3's parse_str gives for
// each query (php_default_treat_data and php_register_variable_ex).
func TestParseQuery(t *testing.T) {
	t.Parallel()
	deep := "a" + strings.Repeat("[x]", MaxDepth)
	tests := []struct{ query, want string }{
		{"", `{}`},
		{"a=1&b=2", `{"a":"1","b":"2"}`},
		{"a[]=x&a[]=y", `{"a":{"0":"x","1":"y"}}`},
		{"a[0]=x&a[1]=y", `{"a":{"0":"x","1":"y"}}`},
		// Keys stay in the order they came, whatever their value.
		{"a[1]=y&a[0]=x", `{"a":{"1":"y","0":"x"}}`},
		{"include%5B0%5D=5&include%5B1%5D=6", `{"include":{"0":"5","1":"6"}}`},
		{"a[0]=x&a[]=y&a[5]=z&a[]=w", `{"a":{"0":"x","1":"y","5":"z","6":"w"}}`},
		{"a[k][j]=1&a[k][m]=2", `{"a":{"k":{"j":"1","m":"2"}}}`},
		{"modifiers[0][type]=rotate&modifiers[0][args][angle]=90", `{"modifiers":{"0":{"type":"rotate","args":{"angle":"90"}}}}`},
		{"a[][x]=1&a[][y]=2", `{"a":{"0":{"x":"1"},"1":{"y":"2"}}}`},
		// Later values win, in the first one's place.
		{"a=1&b=2&a=3", `{"a":"3","b":"2"}`},
		{"a[x]=1&a[y]=2&a[x]=3", `{"a":{"x":"3","y":"2"}}`},
		{"a=1&a[]=2", `{"a":{"0":"2"}}`},
		{"a[]=1&a=2", `{"a":"2"}`},
		{"a[x]=1&a[x][y]=2", `{"a":{"x":{"y":"2"}}}`},
		// Malformed brackets.
		{"a[=1", `{"a_":"1"}`},
		{"a[b=1", `{"a_b":"1"}`},
		{"a[b.c d[e=1", `{"a_b_c_d_e":"1"}`},
		{"a[x][y=1", `{"a":{"x":"1"}}`},
		{"a[][y=1", `{"a":{"0":"1"}}`},
		{"a[x]junk=1", `{"a":{"x":"1"}}`},
		{"a[x]junk[y]=1", `{"a":{"x":"1"}}`},
		{"a]=1", `{"a]":"1"}`},
		{"a][x]=1", `{"a]":{"x":"1"}}`},
		{"[a]=1&=2&[]=3", `{}`},
		{"a[x[y]=1", `{"a":{"x[y":"1"}}`},
		{"a[ ]=1", `{"a":{"0":"1"}}`},
		{"a[%09]=1", `{"a":{"0":"1"}}`},
		{"a[ x]=1", `{"a":{" x":"1"}}`},
		{"a[  ]=1", `{"a":{"  ":"1"}}`},
		// ' ' and '.' are '_' in the base only.
		{"a.b=1&c+d=2&%20%20e=3", `{"a_b":"1","c_d":"2","e":"3"}`},
		{"a.b[c.d]=1", `{"a_b":{"c.d":"1"}}`},
		// Decoding: '+' a space, malformed escapes kept, a NUL ends a name.
		{"a=1+2%2B3&b=100%&%zz=%4", `{"a":"1 2+3","b":"100%","%zz":"%4"}`},
		{"a%00b=1&c=x%00y", `{"a":"1","c":"x\x00y"}`},
		{"a&&b=&=c&c=1;d=2", `{"a":"","b":"","c":"1;d=2"}`},
		// Integer keys are canonical decimals; appends follow the largest.
		{"a[05]=x&a[]=y", `{"a":{"05":"x","0":"y"}}`},
		{"a[-3]=x&a[]=y", `{"a":{"-3":"x","-2":"y"}}`},
		{"a[7]=x&a[2]=y&a[]=z", `{"a":{"7":"x","2":"y","8":"z"}}`},
		{"a[9223372036854775807]=x&a[]=y", `{"a":{"9223372036854775807":"x"}}`},
		{"a[9223372036854775808]=x&a[]=y", `{"a":{"9223372036854775808":"x","0":"y"}}`},
		{"a[-0]=x&a[%2B1]=y&a[]=z", `{"a":{"-0":"x","+1":"y","0":"z"}}`},
		// Nesting: MaxDepth levels are kept; one more drops the name and
		// what its base held.
		{deep + "=1", `{"a":` + strings.Repeat(`{"x":`, MaxDepth) + `"1"` + strings.Repeat("}", MaxDepth) + "}"},
		{"a=1&b=2&" + deep + "[x]=3", `{"b":"2"}`},
	}
	for _, tt := range tests {
		if got := dump(ParseQuery(tt.query)); got != tt.want {
			t.Errorf("ParseQuery(%q)\n got %s\nwant %s", tt.query, got, tt.want)
		}
	}
}

func TestParseMaxVars(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range MaxVars + 1 {
		fmt.Fprintf(&b, "a[]=%d&", i)
	}
	v, _ := ParseQuery(b.String()).Get("a")
	if n := v.(*Array).Len(); n != MaxVars {
		t.Errorf("%d pairs kept, want PHP's max_input_vars %d", n, MaxVars)
	}
}

func TestOrders(t *testing.T) {
	t.Parallel()
	v, _ := ParseQuery("a[1]=x&a[]=y&a[0]=z&a[k]=w").Get("a")
	a := v.(*Array)
	if got := fmt.Sprint(a.Values()); got != "[x y z w]" {
		t.Errorf("Values = %s, want insertion order (PHP's array_values)", got)
	}
	if got := fmt.Sprint(a.ByIndex()); got != "[z x y]" {
		t.Errorf("ByIndex = %s, want by index, non-integer keys left out", got)
	}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	tests := []struct{ query, json string }{
		{"a[]=x&a[]=y", `{"a":["x","y"]}`},
		{"a[1]=y&a[0]=x", `{"a":["y","x"]}`},
		{"a[x]=1&a[0]=2", `{"a":{"0":"2","x":"1"}}`},
		{"flip[horizontal]=1&flip[vertical]=0", `{"flip":{"horizontal":"1","vertical":"0"}}`},
		{"modifiers[0][type]=rotate&modifiers[0][args][angle]=90&modifiers[1][type]=crop&modifiers[1][args][left]=0",
			`{"modifiers":[{"args":{"angle":"90"},"type":"rotate"},{"args":{"left":"0"},"type":"crop"}]}`},
		{"title=t", `{"title":"t"}`},
	}
	for _, tt := range tests {
		var want any
		if err := json.Unmarshal([]byte(tt.json), &want); err != nil {
			t.Fatal(err)
		}
		if got := ParseQuery(tt.query).Map(); !reflect.DeepEqual(got, want) {
			t.Errorf("Map(%q) = %#v, want %s", tt.query, got, tt.json)
		}
	}
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base string
		keys       []string
		ok         bool
	}{
		{"a", "a", nil, true},
		{"a[]", "a", []string{""}, true},
		{"a[x][][0]", "a", []string{"x", "", "0"}, true},
		{"a[b", "a_b", nil, true},
		{"", "", nil, false},
		{"   ", "", nil, false},
		{"[x]", "", nil, false},
		{"a" + strings.Repeat("[]", MaxDepth+1), "a", nil, false},
	}
	for _, tt := range tests {
		base, keys, ok := SplitName(tt.name)
		if base != tt.base || !reflect.DeepEqual(keys, tt.keys) || ok != tt.ok {
			t.Errorf("SplitName(%q) = %q, %q, %v; want %q, %q, %v", tt.name, base, keys, ok, tt.base, tt.keys, tt.ok)
		}
	}
}

// FuzzParseQuery checks the parser on any input: no panic; a well-formed
// array; every base free of what PHP mangles; a name rebuilt from its
// base and keys splits the same; and the last pair, when it names one
// place, holds its value there.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"include%5B0%5D=5&include%5B1%5D=6&orderby=include",
		"a[]=x&a[]=y&a[1]=z", "a[1]=y&a[0]=x",
		"modifiers[0][type]=rotate&modifiers[0][args][angle]=90",
		"flip[horizontal]=1&flip[vertical]=0&src=http%3A%2F%2Fx%2Fa.jpg",
		"a[=1", "a[b.c d[e=1", "a[x][y=1", "a[x]junk=1", "[a]=1", "a[ ]=1&a[%09x]=2",
		"a.b+c=1", "a%00b=1", "a=1&a[]=2&a=3", "a[9223372036854775807]=x&a[]=y", "a[-5]=x&a[]=y",
		"a" + strings.Repeat("[x]", MaxDepth+1) + "=1",
		"%zz=%&&;=;", "fields=properties[alt]&filter[]=name:x&sort[1]=name:asc&sort[0]=createDate:desc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pairs := SplitQuery(raw)
		a := Parse(pairs)
		checkArray(t, a, 0)
		for _, k := range a.Keys() {
			if k == "" || strings.ContainsAny(k, " .[\x00") {
				t.Fatalf("top-level name %q holds what PHP replaces", k)
			}
		}
		for _, p := range pairs {
			base, keys, ok := SplitName(p.Name)
			if !ok {
				continue
			}
			rebuilt := base
			for _, k := range keys {
				rebuilt += "[" + k + "]"
			}
			b2, k2, ok2 := SplitName(rebuilt)
			if !ok2 || b2 != base || !reflect.DeepEqual(k2, keys) {
				t.Fatalf("%q splits to %q %q; rebuilt %q splits to %q %q %v", p.Name, base, keys, rebuilt, b2, k2, ok2)
			}
		}
		if len(pairs) == 0 || len(pairs) > MaxVars {
			return
		}
		last := pairs[len(pairs)-1]
		base, keys, ok := SplitName(last.Name)
		if !ok {
			return
		}
		var cur any = a
		for _, k := range append([]string{base}, keys...) {
			if k == "" {
				return // an append: its key depends on what came before
			}
			arr, isArr := cur.(*Array)
			if !isArr {
				t.Fatalf("%q: %q is not an array", last.Name, k)
			}
			if cur, ok = arr.Get(k); !ok {
				t.Fatalf("last pair %q=%q: key %q missing", last.Name, last.Value, k)
			}
		}
		if cur != last.Value {
			t.Fatalf("last pair %q=%q: holds %#v", last.Name, last.Value, cur)
		}
		if _, err := json.Marshal(a.Map()); err != nil {
			t.Fatalf("Map can't be encoded: %v", err)
		}
	})
}

// checkArray checks the bookkeeping of a and everything in it.
func checkArray(t *testing.T, a *Array, depth int) {
	t.Helper()
	if depth > MaxDepth+1 {
		t.Fatalf("nested %d deep", depth)
	}
	if len(a.keys) != len(a.vals) || len(a.keys) != len(a.pos) {
		t.Fatalf("%d keys, %d values, %d positions", len(a.keys), len(a.vals), len(a.pos))
	}
	for i, k := range a.keys {
		if a.pos[k] != i {
			t.Fatalf("key %q at %d, indexed at %d", k, i, a.pos[k])
		}
		switch v := a.vals[i].(type) {
		case string:
		case *Array:
			checkArray(t, v, depth+1)
		default:
			t.Fatalf("value %T", v)
		}
	}
}
