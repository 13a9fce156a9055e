package wp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/pixelmill/pixelmill/api-service/internal/bracket"
	"github.com/pixelmill/pixelmill/services/media"
)

// Fuzz targets for the request parsing of the WordPress dialect. Seeds are
// WordPress's own cases (spec §3.1, §6.5, §10.1 and the REST attachments
// tests); they run as plain tests with `go test`, and `make fuzz` mutates
// them.

// safely runs fn and turns a panic into a test failure, so a regression
// input in testdata fails its own case instead of killing the package's
// whole test binary.
func safely[T any](t *testing.T, what string, fn func() T) T {
	t.Helper()
	var out T
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s panicked: %v", what, r)
			}
		}()
		out = fn()
	}()
	return out
}

// wpFilename is WordPress's get_filename_from_disposition, line for line
// (PHP's trim, empty() and substr), the reference FilenameFromDisposition
// must agree with.
func wpFilename(values []string) (name string, found bool) {
	phpTrim := func(s string) string { return strings.Trim(s, " \t\n\r\x00\x0B") }
	for _, v := range values {
		v = phpTrim(v)
		_, rest, ok := strings.Cut(v, ";")
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, part := range strings.Split(rest, ";") {
			k, val, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			attrs[phpTrim(k)] = phpTrim(val)
		}
		if f := attrs["filename"]; f == "" || f == "0" { // empty()
			continue
		}
		name, found = attrs["filename"], true
		if strings.HasPrefix(name, `"`) && strings.HasSuffix(name, `"`) {
			name = strings.TrimPrefix(name, `"`)
			name = strings.TrimSuffix(name, `"`) // substr($f, 1, -1): `"` → ""
		}
	}
	return name, found
}

// headerValue reports whether v could reach the handler as a header value:
// net/http refuses control characters other than tab.
func headerValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func FuzzFilenameFromDisposition(f *testing.F) {
	// WordPress's data_parse_disposition cases (spec §6.5), one header each,
	// then pairs for "the last header wins".
	for _, v := range []string{
		`attachment; filename="foo.jpg"`, `inline; filename="foo.jpg"`, `form-data; filename="foo.jpg"`,
		`attachment; filename=foo.jpg`, `attachment;filename="foo.jpg"`, `attachment; filename = "foo.jpg"`,
		"attachment;\tfilename\t=\t\"foo.jpg\"", `attachment; filename = my foo picture.jpg`,
		`form-data; name="myfile"; filename="foo.jpg"; something="else"`,
		`form-data; name=myfile; filename=my foo.jpg; something=else`,
		`filename="foo.jpg"`, `filename-foo.jpg`, `foo.jpg`, `unknown; notfilename="foo.jpg"`, `attachment`,
		`attachment; filename*=UTF-8''foo.jpg`, `attachment; filename="a;b.jpg"`, `attachment; filename="canola.jpg`,
		`attachment; filename=""`, `attachment; filename==x.jpg`,
	} {
		f.Add(v, "")
	}
	f.Add(`attachment; filename=a.jpg`, `attachment; filename=b.jpg`)
	f.Add(`attachment; filename=a.jpg`, `attachment`)
	f.Add(`attachment; filename=a.jpg`, `attachment; name=x`)
	f.Fuzz(func(t *testing.T, first, second string) {
		values := []string{first}
		if second != "" {
			values = append(values, second)
		}
		got := safely(t, fmt.Sprintf("FilenameFromDisposition(%q)", values), func() string { return FilenameFromDisposition(values) })
		if strings.Contains(got, ";") {
			t.Fatalf("%q → %q: a filename can't hold the separator ;", values, got)
		}
		if got != "" && !strings.Contains(first, got) && !strings.Contains(second, got) {
			t.Fatalf("%q → %q: not taken from the headers", values, got)
		}
		// Headers without ";" say nothing.
		var withSemi []string
		for _, v := range values {
			if strings.Contains(v, ";") {
				withSemi = append(withSemi, v)
			}
		}
		if again := FilenameFromDisposition(withSemi); again != got {
			t.Fatalf("%q → %q, but without the headers lacking ; → %q", values, got, again)
		}
		// The last header with a filename parameter decides, even when
		// that name unquotes to nothing (WordPress's loop overwrites).
		if len(values) == 2 {
			last, prev := FilenameFromDisposition(values[1:]), FilenameFromDisposition(values[:1])
			want := prev
			if _, found := wpFilename(values[1:]); found {
				want = last
			}
			if got != want {
				t.Fatalf("%q → %q, want %q (last %q, first %q)", values, got, want, last, prev)
			}
		}
		// What WordPress would do with a header net/http lets through:
		// refuse it (400 rest_upload_invalid_disposition, `empty($filename)`)
		// or take the same name.
		if !headerValue(first) || !headerValue(second) {
			return
		}
		want, found := wpFilename(values)
		wpOK := found && want != "" && want != "0"
		if pmOK := got != ""; pmOK != wpOK || wpOK && got != want {
			t.Fatalf("%q → %q (accepted %v); WordPress → %q (accepted %v)", values, got, pmOK, want, wpOK)
		}
	})
}

