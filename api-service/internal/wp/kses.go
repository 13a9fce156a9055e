package wp

import (
	"github.com/microcosm-cc/bluemonday"

	"github.com/pixelmill/pixelmill/services/media"
)

// WordPress filters the HTML of users without unfiltered_html (every role
// but administrator on a single site) through kses: titles allow only a few
// inline tags, captions and descriptions the post-content set; scripts and
// styles go with their content. bluemonday does the parsing and escaping.
var (
	ksesTitle   = titlePolicy()
	ksesContent = contentPolicy()
)

// titlePolicy is kses's $allowedtags, the set for titles.
func titlePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowAttrs("href", "title").OnElements("a")
	p.AllowAttrs("title").OnElements("abbr", "acronym")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowAttrs("datetime").OnElements("del")
	p.AllowElements("b", "cite", "code", "em", "i", "s", "strike", "strong")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	return p
}

// contentPolicy approximates kses's post-content set.
func contentPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowAttrs("href", "title", "target", "rel", "class", "id").OnElements("a")
	p.AllowAttrs("class", "id", "style", "align", "dir", "lang", "title").
		OnElements("div", "p", "span", "section", "article", "aside", "figure", "figcaption", "blockquote",
			"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre", "table", "thead", "tbody", "tr", "td", "th")
	p.AllowAttrs("src", "alt", "width", "height", "class", "title", "loading", "decoding").OnElements("img")
	p.AllowElements("b", "strong", "em", "i", "u", "s", "strike", "code", "br", "hr", "small", "sub", "sup",
		"abbr", "acronym", "cite", "del", "ins", "q", "dl", "dt", "dd", "caption")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	return p
}

// kses filters a title (title=true) or a caption/description for u.
func kses(u *media.User, s string, title bool) string {
	if u != nil && u.Role == media.RoleAdministrator {
		return s // unfiltered_html on a single site
	}
	if title {
		return ksesTitle.Sanitize(s)
	}
	return ksesContent.Sanitize(s)
}

// ksesFields filters the title, caption and description a request sets.
func ksesFields(u *media.User, title, caption, description **string) {
	for _, f := range []struct {
		v       **string
		isTitle bool
	}{{title, true}, {caption, false}, {description, false}} {
		if *f.v != nil {
			clean := kses(u, **f.v, f.isTitle)
			*f.v = &clean
		}
	}
}
