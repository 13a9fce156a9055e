package delivery

import (
	"strings"
	"testing"
)

func TestParseFieldNodesRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"properties[":       "equal number",
		"properties[a]]":    "equal number",
		"[properties]":      "start with a bracket",
		"properties[]":      "empty brackets",
		"properties[a[]]":   "empty brackets",
		"a]b[c":             "did not open",
		"properties[a]],[b": "did not open",
	}
	for value, want := range tests {
		if _, msg := parseFieldNodes(value); !strings.Contains(msg, want) {
			t.Errorf("%q: %q, want a message containing %q", value, msg, want)
		}
	}
}

func TestFieldsIncludes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fields string
		keep   []string
		drop   []string
	}{
		{"$all", []string{"altText", "credit"}, nil},
		{"properties[$all]", []string{"altText", "credit"}, nil},
		{"properties[altText]", []string{"altText"}, []string{"credit", "alttext"}},
		{"properties[altText,credit]", []string{"altText", "credit"}, []string{"other"}},
		{"properties[altText[properties[$all]],credit]", []string{"altText", "credit"}, []string{"other"}},
		// Names match exactly: a space after the comma is part of the name.
		{"properties[altText, credit]", []string{"altText"}, []string{"credit"}},
		// Only the first "properties" counts.
		{"properties[altText],properties[credit]", []string{"altText"}, []string{"credit"}},
		{"", nil, []string{"altText"}},
		{"properties", nil, []string{"altText"}},
		{"name", nil, []string{"altText"}},
	}
	for _, tt := range tests {
		root, msg := parseFieldNodes(tt.fields)
		if msg != "" {
			t.Errorf("%q: %s", tt.fields, msg)
			continue
		}
		for _, a := range tt.keep {
			if !root.includes(a) {
				t.Errorf("%q drops %q", tt.fields, a)
			}
		}
		for _, a := range tt.drop {
			if root.includes(a) {
				t.Errorf("%q keeps %q", tt.fields, a)
			}
		}
	}
}

func TestParseShaping(t *testing.T) {
	t.Parallel()
	s, p := parseShaping(parseParams(""))
	if p != nil || !s.keeps("anything") {
		t.Errorf("no fields: %v, keeps %v; want every property", p, s.keeps("anything"))
	}
	s, p = parseShaping(parseParams("fields=properties%5BaltText%5D&expand=properties%5B%24all%5D"))
	if p != nil || !s.keeps("altText") || s.keeps("credit") {
		t.Errorf("fields=properties[altText]: %v", p)
	}
	// Repeated parameters are joined with ',' before parsing.
	s, p = parseShaping(parseParams("fields=properties[credit]&fields=properties[altText]"))
	if p != nil || !s.keeps("credit") || s.keeps("altText") {
		t.Errorf("repeated fields: %v", p)
	}
	for query, title := range map[string]string{
		"fields=properties[]":          "Fields option not valid",
		"fields=[properties]":          "Fields option not valid",
		"expand=properties[a":          "Expand option not valid",
		"expand=property:author":       "",
		"expand=all&fields=$all":       "",
		"expand=properties[$all]":      "",
		"expand=[a]&fields=properties": "Expand option not valid",
	} {
		_, p := parseShaping(parseParams(query))
		switch {
		case title == "" && p != nil:
			t.Errorf("%s: %s", query, p.Detail)
		case title != "" && (p == nil || p.Title != title || p.Status != 400 || p.Type != "Error"):
			t.Errorf("%s: got %+v, want %q", query, p, title)
		}
	}
	if s := (shaping{}); !s.keeps("x") {
		t.Error("v1 shaping keeps every property")
	}
}