// paramsSeeds are list queries of WordPress's attachments tests (spec §3.1).
var paramsSeeds = []string{
	"", "context=edit", "context=foo", "page=2&per_page=5", "per_page=0", "per_page=101", "per_page=abc", "page=-1",
	"offset=-1", "offset=3", "order=asc", "order=up", "orderby=relevance&search=canola", "orderby=include&include=5,3",
	"orderby=nope", "include=1,2,3", "include[]=1&include[]=2", "include=[1,2]", "include=[999999]",
	"exclude=abc", "author=1&author_exclude=2,x", "parent=0", "parent_exclude[]=3", `parent=["4","5"]`,
	"status=inherit", "status=private,trash", "status=publish", "media_type=image", "media_type=image,video",
	"media_type=[\"audio\"]", "media_type=book", "mime_type=image/jpeg,audio/mpeg", "mime_type=text/html",
	"after=2016-01-15T00:00:00Z", "before=2016-01-17T00:00:00+02:00", "modified_after=2016-01-15T00:00:00",
	"modified_before=2016-01-15 00:00:00", "after=foo", "before=2016-13-45T00:00:00", "search_columns=post_title",
	"search_columns=post_title,post_name", "search_semantics=exact", "search_semantics=fuzzy", "slug=canola,codeispoetry",
	"slug[]=a&slug=b,c", "_fields=id,title", "include=9223372036854775808", "per_page=99999999999999999999",
	"include=%20,%20,1", "include=[1,[2]]", "include=[\"1\",null,true]",
	// What PHP clients send (http_build_query, Guzzle): bracketed arrays.
	"include%5B0%5D=5&include%5B1%5D=6&orderby=include", "include[1]=6&include[0]=5", "include[x]=1",
	"status[0]=inherit&status[1]=private", "media_type[]=image&media_type[]=book", "slug[0]=a%20b&slug[1]=c",
	"search[]=x", "per_page[]=5", "context[]=edit", "after[x]=2016-01-15T00:00:00Z", "author=1%202,3%093",
	"page=1&page=2", "_fields[]=id&_fields[]=%20title", "slug[A]", "mime_type[k]=image/png&include[k]=1",
}

