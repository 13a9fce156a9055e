package wp

import (
	"net/http"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// arg is one route argument in WordPress's OPTIONS/index description.
type arg struct {
	name string
	spec object
}

func argSpec(typ, desc string, extra ...field) object {
	o := object{{"description", desc, ""}, {"type", typ, ""}, {"required", false, ""}}
	return append(o, extra...)
}

func arrayOf(items object) field { return field{"items", items, ""} }

// collectionArgs are GET /wp/v2/media's arguments (spec §3.1), in
// WordPress's order.
func collectionArgs() []arg {
	ints := object{{"type", "integer", ""}}
	strs := object{{"type", "string", ""}}
	dt := field{"format", "date-time", ""}
	return []arg{
		{"context", argSpec("string", "Scope under which the request is made; determines fields present in response.", field{"default", "view", ""}, field{"enum", []string{"view", "embed", "edit"}, ""})},
		{"page", argSpec("integer", "Current page of the collection.", field{"default", 1, ""}, field{"minimum", 1, ""})},
		{"per_page", argSpec("integer", "Maximum number of items to be returned in result set.", field{"default", 10, ""}, field{"minimum", 1, ""}, field{"maximum", 100, ""})},
		{"search", argSpec("string", "Limit results to those matching a string.")},
		{"after", argSpec("string", "Limit response to posts published after a given ISO8601 compliant date.", dt)},
		{"modified_after", argSpec("string", "Limit response to posts modified after a given ISO8601 compliant date.", dt)},
		{"author", argSpec("array", "Limit result set to posts assigned to specific authors.", arrayOf(ints), field{"default", []int{}, ""})},
		{"author_exclude", argSpec("array", "Ensure result set excludes posts assigned to specific authors.", arrayOf(ints), field{"default", []int{}, ""})},
		{"before", argSpec("string", "Limit response to posts published before a given ISO8601 compliant date.", dt)},
		{"modified_before", argSpec("string", "Limit response to posts modified before a given ISO8601 compliant date.", dt)},
		{"exclude", argSpec("array", "Ensure result set excludes specific IDs.", arrayOf(ints), field{"default", []int{}, ""})},
		{"include", argSpec("array", "Limit result set to specific IDs.", arrayOf(ints), field{"default", []int{}, ""})},
		{"search_semantics", argSpec("string", "How to interpret the search input.", field{"enum", []string{"exact"}, ""})},
		{"offset", argSpec("integer", "Offset the result set by a specific number of items.")},
		{"order", argSpec("string", "Order sort attribute ascending or descending.", field{"default", "desc", ""}, field{"enum", []string{"asc", "desc"}, ""})},
		{"orderby", argSpec("string", "Sort collection by post attribute.", field{"default", "date", ""}, field{"enum", []string{"author", "date", "id", "include", "modified", "parent", "relevance", "slug", "include_slugs", "title"}, ""})},
		{"parent", argSpec("array", "Limit result set to items with particular parent IDs.", arrayOf(ints), field{"default", []int{}, ""})},
		{"parent_exclude", argSpec("array", "Limit result set to all items except those of a particular parent ID.", arrayOf(ints), field{"default", []int{}, ""})},
		{"search_columns", argSpec("array", "Array of column names to be searched.", arrayOf(object{{"enum", []string{"post_title", "post_content", "post_excerpt"}, ""}, {"type", "string", ""}}), field{"default", []string{}, ""})},
		{"slug", argSpec("array", "Limit result set to posts with one or more specific slugs.", arrayOf(strs))},
		{"status", argSpec("array", "Limit result set to posts assigned one or more statuses.", arrayOf(object{{"enum", []string{"inherit", "private", "trash"}, ""}, {"type", "string", ""}}), field{"default", "inherit", ""})},
		{"media_type", argSpec("array", "Limit result set to attachments of a particular media type or media types.", arrayOf(object{{"type", "string", ""}, {"enum", mediaTypes, ""}}))},
		{"mime_type", argSpec("array", "Limit result set to attachments of a particular MIME type or MIME types.", arrayOf(strs))},
		{"pixelmill_folder", argSpec("string", "Limit result set to attachments directly in a folder of the media tree, by its key, or \"root\" (Pixelmill).")},
		{"processing_status", argSpec("array", "Limit result set to attachments in one or more processing statuses (Pixelmill).", arrayOf(object{{"enum", []string{"processing", "ready", "failed"}, ""}, {"type", "string", ""}}))},
	}
}

func argsObject(args []arg) object {
	o := object{}
	for _, a := range args {
		o = append(o, field{a.name, a.spec, ""})
	}
	return o
}

// itemSchema is the attachment's JSON schema, built from the fields the
// dialect emits so the two can't drift apart.
func (h *Handler) itemSchema() object {
	props := object{}
	sample := h.attachment(&media.Attachment{Media: &media.Media{MIME: "image/jpeg", Visibility: media.VisibilityInherit}})
	contexts := func(c string) []string {
		var out []string
		for _, pair := range [][2]string{{"v", "view"}, {"e", "edit"}, {"m", "embed"}} {
			if strings.Contains(c, pair[0]) {
				out = append(out, pair[1])
			}
		}
		return out
	}
	for _, f := range sample {
		typ := "string"
		switch f.value.(type) {
		case int, int64:
			typ = "integer"
		case bool:
			typ = "boolean"
		case object:
			typ = "object"
		case []string, []any:
			typ = "array"
		}
		if f.key == "post" || f.key == "filesize" {
			typ = "integer"
		}
		p := object{{"type", typ, ""}, {"context", contexts(f.contexts), ""}}
		if sub, ok := f.value.(object); ok && (f.key == "title" || f.key == "caption" || f.key == "description" || f.key == "guid") {
			inner := object{}
			for _, sf := range sub {
				c := f.contexts
				if sf.contexts != "" {
					c = sf.contexts
				}
				inner = append(inner, field{sf.key, object{{"type", "string", ""}, {"context", contexts(c), ""}}, ""})
			}
			p = append(p, field{"properties", inner, ""})
		}
		props = append(props, field{f.key, p, ""})
	}
	return object{
		{"$schema", "http://json-schema.org/draft-04/schema#", ""},
		{"title", "attachment", ""},
		{"type", "object", ""},
		{"properties", props, ""},
		{"links", []object{{{"rel", "https://api.w.org/action-unfiltered-html", ""}}, {{"rel", "https://api.w.org/action-assign-author", ""}}}, ""},
	}
}

// handleMediaOptions answers OPTIONS on the media routes: the route's
// description and schema, and an Allow header listing the methods this
// caller may use (spec §1.3). An id that isn't digits matches no route of
// WordPress's, which answers OPTIONS there with [] (handleOptions).
func (h *Handler) handleMediaOptions(w http.ResponseWriter, r *http.Request) {
	single := r.PathValue("id") != ""
	if _, ok := mediaID(r); single && !ok {
		h.handleOptions(w, r)
		return
	}
	u, _ := h.user(r)
	var endpoints []object
	allow := []string{"GET"}
	if single {
		ctxArg := argsObject([]arg{{"id", argSpec("integer", "Unique identifier for the post.")}, collectionArgs()[0]})
		endpoints = []object{
			{{"methods", []string{"GET"}, ""}, {"args", ctxArg, ""}},
			{{"methods", []string{"POST", "PUT", "PATCH"}, ""}, {"args", object{}, ""}},
			{{"methods", []string{"DELETE"}, ""}, {"args", object{{"force", argSpec("boolean", "Whether to bypass Trash and force deletion.", field{"default", false, ""}), ""}}, ""}},
		}
		// Only a caller who logged in may edit: an anonymous one (a
		// browser's CORS preflight, never rate limited) costs no lookup.
		if id, ok := mediaID(r); ok && u != nil {
			if m, err := h.core.FindAttachment(r.Context(), id); err == nil && canEdit(u, m) {
				allow = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
			}
		}
	} else {
		endpoints = []object{
			{{"methods", []string{"GET"}, ""}, {"args", argsObject(collectionArgs()), ""}},
			{{"methods", []string{"POST"}, ""}, {"args", object{}, ""}},
		}
		if u.CanUpload() {
			allow = append(allow, "POST")
		}
	}
	methods := []string{"GET", "POST"}
	if single {
		methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	}
	h.headers(w)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	httpx.WriteJSON(w, http.StatusOK, object{
		{"namespace", "wp/v2", ""},
		{"methods", methods, ""},
		{"endpoints", endpoints, ""},
		{"schema", h.itemSchema(), ""},
	})
}

// handleIndex is the REST index at /wp-json/: the namespaces and routes a
// client such as wpapi's discovery reads.
func (h *Handler) handleIndex(w http.ResponseWriter, r *http.Request) {
	route := func(path string, methods ...string) field {
		eps := []object{}
		for _, m := range methods {
			eps = append(eps, object{{"methods", []string{m}, ""}, {"args", object{}, ""}})
		}
		return field{path, object{{"namespace", "wp/v2", ""}, {"methods", methods, ""}, {"endpoints", eps, ""},
			{"_links", object{{"self", []object{{{"href", h.publicURL + "/wp-json" + path, ""}}}, ""}}, ""}}, ""}
	}
	routes := object{
		{"/", object{{"namespace", "", ""}, {"methods", []string{"GET"}, ""}}, ""},
		{"/wp/v2", object{{"namespace", "wp/v2", ""}, {"methods", []string{"GET"}, ""}}, ""},
	}
	for _, rt := range restRoutes {
		routes = append(routes, route(rt.path, rt.methods...))
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, object{
		{"name", "Pixelmill", ""},
		{"description", "Media processing cluster", ""},
		{"url", h.publicURL, ""},
		{"home", h.publicURL, ""},
		{"gmt_offset", 0, ""},
		{"timezone_string", "UTC", ""},
		{"namespaces", []string{"wp/v2"}, ""},
		{"authentication", object{{"application-passwords", object{{"endpoints", object{{"authorization", h.publicURL + "/wp-admin/authorize-application.php", ""}}, ""}}, ""}}, ""},
		{"routes", routes, ""},
	})
}
