package delivery

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/bracket"
)

// params are a request's query parameters as ASP.NET Core reads them:
// names match ignoring case, '+' is a space, and a malformed escape stays
// as written instead of dropping the pair (Go's url.ParseQuery drops it,
// which would silently turn "filter=name:100%" into no filter at all).
type params []param

type param struct{ name, value string }

// parseParams splits a raw query string on '&' only (ASP.NET does not
// split on ';'); a pair without '=' has an empty value.
func parseParams(rawQuery string) params {
	var ps params
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name = unescapeQuery(name)
		if name == "" {
			continue
		}
		ps = append(ps, param{name, unescapeQuery(value)})
	}
	return ps
}

// all returns every value of name, in request order.
func (ps params) all(name string) []string {
	var out []string
	for _, p := range ps {
		if strings.EqualFold(p.name, name) {
			out = append(out, p.value)
		}
	}
	return out
}

// list returns the values of a collection parameter (Umbraco's string[]
// filter and sort, Guid id): each name=value in request order, as ASP.NET
// binds a repeated parameter, then those sent with PHP's bracket syntax
// (name[]=, name[0]=, as PHP clients and jQuery write arrays) ordered by
// index, as ASP.NET binds name[0]=…&name[1]=…: a name[] takes the next
// index, a later value for an index replaces the earlier, and keys that
// are no index, or nest deeper, are ignored, as ASP.NET ignores them.
func (ps params) list(name string) []string {
	out := ps.all(name)
	indexed := bracket.NewArray()
	for _, p := range ps {
		if base, keys, ok := bracket.SplitName(p.name); ok && len(keys) == 1 && strings.EqualFold(base, name) {
			indexed.SetPath(name, keys, p.value)
		}
	}
	if v, ok := indexed.Get(name); ok {
		for _, item := range v.(*bracket.Array).ByIndex() {
			out = append(out, item.(string))
		}
	}
	return out
}

// first returns the first value of name, as model binding of a single
// value does; ok is false when the parameter is absent.
func (ps params) first(name string) (string, bool) {
	for _, p := range ps {
		if strings.EqualFold(p.name, name) {
			return p.value, true
		}
	}
	return "", false
}

// joined returns the values of name joined with ',', which is how ASP.NET
// turns a repeated parameter into one string (Request.Query[name]); ok is
// false when the parameter is absent.
func (ps params) joined(name string) (string, bool) {
	vs := ps.all(name)
	if vs == nil {
		return "", false
	}
	return strings.Join(vs, ","), true
}

// unescapeQuery decodes a query component: '+' is a space and %XX a byte;
// a '%' not followed by two hex digits is kept literally.
func unescapeQuery(s string) string {
	return unescape(strings.ReplaceAll(s, "+", " "), false)
}

// unescape decodes %XX escapes, keeping malformed ones as written. With
// keepSlash, %2F stays encoded, as Kestrel leaves it in a request path.
func unescape(s string, keepSlash bool) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if c := hi<<4 | lo; ok1 && ok2 && !(keepSlash && c == '/') {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// dotnetSpace is the white space .NET's integer parsing allows around a
// number (NumberStyles.Integer).
const dotnetSpace = " \t\n\v\f\r"

// bindError is a model-binding failure: the parameter's name and
// ASP.NET's message for it, answered as a ValidationProblemDetails.
type bindError struct {
	name, message string
}

// bindInt binds an int parameter as ASP.NET's Int32Converter does: absent
// gives def; blank is "invalid"; decimal with an optional sign and
// surrounding white space, or hexadecimal after '#', "0x" or "&h"; anything
// else, or a value outside int32, is "not valid".
func bindInt(ps params, name string, def int) (int, *bindError) {
	raw, ok := ps.first(name)
	if !ok {
		return def, nil
	}
	s := strings.Trim(raw, dotnetSpace)
	if s == "" {
		return 0, &bindError{name, fmt.Sprintf("The value '%s' is invalid.", raw)}
	}
	if n, ok := parseInt32(s); ok {
		return n, nil
	}
	return 0, &bindError{name, fmt.Sprintf("The value '%s' is not valid.", raw)}
}

func parseInt32(s string) (int, bool) {
	hex, isHex := "", true
	switch {
	case strings.HasPrefix(s, "#"):
		hex = s[1:]
	case len(s) >= 2 && (strings.EqualFold(s[:2], "0x") || strings.EqualFold(s[:2], "&h")):
		hex = s[2:]
	default:
		isHex = false
	}
	if isHex {
		// Convert.ToInt32(s, 16): up to eight digits, two's complement.
		u, err := strconv.ParseUint(hex, 16, 32)
		if err != nil {
			return 0, false
		}
		return int(int32(uint32(u))), true
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// parseGUID reads a GUID as .NET's Guid.TryParse does for the forms
// clients send: 32 digits, 8-4-4-4-12 with hyphens, and that inside {} or
// (), hex digits of either case, surrounding white space ignored. It
// returns the key lower-case and hyphenated, as the store keeps it.
func parseGUID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 38 && (s[0] == '{' && s[37] == '}' || s[0] == '(' && s[37] == ')') {
		s = s[1:37]
	}
	var hex string
	switch len(s) {
	case 32:
		hex = s
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
		hex = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	default:
		return "", false
	}
	for i := 0; i < len(hex); i++ {
		if _, ok := unhex(hex[i]); !ok {
			return "", false
		}
	}
	hex = strings.ToLower(hex)
	return hex[:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:], true
}