// intListNames, dateNames, … are the parameters handleMediaList reads, each
// the way it reads them.
var (
	intListNames = []string{"author", "author_exclude", "include", "exclude", "parent", "parent_exclude"}
	dateNames    = []string{"after", "before", "modified_after", "modified_before"}
	integerArgs  = []struct {
		name         string
		def, lo, hi  int
		wantDefaults bool
	}{{"page", 1, 1, 0, true}, {"per_page", 10, 1, 100, true}, {"offset", -1, 0, 0, true}}
	enumArgs = []struct {
		name, def string
		values    []string
	}{
		{"context", "view", []string{"view", "embed", "edit"}},
		{"order", "desc", []string{"asc", "desc"}},
		{"orderby", "date", []string{"author", "date", "id", "include", "modified", "parent", "relevance", "slug", "include_slugs", "title"}},
		{"search_semantics", "", []string{"exact"}},
	}
	enumListArgs = []struct {
		name   string
		values []string
	}{
		{"search_columns", []string{"post_title", "post_content", "post_excerpt"}},
		{"status", []string{"inherit", "private", "trash"}},
		{"media_type", mediaTypes},
	}
)

// jsonIntegers returns the integers of a JSON array whose items are all
// JSON numbers with an exact integer value (as WordPress's json_decode and
// rest_is_integer take them), or ok=false.
func jsonIntegers(v string) (ints []int64, ok bool) {
	if !strings.HasPrefix(v, "[") {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var arr []any
	if dec.Decode(&arr) != nil || dec.More() {
		return nil, false
	}
	if json.Unmarshal([]byte(v), new([]any)) != nil {
		return nil, false
	}
	for _, a := range arr {
		n, isNum := a.(json.Number)
		if !isNum {
			return nil, false
		}
		fl, err := n.Float64()
		if err != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
			return nil, false
		}
		ints = append(ints, int64(fl))
	}
	return ints, true
}

