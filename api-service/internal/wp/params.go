package wp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/bracket"
)

// maxJSONBody bounds the JSON or form body of a non-upload request.
const maxJSONBody = 1 << 20

// requestValues reads a request's parameters from every source WordPress
// reads, merged in WP_REST_Request::get_parameter_order's precedence: a
// JSON body first (for any method, when the Content-Type is JSON), then a
// form body (for the methods that take one), then the query string. A
// JSON null hides nothing below it, as get_param skips what isset() calls
// unset. Forms and queries are read with PHP's bracket syntax, so
// a[]=1&a[]=2 and a[0][k]=v give what JSON's [1,2] and [{"k":"v"}] give.
// The route's {id} is read from the path. Media create reads its query
// alone (queryValues): its body is the file.
func requestValues(r *http.Request) (map[string]any, error) {
	vals := queryValues(r)
	ct := contentType(r)
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		form, err := formValues(r, ct)
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			vals[k] = v
		}
	}
	if jsonType.MatchString(ct) {
		body, err := jsonValues(r)
		if err != nil {
			return nil, err
		}
		for k, v := range body {
			if _, below := vals[k]; v != nil || !below {
				vals[k] = v
			}
		}
	}
	return vals, nil
}

// queryValues is the query string as PHP's $_GET holds it: later values
// win, bracketed names nest.
func queryValues(r *http.Request) map[string]any {
	if r.URL.RawQuery == "" {
		return map[string]any{}
	}
	return bracket.ParseQuery(r.URL.RawQuery).Map()
}

// contentType is the request's media type as WP_REST_Request reads it:
// the header up to ';', trimmed, lower-case.
func contentType(r *http.Request) string {
	v, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(v))
}

// jsonType is wp_is_json_media_type: application/json, the +json types
// (application/ld+json, application/merge-patch+json), and their +oembed.
var jsonType = regexp.MustCompile(`(^|\s|,)application/([\w!#$&-^.+]+\+)?json(\+oembed)?($|\s|;|,)`)

// formValues reads a form body as PHP and WP_REST_Request do: a POST's
// urlencoded or multipart body fills $_POST; for PUT, PATCH and DELETE,
// parse_body_params reads an urlencoded body, or one without a
// Content-Type. A multipart body is read for those too, as PHP would fill
// $_POST for the POST ?_method= (or X-HTTP-Method-Override) turned into
// one (see Rewrite).
func formValues(r *http.Request, ct string) (map[string]any, error) {
	switch {
	case ct == "multipart/form-data":
		return multipartValues(r)
	case ct == "application/x-www-form-urlencoded", ct == "" && r.Method != http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
		if err != nil {
			return nil, errFormTooLarge
		}
		return bracket.ParseQuery(string(body)).Map(), nil
	}
	return nil, nil
}

var errFormTooLarge = errorf(http.StatusRequestEntityTooLarge, "rest_invalid_param", "Request body too large.")

// multipartValues reads the plain fields of a multipart body, in order.
// File parts are skipped: no route but create takes a file, and create
// streams its own. A body PHP could not read fills nothing, as PHP leaves
// $_POST empty; what came before a malformed part is kept.
func multipartValues(r *http.Request) (map[string]any, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, maxJSONBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil
	}
	var pairs []bracket.Pair
	for len(pairs) < bracket.MaxVars {
		part, err := mr.NextPart()
		if err != nil {
			if tooLarge(err) {
				return nil, errFormTooLarge
			}
			break
		}
		if part.FileName() != "" || part.FormName() == "" {
			continue
		}
		v, err := io.ReadAll(part)
		if err != nil {
			if tooLarge(err) {
				return nil, errFormTooLarge
			}
			break
		}
		pairs = append(pairs, bracket.Pair{Name: part.FormName(), Value: string(v)})
	}
	return bracket.Parse(pairs).Map(), nil
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// jsonValues decodes a JSON body. Valid JSON that is no object (an array,
// a string) carries no parameters, as WordPress looks keys up in it and
// finds none; invalid JSON is rest_invalid_json.
func jsonValues(r *http.Request) (map[string]any, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		return nil, errorf(http.StatusRequestEntityTooLarge, "rest_invalid_json", "Request body too large.")
	}
	if len(body) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, &restError{status: http.StatusBadRequest, code: "rest_invalid_json", message: "Invalid JSON body passed.",
			details: map[string]any{"json_error_code": 4, "json_error_message": err.Error()}}
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// params reads parameters from requestValues with WordPress's validation,
// collecting the per-parameter failures so one 400 rest_invalid_param
// names them all, as WordPress does.
type params struct {
	vals    map[string]any
	loc     *time.Location // zone of dates sent without one: the site's
	reasons map[string]string
	codes   map[string]string
}

