package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORSConfig says which pages of other origins may call the API from a
// browser. The dialects differ in who may be let in:
//
//   - WordPress (/wp-json) answers as WordPress's rest_send_cors_headers
//     does, whatever this says: any origin is echoed back with credentials
//     allowed. That is safe here as it is in WordPress: the dialect's only
//     credential is an explicit Authorization header (an application
//     password) that the calling page must hold itself; it sets no cookie
//     and never asks the browser for a password (no WWW-Authenticate), so
//     no credential rides along on its own.
//   - The authenticated dialects (/v1, Heartcore) let in only Origins. Their
//     keys can write and delete, and both answer 401 with a Basic
//     challenge (Heartcore's management calls, /v1's key administration),
//     so a browser may hold a typed-in password for them; credentials are
//     allowed for the listed origins only, which the operator trusts.
//   - The public parts (the Delivery API, whose main user is a headless
//     front end on another origin, the files pages embed, and /v1's OpenAPI
//     document) let in PublicOrigins, any by default, never with
//     credentials: anonymous reads a browser could make with an <img> or a
//     plain link anyway. A private Delivery API's Api-Key is an explicit
//     header, which works without credentials too.
type CORSConfig struct {
	// Origins may call /v1 and Heartcore (PIXELMILL_CORS_ORIGINS): origins
	// such as https://admin.example.com, or "*" for any origin without
	// credentials (API keys in an Authorization or Api-Key header still
	// work). Empty: same-origin pages only.
	Origins []string
	// PublicOrigins may read the public parts (PIXELMILL_CORS_PUBLIC_ORIGINS);
	// "*", the default, is any origin.
	PublicOrigins []string
	// MaxAge is how long a browser may reuse a preflight's answer
	// (PIXELMILL_CORS_MAX_AGE, whole seconds; 0 sends none). Chromium keeps
	// one at most 2 hours, Firefox 24. An origin taken off the list can't
	// read an answer from then on (every answer names the origins it
	// admits), but a browser may still send it requests its cached
	// preflight allowed for up to MaxAge.
	MaxAge time.Duration
}

// DefaultCORSConfig returns the policy `make up` uses: the public parts
// open to any origin, the authenticated dialects to none.
func DefaultCORSConfig() CORSConfig {
	return CORSConfig{PublicOrigins: []string{"*"}, MaxAge: 2 * time.Hour}
}

// ParseOrigins splits a comma-separated list of origins, dropping blanks;
// "none" is the empty list (an unset variable takes its default).
func ParseOrigins(s string) []string {
	var out []string
	if strings.TrimSpace(s) == "none" {
		return nil
	}
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Validate reports every origin that no browser could send and a max age
// out of range.
func (c CORSConfig) Validate() error {
	var errs []error
	for _, list := range []struct {
		name    string
		origins []string
	}{{"Origins", c.Origins}, {"PublicOrigins", c.PublicOrigins}} {
		for _, o := range list.origins {
			if err := checkOrigin(o); err != nil {
				errs = append(errs, fmt.Errorf("cors: %s: %q: %w", list.name, o, err))
			}
		}
		if slices.Contains(list.origins, "*") && len(list.origins) > 1 {
			errs = append(errs, fmt.Errorf("cors: %s: \"*\" already lets every origin in; give it alone", list.name))
		}
	}
	if c.MaxAge < 0 || c.MaxAge > 24*time.Hour || c.MaxAge%time.Second != 0 {
		errs = append(errs, errors.New("cors: MaxAge must be whole seconds between 0 and 24h"))
	}
	return errors.Join(errs...)
}

// checkOrigin accepts "*" and an origin as a browser writes it in the
// Origin header: a lower-case http or https scheme, a host and an
// optional port, nothing else. "null" (sandboxed frames, file: pages) is
// refused: any page can make itself that origin.
func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return errors.New("want an origin like https://app.example.com or http://localhost:3000: scheme, host and port only, no path or trailing slash")
	}
	if o != strings.ToLower(o) {
		return errors.New("browsers send origins in lower case")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
			return errors.New("the port must be 1–65535 and not the scheme's default (browsers leave that out)")
		}
	}
	return nil
}