func FuzzParams(f *testing.F) {
	for _, s := range paramsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		vals := bracket.ParseQuery(rawQuery).Map() // $_GET
		p := newParams(vals)
		// one returns a parameter sent as one string; sent is false when
		// it is absent, and array true when it came as an array.
		one := func(name string) (v string, array bool) {
			switch x := vals[name].(type) {
			case string:
				return x, false
			case nil:
				return "", false
			}
			return "", true
		}
		failed := map[string]bool{}
		mustFail := func(name string, want bool, what string) {
			t.Helper()
			_, recorded := p.reasons[name]
			if recorded != want {
				t.Fatalf("%s: %s; failure recorded = %v, want %v (query %q)", name, what, recorded, want, rawQuery)
			}
			if want {
				failed[name] = true
			}
		}

		for _, a := range integerArgs {
			v, array := one(a.name)
			got := p.integer(a.name, a.def, a.lo, a.hi)
			n, err := strconv.Atoi(v)
			inBounds := err == nil && n >= a.lo && (a.hi <= 0 || n <= a.hi)
			switch {
			case array:
				if got != a.def {
					t.Fatalf("%s sent as an array → %d, want default %d", a.name, got, a.def)
				}
				mustFail(a.name, true, "an array is no integer")
			case v == "":
				if got != a.def {
					t.Fatalf("%s absent → %d, want default %d", a.name, got, a.def)
				}
				mustFail(a.name, false, "absent")
			case inBounds:
				if got != n {
					t.Fatalf("%s=%q → %d", a.name, v, got)
				}
				mustFail(a.name, false, "in bounds")
			default:
				if got != a.def {
					t.Fatalf("%s=%q (invalid) → %d, want default %d", a.name, v, got, a.def)
				}
				mustFail(a.name, true, "invalid or out of bounds")
			}
		}

		for _, a := range enumArgs {
			v, array := one(a.name)
			got := p.enum(a.name, a.def, a.values...)
			valid := false
			for _, e := range a.values {
				valid = valid || v == e
			}
			switch {
			case array:
				if got != a.def {
					t.Fatalf("%s sent as an array → %q", a.name, got)
				}
				mustFail(a.name, true, "an array is no string")
			case v == "":
				if got != a.def {
					t.Fatalf("%s absent → %q", a.name, got)
				}
				mustFail(a.name, false, "absent")
			case valid:
				if got != v {
					t.Fatalf("%s=%q → %q", a.name, v, got)
				}
				mustFail(a.name, false, "in the enum")
			default:
				if got != a.def {
					t.Fatalf("%s=%q → %q, want default %q", a.name, v, got, a.def)
				}
				mustFail(a.name, true, "not in the enum")
			}
		}

		for _, a := range enumListArgs {
			items := p.list(a.name)
			got := p.enumList(a.name, a.values...)
			bad := false
			for _, it := range items {
				ok := false
				for _, e := range a.values {
					ok = ok || it == e
				}
				bad = bad || !ok
			}
			if bad {
				if got != nil {
					t.Fatalf("%s: %q has an item outside the enum, returned %q", a.name, items, got)
				}
			} else if fmt.Sprint(got) != fmt.Sprint(items) {
				t.Fatalf("%s: %q → %q", a.name, items, got)
			}
			_, object := vals[a.name].(map[string]any)
			mustFail(a.name, bad || object, fmt.Sprintf("items %q", items))
		}

		for _, name := range intListNames {
			items := p.list(name)
			got := p.intList(name)
			var want []int64
			bad := false
			for _, it := range items {
				n, err := strconv.ParseInt(it, 10, 64)
				bad = bad || err != nil
				want = append(want, n)
			}
			if bad {
				if got != nil {
					t.Fatalf("%s: %q has a non-integer, returned %v", name, items, got)
				}
			} else if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: %q → %v, want %v", name, items, got, want)
			}
			// A JSON array of integers is an array of integers, whatever
			// its numbers' size (WordPress: json_decode, rest_is_integer).
			if v, _ := one(name); v != "" {
				if ints, ok := jsonIntegers(v); ok && fmt.Sprint(got) != fmt.Sprint(ints) {
					t.Fatalf("%s=%s: a JSON array of integers gave %v (items %q)", name, v, got, items)
				}
			}
			// An array sent with brackets is its items, in the order sent.
			if arr, ok := vals[name].([]any); ok && len(items) != len(arr) {
				t.Fatalf("%s: array %q read as %q", name, arr, items)
			}
			_, object := vals[name].(map[string]any)
			mustFail(name, bad || object, fmt.Sprintf("items %q", items))
		}

		for _, name := range dateNames {
			v, array := one(name)
			got := p.date(name)
			if got != nil && got.Location() != time.UTC {
				t.Fatalf("%s=%q → %v, not in UTC", name, v, got)
			}
			if std, err := time.Parse(time.RFC3339, v); err == nil && (got == nil || !got.Equal(std)) {
				t.Fatalf("%s=%q (RFC 3339) → %v, want %v", name, v, got, std)
			}
			mustFail(name, array || v != "" && got == nil, fmt.Sprintf("%q → %v", v, got))
		}

		for _, name := range []string{"slug", "mime_type", "_fields"} {
			items := p.list(name)
			if !p.has(name) && len(items) > 0 {
				t.Fatalf("%s absent, but list → %q", name, items)
			}
			// One string is split as wp_parse_list splits it (on commas
			// and ASCII white space, empty pieces dropped); an array's
			// items are kept whole.
			var want []string
			switch v := vals[name].(type) {
			case map[string]any:
				mustFail(name, true, "an object is no array")
				continue
			case string:
				if strings.HasPrefix(v, "[") {
					continue
				}
				want = regexp.MustCompile(`[\t\n\v\f\r ,]+`).Split(v, -1)
				want = slices.DeleteFunc(want, func(s string) bool { return s == "" })
			case []any:
				for _, it := range v {
					want = append(want, fmt.Sprint(it))
				}
			}
			if !slices.Equal(items, want) {
				t.Fatalf("%s: %#v → %q, want %q", name, vals[name], items, want)
			}
		}

		// err() is the one 400 naming exactly the failed parameters.
		err := p.err()
		if len(failed) == 0 {
			if err != nil {
				t.Fatalf("no failure, but err() = %v", err)
			}
			return
		}
		var re *restError
		if !errors.As(err, &re) || re.status != http.StatusBadRequest || re.code != "rest_invalid_param" {
			t.Fatalf("failures %v, err() = %#v", failed, err)
		}
		names := make([]string, 0, len(failed))
		for n := range failed {
			names = append(names, n)
			if re.params[n] == "" || re.details[n] == nil {
				t.Fatalf("%s failed but is not in the body: %v %v", n, re.params, re.details)
			}
		}
		sort.Strings(names)
		if want := "Invalid parameter(s): " + strings.Join(names, ", "); re.message != want {
			t.Fatalf("message %q, want %q", re.message, want)
		}
		if len(re.params) != len(failed) || len(re.details) != len(failed) {
			t.Fatalf("body names %d params and %d details, %d failed", len(re.params), len(re.details), len(failed))
		}
	})
}