func newParams(vals map[string]any) *params {
	return &params{vals: vals, loc: time.UTC, reasons: map[string]string{}, codes: map[string]string{}}
}

func (p *params) fail(name, code, reason string) {
	if _, ok := p.reasons[name]; !ok {
		p.reasons[name], p.codes[name] = reason, code
	}
}

// failPlain records a failure without details, as WordPress records a
// validate callback that answered false instead of an error.
func (p *params) failPlain(name, reason string) { p.fail(name, "", reason) }

// err returns the combined 400, or nil when every parameter was fine.
func (p *params) err() error {
	if len(p.reasons) == 0 {
		return nil
	}
	names := make([]string, 0, len(p.reasons))
	for n := range p.reasons {
		names = append(names, n)
	}
	sort.Strings(names)
	details := map[string]any{}
	for _, n := range names {
		if p.codes[n] != "" {
			details[n] = map[string]any{"code": p.codes[n], "message": p.reasons[n], "data": nil}
		}
	}
	return &restError{status: http.StatusBadRequest, code: "rest_invalid_param",
		message: "Invalid parameter(s): " + strings.Join(names, ", "), params: p.reasons, details: details}
}

// has reports whether a parameter was sent with a value (not JSON null).
func (p *params) has(name string) bool { return p.vals[name] != nil }

// scalar returns a parameter of type typ ("string" or "integer") sent as
// one value; "" when absent. An array or object, or a JSON value of
// another type, fails as WordPress's type check does.
func (p *params) scalar(name, typ string) string {
	switch v := p.vals[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if typ == "integer" {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	p.fail(name, "rest_invalid_type", name+" is not of type "+typ+".")
	return ""
}

// list returns an array parameter: an array however it was sent
// (a[]=x&a[]=y, a[0]=x&a[1]=y, JSON), or one value that is a JSON array
// or a list split on commas and white space, as wp_parse_list splits it.
// An object (a[k]=x) is not an array.
func (p *params) list(name string) []string {
	switch v := p.vals[name].(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			out = append(out, listItem(item))
		}
		return out
	case map[string]any:
		p.fail(name, "rest_invalid_type", name+" is not of type array.")
		return nil
	case string:
		return parseList(v)
	default:
		return []string{listItem(v)}
	}
}

// parseList splits one value into list items: a JSON array's items, or
// the pieces between commas and ASCII white space.
func parseList(v string) []string {
	if strings.HasPrefix(v, "[") {
		var arr []any
		if json.Unmarshal([]byte(v), &arr) == nil {
			out := make([]string, 0, len(arr))
			for _, a := range arr {
				out = append(out, listItem(a))
			}
			return out
		}
	}
	return strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ' ' || '\t' <= r && r <= '\r'
	})
}

// listItem writes one item of a list as a string.
func listItem(a any) string {
	switch t := a.(type) {
	case string:
		return t
	case float64:
		// fmt would write 1e+06; ids want digits.
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(a)
}

func (p *params) intList(name string) []int64 {
	var out []int64
	for i, v := range p.list(name) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			p.fail(name, "rest_invalid_type", fmt.Sprintf("%s[%d] is not of type integer.", name, i))
			return nil
		}
		out = append(out, n)
	}
	return out
}