// CORSAccess is which origins a part of the API lets in.
type CORSAccess int

const (
	// CORSWordPress is WordPress's rest_send_cors_headers: the request's
	// Origin is echoed back with Access-Control-Allow-Methods "OPTIONS, GET,
	// POST, PUT, PATCH, DELETE", Access-Control-Allow-Credentials and Vary:
	// Origin; preflights go on to the handler, which answers OPTIONS with
	// the route's description as WordPress's rest_handle_options_request
	// does (and sets Access-Control-Allow-Headers and -Expose-Headers on
	// every REST answer, as WordPress's server does). No Max-Age: WordPress
	// sends none.
	CORSWordPress CORSAccess = iota + 1
	// CORSPrivate lets CORSConfig.Origins in, with credentials.
	CORSPrivate
	// CORSPublic lets CORSConfig.PublicOrigins in, never with credentials.
	CORSPublic
)

// CORSRoute is one part of the API and how it answers pages of other
// origins.
type CORSRoute struct {
	// Match reports whether a request is this part's, as it arrives
	// (before any rewriting).
	Match  func(*http.Request) bool
	Access CORSAccess
	// Methods, AllowHeaders and MaxAge answer a preflight: the methods and
	// request headers the part takes (Authorization and headers such as
	// Api-Key are never covered by a wildcard, so they are named).
	Methods      []string
	AllowHeaders []string
	// ExposeHeaders are the answer's headers a page may read besides the
	// always readable ones (Content-Type, Content-Length, Cache-Control…).
	ExposeHeaders []string
}

// CORS answers cross-origin requests and their preflights by the route
// table it was made with.
type CORS struct {
	routes []corsRoute
}

type corsRoute struct {
	CORSRoute
	origins map[string]bool // nil with any
	any     bool            // "*": every origin, without credentials
	creds   bool            // Access-Control-Allow-Credentials for a listed origin
	methods string
	headers string
	expose  string
	maxAge  string
}

// NewCORS returns the middleware for cfg and routes; the first route that
// matches a request decides, and a request no route matches gets no CORS
// headers (its page must be of the API's own origin).
func NewCORS(cfg CORSConfig, routes ...CORSRoute) (*CORS, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &CORS{}
	for i, rt := range routes {
		if rt.Match == nil {
			return nil, fmt.Errorf("cors: route %d has no Match", i)
		}
		r := corsRoute{CORSRoute: rt, methods: strings.Join(rt.Methods, ", "), headers: strings.Join(rt.AllowHeaders, ", "),
			expose: strings.Join(rt.ExposeHeaders, ", ")}
		if cfg.MaxAge > 0 {
			r.maxAge = strconv.Itoa(int(cfg.MaxAge / time.Second))
		}
		var origins []string
		switch rt.Access {
		case CORSWordPress:
		case CORSPrivate:
			origins, r.creds = cfg.Origins, true
		case CORSPublic:
			origins = cfg.PublicOrigins
		default:
			return nil, fmt.Errorf("cors: route %d has no Access", i)
		}
		if slices.Contains(origins, "*") {
			r.any, r.creds = true, false // browsers refuse credentials with "*"
		} else {
			r.origins = map[string]bool{}
			for _, o := range origins {
				r.origins[o] = true
			}
		}
		c.routes = append(c.routes, r)
	}
	return c, nil
}

// IsPreflight reports whether r is a browser's CORS preflight: OPTIONS
// with Origin and Access-Control-Request-Method, and no credentials (a
// browser never sends any with one; a request that does is not let
// through as a preflight, so it can't skip a limit on credentials).
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != "" && r.Header.Get("Authorization") == ""
}