// editRequest builds the POST /edit request: kind 0 JSON, 1 form, 2 no
// Content-Type; the query string always counts.
func editRequest(query string, body []byte, kind uint8) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/wp-json/wp/v2/media/1/edit", bytes.NewReader(body))
	r.URL.RawQuery = query // Query() drops what it can't parse, as for a real request
	switch kind % 3 {
	case 0:
		r.Header.Set("Content-Type", "application/json")
	case 1:
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r
}

func FuzzEditOps(f *testing.F) {
	const src = `"src":"http://example.org/wp-content/uploads/2024/01/canola.jpg"`
	for _, s := range []struct {
		query, body string
		kind        uint8
	}{
		// WordPress's edit_media_item tests (spec §10.1, §10.3).
		{"", `{` + src + `,"rotation":60}`, 0},
		{"", `{` + src + `,"x":50,"y":10,"width":10,"height":5}`, 0},
		{"", `{` + src + `,"x":50,"y":0,"width":10,"height":100}`, 0},
		{"", `{` + src + `,"modifiers":[{"type":"rotate","args":{"angle":60}},{"type":"crop","args":{"left":50,"top":10,"width":10,"height":5}}]}`, 0},
		{"", `{` + src + `,"modifiers":[{"type":"flip","args":{"flip":{"horizontal":true,"vertical":false}}}]}`, 0},
		{"", `{` + src + `,"flip":{"horizontal":true}}`, 0},
		{"", `{` + src + `,"modifiers":[]}`, 0},
		{"", `{` + src + `,"modifiers":{"type":"rotate"}}`, 0},
		{"", `{` + src + `,"modifiers":[{"type":"rotate","args":{"angle":"90"}}]}`, 0},
		{"", `{` + src + `,"modifiers":[{"type":"scale","args":{}}]}`, 0},
		{"", `{` + src + `,"rotation":0}`, 0},
		{"", `{` + src + `,"rotation":360}`, 0},
		{"", `{` + src + `,"rotation":90.5}`, 0},
		{"", `{` + src + `,"x":-1,"y":0,"width":101,"height":"abc"}`, 0},
		{"", `{"title":"Edited","caption":{"raw":"c"}}`, 0},
		{"", "src=http%3A%2F%2Fexample.org%2Fa.jpg&rotation=90&flip%5Bhorizontal%5D=1", 1},
		{"", "x=10&y=10&width=50&height=50", 1},
		{"rotation=270&x=0&y=0&width=100&height=100", "", 2},
		{"rotation=1e2", "", 2},
		// The same edits as a PHP client writes them in a form.
		{"", "src=http%3A%2F%2Fexample.org%2Fa.jpg&modifiers%5B0%5D%5Btype%5D=rotate&modifiers%5B0%5D%5Bargs%5D%5Bangle%5D=90", 1},
		{"", "modifiers[0][type]=crop&modifiers[0][args][left]=0&modifiers[0][args][top]=0&modifiers[0][args][width]=50&modifiers[0][args][height]=100", 1},
		{"", "modifiers[0][type]=flip&modifiers[0][args][flip][horizontal]=1&modifiers[1][type]=rotate&modifiers[1][args][angle]=x", 1},
		{"modifiers[][type]=rotate&modifiers[0][args][angle]=180", "", 2},
		{"modifiers[x][type]=rotate", "", 2},
		{"", `{"modifiers":null,"rotation":null}`, 0},
	} {
		f.Add(s.query, []byte(s.body), s.kind)
	}
	f.Fuzz(func(t *testing.T, query string, body []byte, kind uint8) {
		r := editRequest(query, body, kind)
		vals, err := requestValues(r)
		if err != nil {
			return // rest_invalid_json & co: the request never reaches editOps
		}
		type result struct {
			ops []media.EditOp
			err error
		}
		res := safely(t, "editOps", func() result {
			ops, err := editOps(vals)
			return result{ops, err}
		})
		ops, err := res.ops, res.err
		if err != nil {
			var re *restError
			if !errors.As(err, &re) || re.status != http.StatusBadRequest || re.code != "rest_invalid_param" || len(re.params) == 0 {
				t.Fatalf("editOps error is not a 400 rest_invalid_param naming its parameters: %#v", err)
			}
			return
		}
		for i, op := range ops {
			for _, v := range []float64{op.Angle, op.Left, op.Top, op.Width, op.Height} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					// Not a number WordPress's is_numeric accepts, and a
					// job whose ops JSON can't encode.
					t.Fatalf("op %d %+v: not a finite number (vals %v)", i, op, vals)
				}
			}
			if _, err := json.Marshal(op); err != nil {
				t.Fatalf("op %d %+v can't be stored: %v", i, op, err)
			}
		}
		if raw := vals["modifiers"]; raw != nil {
			list, _ := raw.([]any)
			if len(list) == 0 || len(ops) != len(list) {
				t.Fatalf("modifiers %v accepted as %d ops", raw, len(ops))
			}
			for i, op := range ops {
				item := list[i].(map[string]any)
				if item["type"] != op.Type {
					t.Fatalf("modifier %d of type %v became %+v", i, item["type"], op)
				}
			}
			return
		}
		// The deprecated arguments: flip, then rotate, then crop, each
		// only when valid, in WordPress's bounds.
		order := map[string]int{"flip": 0, "rotate": 1, "crop": 2}
		last := -1
		for _, op := range ops {
			k, known := order[op.Type]
			if !known || k <= last {
				t.Fatalf("ops %+v: unknown type or out of order", ops)
			}
			last = k
			switch op.Type {
			case "flip":
				if !op.Horizontal && !op.Vertical {
					t.Fatalf("flip that flips nothing: %+v", op)
				}
			case "rotate":
				if op.Angle <= 0 || op.Angle >= 360 || op.Angle != math.Trunc(op.Angle) {
					t.Fatalf("rotation %v outside the integers of (0, 360)", op.Angle)
				}
			case "crop":
				for _, v := range []float64{op.Left, op.Top, op.Width, op.Height} {
					if !(v >= 0 && v <= 100) {
						t.Fatalf("crop %+v: %v is not a percentage in 0..100", op, v)
					}
				}
				for _, k := range []string{"x", "y", "width", "height"} {
					if vals[k] == nil {
						t.Fatalf("crop %+v without %s", op, k)
					}
				}
			}
		}
	})
}

