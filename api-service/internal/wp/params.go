package wp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// params collects WordPress's per-parameter validation failures so one
// 400 rest_invalid_param names them all, as WordPress does.
type params struct {
	q       url.Values
	loc     *time.Location // zone of dates sent without one: the site's
	reasons map[string]string
	codes   map[string]string
}

func newParams(q url.Values) *params {
	return &params{q: q, loc: time.UTC, reasons: map[string]string{}, codes: map[string]string{}}
}

func (p *params) fail(name, code, reason string) {
	if _, ok := p.reasons[name]; !ok {
		p.reasons[name], p.codes[name] = reason, code
	}
}

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
		details[n] = map[string]any{"code": p.codes[n], "message": p.reasons[n], "data": nil}
	}
	return &restError{status: http.StatusBadRequest, code: "rest_invalid_param",
		message: "Invalid parameter(s): " + strings.Join(names, ", "), params: p.reasons, details: details}
}

func (p *params) has(name string) bool { return p.q.Has(name) || p.q.Has(name+"[]") }

// list returns an array parameter: a[]=x&a[]=y, a=x,y, or a JSON array.
func (p *params) list(name string) []string {
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range p.q[key] {
			if strings.HasPrefix(v, "[") {
				var arr []any
				if json.Unmarshal([]byte(v), &arr) == nil {
					for _, a := range arr {
						if f, ok := a.(float64); ok {
							// fmt would write 1e+06; ids want digits.
							out = append(out, strconv.FormatFloat(f, 'f', -1, 64))
							continue
						}
						out = append(out, fmt.Sprint(a))
					}
					continue
				}
			}
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
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
	v := p.q.Get(name)
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
	v := p.q.Get(name)
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
	v := p.q.Get(name)
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

// parseDate accepts what WordPress's rest_parse_date does: RFC 3339 with
// or without a zone; a date without one is in loc.
func parseDate(v string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
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
