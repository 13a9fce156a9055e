package delivery

import "strings"

// fieldNode is one name of the v2 fields/expand syntax with what is nested
// in its brackets: "properties[alt,credit[properties[$all]]]".
type fieldNode struct {
	key   string
	items []*fieldNode
}

// allKey selects every property.
const allKey = "$all"

// parseFieldNodes parses a fields or expand value into a root whose items
// are the top-level names, as Umbraco's output expansion strategy does:
// '[' opens the names nested in the current one, ',' starts a sibling,
// ']' closes. Umbraco rejects unbalanced brackets, a leading '[' and "[]"
// with an exception that ends as a 500; here they are the client's error.
// A ']' closing a bracket never opened is rejected too: Umbraco's parser
// would pop its root there and fail on a later character. A failure is
// reported by its message, in Umbraco's words.
func parseFieldNodes(value string) (*fieldNode, string) {
	switch {
	case strings.Count(value, "[") != strings.Count(value, "]"):
		return nil, "Value did not contain an equal number of start and end brackets"
	case strings.HasPrefix(value, "["):
		return nil, "Value cannot start with a bracket"
	case strings.Contains(value, "[]"):
		return nil, "Value cannot contain empty brackets"
	}
	root := &fieldNode{key: "root"}
	cur := &fieldNode{}
	root.items = append(root.items, cur)
	stack := []*fieldNode{root}
	for _, c := range value {
		switch c {
		case '[':
			stack = append(stack, cur)
			cur = &fieldNode{}
			stack[len(stack)-1].items = append(stack[len(stack)-1].items, cur)
		case ',':
			cur = &fieldNode{}
			stack[len(stack)-1].items = append(stack[len(stack)-1].items, cur)
		case ']':
			if len(stack) == 1 {
				return nil, "Value closes a bracket it did not open"
			}
			cur, stack = stack[len(stack)-1], stack[:len(stack)-1]
		default:
			cur.key += string(c)
		}
	}
	return root, ""
}

// child returns the first item of n keyed k, or nil.
func (n *fieldNode) child(k string) *fieldNode {
	if n == nil {
		return nil
	}
	for _, it := range n.items {
		if it.key == k {
			return it
		}
	}
	return nil
}

// includes reports whether fields keeps the property alias, as Umbraco
// decides it: "$all" at the top keeps everything; otherwise the first
// "properties" name must hold "$all" or the alias, matched exactly. So
// "fields=" or "fields=properties" keeps none, and of
// "properties[a],properties[b]" only the first counts.
func (n *fieldNode) includes(alias string) bool {
	if n.child(allKey) != nil {
		return true
	}
	p := n.child("properties")
	return p.child(allKey) != nil || p.child(alias) != nil
}

// shaping is how a request shapes each item's properties.
type shaping struct {
	// fields selects the properties kept; nil keeps all (v1 has no fields).
	fields *fieldNode
}

// keeps reports whether the property alias is output.
func (s shaping) keeps(alias string) bool { return s.fields == nil || s.fields.includes(alias) }

// parseShaping reads fields and expand (v2 syntax). Expand only reaches
// picker values inside properties, and media properties here hold plain
// values, so it is checked and has no effect. A repeated parameter is
// joined with ',' as ASP.NET's Request.Query does. Both are checked on
// every request, before the store is asked; Umbraco parses them only when
// it renders an item, so a malformed value next to a miss answers 400 here
// where Umbraco answers 404 or an empty page.
func parseShaping(ps params) (shaping, *problem) {
	if expand, ok := ps.joined("expand"); ok {
		if _, msg := parseFieldNodes(expand); msg != "" {
			return shaping{}, optionProblem("Expand", "expand", msg)
		}
	}
	fields, ok := ps.joined("fields")
	if !ok {
		fields = allKey
	}
	root, msg := parseFieldNodes(fields)
	if msg != "" {
		return shaping{}, optionProblem("Fields", "fields", msg)
	}
	return shaping{fields: root}, nil
}

// optionProblem is the 400 for a fields or expand value that doesn't
// parse, in the shape of Umbraco's other query errors.
func optionProblem(title, name, msg string) *problem {
	return &problem{Type: "Error", Title: title + " option not valid", Status: 400,
		Detail: "Could not parse the '" + name + "' parameter: " + msg}
}