func FuzzReadFields(f *testing.F) {
	const b = "xYzZY"
	part := func(name, filename, value string) string {
		cd := `form-data; name="` + name + `"`
		if filename != "" {
			cd += `; filename="` + filename + `"`
		}
		return "--" + b + "\r\nContent-Disposition: " + cd + "\r\n\r\n" + value + "\r\n"
	}
	for _, body := range []string{
		"--" + b + "--\r\n",
		part("title", "", "My title") + part("caption", "", "A caption") + "--" + b + "--\r\n",
		part("alt_text", "", "<b>alt</b>") + part("post", "", "5") + part("generate_sub_sizes", "", "false") + "--" + b + "--\r\n",
		part("file", "canola.jpg", "\xff\xd8\xff\xe0") + part("title", "", "after the file") + "--" + b + "--\r\n",
		part("title", "", "twice") + part("title", "", "second wins") + "--" + b + "--\r\n",
		"--" + b + "\r\nContent-Disposition: form-data; name=\"x\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n--" + b + "--\r\n",
		"not multipart at all",
	} {
		f.Add([]byte(body), b, uint8(0))
	}
	f.Add([]byte(part("title", "", "x")+"--"+b+"--\r\n"), b, uint8(1)) // plus a field over 1 MiB
	f.Fuzz(func(t *testing.T, body []byte, boundary string, big uint8) {
		if boundary == "" {
			boundary = b
		}
		if big%16 == 1 { // a field just over the limit, before the fuzzed ones
			huge := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n" +
				strings.Repeat("d", 1<<20+int(big)) + "\r\n"
			body = append([]byte(huge), body...)
		}
		type result struct {
			out map[string]string
			err error
		}
		got := safely(t, "readFields", func() result {
			out, err := readFields(multipart.NewReader(bytes.NewReader(body), boundary))
			return result{out, err}
		})
		if got.err != nil {
			// Whatever is wrong with the body, the client gets a 400, as
			// for a malformed part header, not a 500 "Internal error.".
			var re *restError
			if !errors.As(got.err, &re) || re.status != http.StatusBadRequest {
				t.Fatalf("readFields error %#v is not a 400 for the client", got.err)
			}
			return
		}
		// Every value is bounded, and is the start of its part as a
		// second, unbounded read of the same body sees it.
		ref := map[string]string{}
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FileName() == "" {
				var buf bytes.Buffer
				if _, err := buf.ReadFrom(p); err != nil {
					return // the reference can't read it whole; nothing to compare
				}
				ref[p.FormName()] = buf.String()
			}
		}
		for k, v := range got.out {
			if len(v) > 1<<20 {
				t.Fatalf("field %q holds %d bytes, over 1 MiB", k, len(v))
			}
			full, ok := ref[k]
			if !ok || !strings.HasPrefix(full, v) || len(full) <= 1<<20 && full != v {
				t.Fatalf("field %q = %.40q…, the body has %.40q…", k, v, full)
			}
		}
		if len(got.out) != len(ref) {
			t.Fatalf("readFields has %d fields, the body %d", len(got.out), len(ref))
		}
	})
}