// Middleware answers preflights of the private and public parts itself
// (204, with or without the headers that admit the origin), so they reach
// neither authentication nor the rate limits, and sets the CORS headers
// of every other request before next answers it. Mount it outside the
// rate limiter, so a 429 is readable by the page too.
func (c *CORS) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rt *corsRoute
		for i := range c.routes {
			if c.routes[i].Match(r) {
				rt = &c.routes[i]
				break
			}
		}
		if rt == nil {
			next.ServeHTTP(w, r)
			return
		}
		if rt.Access == CORSWordPress {
			wordPressCORS(w.Header(), r)
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		origin := r.Header.Get("Origin")
		if !rt.any {
			// The answer names the origin, so caches must keep one per
			// origin; with "*" it is the same for all.
			h.Add("Vary", "Origin")
		}
		admitted := rt.any || rt.origins[origin]
		if IsPreflight(r) {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if admitted {
				rt.allowOrigin(h, origin)
				h.Set("Access-Control-Allow-Methods", rt.methods)
				if rt.headers != "" {
					h.Set("Access-Control-Allow-Headers", rt.headers)
				}
				if rt.maxAge != "" {
					h.Set("Access-Control-Max-Age", rt.maxAge)
				}
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// With "*" the headers go on every answer, Origin or not, so an
		// answer a shared cache kept for a plain request serves a page too.
		if admitted && (rt.any || origin != "") {
			rt.allowOrigin(h, origin)
			if rt.expose != "" {
				h.Set("Access-Control-Expose-Headers", rt.expose)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (rt *corsRoute) allowOrigin(h http.Header, origin string) {
	if rt.any {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if rt.creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// wordPressMethods is what rest_send_cors_headers sends, whatever the route.
const wordPressMethods = "OPTIONS, GET, POST, PUT, PATCH, DELETE"

// wordPressCORS is WordPress's rest_send_cors_headers: with an Origin (PHP
// reads "0" as false), the origin sanitized as sanitize_url does ("null"
// kept, from file: and data: pages), the fixed methods, credentials and
// Vary: Origin; without one, Vary: Origin on an anonymous GET only.
// WordPress reads the method before ?_method= and X-HTTP-Method-Override,
// as this middleware, mounted before the rewriting, does; "anonymous" is
// told here by the absence of an Authorization header, the dialect's only
// credential.
func wordPressCORS(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin != "" && origin != "0" {
		if origin != "null" {
			origin = sanitizeURL(origin)
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", wordPressMethods)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Add("Vary", "Origin")
		return
	}
	if r.Method == http.MethodGet && r.Header.Get("Authorization") == "" {
		h.Add("Vary", "Origin")
	}
}

// urlChars is what WordPress's esc_url keeps of a URL.
var urlChars = regexp.MustCompile(`(?i)[^a-z0-9\-~+_.?#=!&;,/:%@$|*'()\[\]\x{80}-\x{10FFFF}]`)

// wordPressProtocols are wp_allowed_protocols().
var wordPressProtocols = []string{"http", "https", "ftp", "ftps", "mailto", "news", "irc", "irc6", "ircs", "gopher",
	"nntp", "feed", "telnet", "mms", "rtsp", "sms", "svn", "tel", "fax", "xmpp", "webcal", "urn"}

// sanitizeURL is the part of WordPress's sanitize_url (esc_url for the
// database) an origin meets: characters outside its set dropped, CR and LF
// escapes removed, http:// put before a value without a scheme, and ""
// for a scheme WordPress doesn't allow (chrome-extension://…). A browser's
// http or https origin comes back unchanged.
func sanitizeURL(u string) string {
	u = strings.ReplaceAll(strings.TrimLeft(u, " \t\n\r\x00\x0B"), " ", "%20")
	u = urlChars.ReplaceAllString(u, "")
	if u == "" {
		return ""
	}
	if !strings.HasPrefix(strings.ToLower(u), "mailto:") {
		for _, esc := range []string{"%0d", "%0a", "%0D", "%0A"} {
			for strings.Contains(u, esc) {
				u = strings.ReplaceAll(u, esc, "")
			}
		}
	}
	u = strings.ReplaceAll(u, ";//", "://")
	if !strings.Contains(u, ":") && !strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "#") && !strings.HasPrefix(u, "?") {
		u = "http://" + u
	}
	if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.HasPrefix(u, "/") &&
		!slices.Contains(wordPressProtocols, strings.ToLower(scheme)) && !strings.ContainsAny(scheme, "/?#") {
		return ""
	}
	return u
}
