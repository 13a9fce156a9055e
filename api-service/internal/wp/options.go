package wp

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
)

// restRoute is one of the dialect's routes as WordPress registers it, for
// the index and for OPTIONS.
type restRoute struct {
	path    string // WordPress's pattern, a regular expression
	methods []string
	// public are the methods whose permission check passes for an
	// anonymous caller.
	public []string
	re     *regexp.Regexp
}

// restRoutes are the routes the index lists and OPTIONS describes, but
// WordPress's own "/" and "/wp/v2" (see handleIndex).
var restRoutes = compileRoutes([]restRoute{
	{path: "/wp/v2/media", methods: []string{"GET", "POST"}, public: []string{"GET"}},
	{path: `/wp/v2/media/(?P<id>[\d]+)`, methods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}, public: []string{"GET"}},
	{path: `/wp/v2/media/(?P<id>[\d]+)/post-process`, methods: []string{"POST"}},
	{path: `/wp/v2/media/(?P<id>[\d]+)/edit`, methods: []string{"POST"}},
	{path: "/wp/v2/posts", methods: []string{"POST"}},
	{path: `/wp/v2/posts/(?P<id>[\d]+)`, methods: []string{"GET", "DELETE"}, public: []string{"GET"}},
	{path: "/wp/v2/pages", methods: []string{"POST"}},
	{path: `/wp/v2/pages/(?P<id>[\d]+)`, methods: []string{"GET", "DELETE"}, public: []string{"GET"}},
	{path: "/wp/v2/users", methods: []string{"GET", "POST"}, public: []string{"GET"}},
	{path: `/wp/v2/users/(?P<id>[\d]+)`, methods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}},
	{path: "/wp/v2/users/me", methods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}},
	{path: `/wp/v2/users/(?P<user_id>(?:[\d]+|me))/application-passwords`, methods: []string{"GET", "POST", "DELETE"}},
})

// optionsOnly are routes the mux serves that the index leaves out;
// OPTIONS describes them all the same.
var optionsOnly = compileRoutes([]restRoute{
	{path: `/wp/v2/users/(?P<user_id>(?:[\d]+|me))/application-passwords/introspect`, methods: []string{"GET"}},
	{path: `/wp/v2/users/(?P<user_id>(?:[\d]+|me))/application-passwords/(?P<uuid>[\w\-]+)`, methods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}},
})

func compileRoutes(rs []restRoute) []restRoute {
	for i := range rs {
		// WordPress matches '@^' . $route . '$@i'.
		rs[i].re = regexp.MustCompile(`(?i)^` + rs[i].path + `$`)
	}
	return rs
}

// routeData is WordPress's get_data_for_route in the help context, as far
// as the dialect knows its routes: the namespace, the methods, one
// endpoint per method without arguments, and a self link for a route
// without variables. The media routes have handlers of their own with
// every argument and the schema (handleMediaOptions).
func (h *Handler) routeData(path, namespace string, methods []string) object {
	eps := []object{}
	for _, m := range methods {
		eps = append(eps, object{{"methods", []string{m}, ""}, {"args", object{}, ""}})
	}
	o := object{{"namespace", namespace, ""}, {"methods", methods, ""}, {"endpoints", eps, ""}}
	if !strings.Contains(path, "(") {
		o = append(o, field{"_links", object{{"self", []object{{{"href", h.publicURL + "/wp-json" + path, ""}}}, ""}}, ""})
	}
	return o
}

// handleOptions answers OPTIONS on any other path under /wp-json/ as
// WordPress's rest_handle_options_request does: before routing, so never
// rest_no_route, 200 with the matched route's description, or [] when no
// route matches. Bad credentials still answer 401 first (WordPress
// authenticates before dispatching). Allow (rest_send_allow_header) lists
// the route's methods for a logged-in caller and its public ones for an
// anonymous caller, such as a browser's CORS preflight; WordPress asks
// each method's permission check, which handleMediaOptions does for the
// media routes. It reads nothing from storage for an anonymous caller,
// since preflights are not rate limited.
func (h *Handler) handleOptions(w http.ResponseWriter, r *http.Request) {
	u, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	route := "/" + strings.Trim(strings.TrimPrefix(r.URL.Path, "/wp-json"), "/")
	h.headers(w)
	var data any = []any{}
	var allow []string
	switch {
	case route == "/":
		data, allow = h.routeData("/", "", []string{"GET"}), []string{"GET"}
	case strings.EqualFold(route, "/wp/v2"):
		data, allow = h.routeData("/wp/v2", "wp/v2", []string{"GET"}), []string{"GET"}
	default:
		for _, rt := range slices.Concat(restRoutes, optionsOnly) {
			if !rt.re.MatchString(route) {
				continue
			}
			data, allow = h.routeData(rt.path, "wp/v2", rt.methods), rt.public
			if u != nil {
				allow = rt.methods
			}
			break
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
	}
	httpx.WriteJSON(w, http.StatusOK, data)
}