// octet is what sanitizeText promises to strip.
var octet = regexp.MustCompile(`%[0-9a-fA-F]{2}`)

func FuzzSanitizeText(f *testing.F) {
	for _, s := range []string{
		"<b>Bold</b> Name", "%22Quoted%22", "quote%22in%22middle", "<script>alert(document.cookie)</script>",
		"  many   spaces ", "Filename With Spaces", "Filename.With.Periods", "codeispoetry", "a < b > c",
		"<style>p{}</style>text", "<SCRIPT src=x></SCRIPT>alt", "line\nbreak\ttab", "%zz%2", "100% sure",
		"<scr<script></script>ipt>alert(1)</script>", "<!-- comment -->x", "é%C3%A9", "\u00a0nbsp\u3000ideographic",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := safely(t, "sanitizeText", func() string { return sanitizeText(s) })
		if strings.Contains(out, "<") {
			t.Fatalf("sanitizeText(%q) = %q: a tag can still open", s, out)
		}
		if m := octet.FindString(out); m != "" {
			t.Fatalf("sanitizeText(%q) = %q: octet %s survived", s, out, m)
		}
		if strings.TrimSpace(out) != out || strings.Contains(out, "  ") || strings.IndexFunc(out, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) >= 0 {
			t.Fatalf("sanitizeText(%q) = %q: whitespace not collapsed and trimmed", s, out)
		}
		if again := sanitizeText(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
	})
}