// integer returns an integer parameter within [lo, hi] (hi 0: no bound).
func (p *params) integer(name string, def, lo, hi int) int {
	v := p.scalar(name, "integer")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(name, "rest_invalid_type", name+" is not of type integer.")
		return def
	}
	if n < lo || hi > 0 && n > hi {
		if hi > 0 {
			p.fail(name, "rest_out_of_bounds", fmt.Sprintf("%s must be between %d (inclusive) and %d (inclusive)", name, lo, hi))
		} else {
			p.fail(name, "rest_out_of_bounds", fmt.Sprintf("%s must be greater than or equal to %d", name, lo))
		}
		return def
	}
	return n
}

// enum returns a parameter that must be one of values.
func (p *params) enum(name, def string, values ...string) string {
	v := p.scalar(name, "string")
	if v == "" {
		return def
	}
	for _, ok := range values {
		if v == ok {
			return v
		}
	}
	p.fail(name, "rest_not_in_enum", fmt.Sprintf("%s is not one of %s.", name, joinEnum(values)))
	return def
}

// enumList returns an array parameter whose items must be in values.
func (p *params) enumList(name string, values ...string) []string {
	items := p.list(name)
	for i, v := range items {
		ok := false
		for _, e := range values {
			ok = ok || v == e
		}
		if !ok {
			p.fail(name, "rest_not_in_enum", fmt.Sprintf("%s[%d] is not one of %s.", name, i, joinEnum(values)))
			return nil
		}
	}
	return items
}

// date returns a date-time parameter (RFC 3339, with or without offset).
func (p *params) date(name string) *time.Time {
	v := p.scalar(name, "string")
	if v == "" {
		return nil
	}
	t, ok := parseDate(v, p.loc)
	if !ok {
		p.fail(name, "rest_invalid_date", "Invalid date.")
		return nil
	}
	return &t
}

// restDate is rest_parse_date's pattern: RFC 3339 with 'T', 't' or a
// space between date and time, optional fractions, and an optional zone
// of Z, ±hh or ±hh:mm.
var restDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}(?::\d{2})?)?$`)

// parseDate accepts what WordPress's rest_parse_date does: a date that
// matches restDate and that strtotime then reads, whose fields are within
// strtotime's ranges (month 1-12, day up to 31, hour up to 24, second up
// to 60); what runs past the end of a month or day rolls over, as
// strtotime rolls it ("2017-02-30" is 2 March). A date without a zone is
// in loc; fractions of a second are dropped, as strtotime drops them.
func parseDate(v string, loc *time.Location) (time.Time, bool) {
	m := restDate.FindStringSubmatch(v)
	if m == nil {
		return time.Time{}, false
	}
	n := func(i int) int {
		x, _ := strconv.Atoi(m[i])
		return x
	}
	year, month, day, hour, minute, sec := n(1), n(2), n(3), n(4), n(5), n(6)
	if month < 1 || month > 12 || day > 31 || hour > 24 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	switch z := m[7]; {
	case z == "Z":
		loc = time.UTC
	case z != "":
		offset, _ := strconv.Atoi(z[1:3])
		offset *= 3600
		if len(z) == 6 {
			mm, _ := strconv.Atoi(z[4:6])
			offset += mm * 60
		}
		if z[0] == '-' {
			offset = -offset
		}
		loc = time.FixedZone("", offset)
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc).UTC(), true
}

// joinEnum writes a list as WordPress does: "view, embed, and edit".
func joinEnum(values []string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	case 2:
		return values[0] + " and " + values[1]
	}
	return strings.Join(values[:len(values)-1], ", ") + ", and " + values[len(values)-1]
}

// truthy reads a boolean sent as JSON or as a form value ("1", "true").
func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return t == "1" || t == "true"
	case float64:
		return t != 0
	}
	return false
}