var (
	// ksesTag is a tag as bluemonday writes it: lower-case name, double-
	// quoted attribute values with their quotes escaped.
	ksesTag  = regexp.MustCompile(`^<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9_:.-]*="[^"<>]*")*)(/?)>`)
	ksesAttr = regexp.MustCompile(` ([a-z][a-z0-9_:.-]*)="([^"]*)"`)
	// neverAllowed are elements that run code or change the page around
	// the text whatever their attributes.
	neverAllowed = map[string]bool{
		"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true, "embed": true,
		"applet": true, "svg": true, "math": true, "form": true, "input": true, "button": true, "textarea": true,
		"select": true, "link": true, "meta": true, "base": true, "template": true, "noscript": true, "xmp": true,
		"plaintext": true, "title": true, "html": true, "body": true, "head": true,
	}
	urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "action": true, "formaction": true, "background": true}
)

func FuzzKses(f *testing.F) {
	for _, s := range []string{
		// WordPress's round-trip cases for an author (spec §5.3).
		"<div>div</div> <strong>strong</strong> <script>oh noes</script>",
		`<a href="#" target="_blank" unfiltered=true>link</a>`, `<a href="/x" target="_blank" unfiltered=true>link</a>`,
		`\o/ ¯\_(ツ)_/¯`, "Tom & Jerry", "a < b > c", "&amp; &lt;script&gt;",
		`<img src="x" onerror="alert(1)">`, `<a href="javascript:alert(1)">x</a>`, `<a href="JaVaScRiPt:alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`, `<img src="data:image/svg+xml,<svg onload=alert(1)>">`,
		`<svg><script>alert(1)</script></svg>`, `<scr<script>ipt>alert(1)</script>`, `<iframe src="//evil"></iframe>`,
		`<p style="color:red" onclick="x()">p</p>`, `<<script>script>alert(1)<</script>/script>`, `<!--<script>-->`,
		`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, `<blockquote cite="https://wordpress.org">q</blockquote>`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	author := &media.User{Role: media.RoleAuthor}
	admin := &media.User{Role: media.RoleAdministrator}
	f.Fuzz(func(t *testing.T, s string, title bool) {
		if got := kses(admin, s, title); got != s {
			t.Fatalf("an administrator's HTML is changed: %q → %q", s, got)
		}
		out := safely(t, "kses", func() string { return kses(author, s, title) })
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("kses(%q) = %q: a script survived", s, out)
		}
		for i := strings.IndexByte(out, '<'); i >= 0; i = nextLT(out, i) {
			m := ksesTag.FindStringSubmatch(out[i:])
			if m == nil {
				t.Fatalf("kses(%q) = %q: a raw < at %d that is no clean tag", s, out, i)
			}
			name := m[2]
			if neverAllowed[name] {
				t.Fatalf("kses(%q) = %q: <%s> survived", s, out, name)
			}
			for _, a := range ksesAttr.FindAllStringSubmatch(m[3], -1) {
				key, val := a[1], a[2]
				if strings.HasPrefix(key, "on") {
					t.Fatalf("kses(%q) = %q: event handler %s survived", s, out, key)
				}
				if urlAttrs[key] {
					u := strings.ToLower(strings.Map(func(r rune) rune {
						if unicode.IsSpace(r) || unicode.IsControl(r) {
							return -1
						}
						return r
					}, html.UnescapeString(val)))
					if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.ContainsAny(scheme, "/?#") &&
						scheme != "http" && scheme != "https" && scheme != "mailto" {
						t.Fatalf("kses(%q) = %q: %s with scheme %q", s, out, key, scheme)
					}
				}
			}
		}
		if again := kses(author, out, title); again != out {
			t.Fatalf("kses not stable: %q → %q → %q (a title would change at every save)", s, out, again)
		}
	})
}

func nextLT(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '<')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
