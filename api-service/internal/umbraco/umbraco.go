// Package umbraco holds what the two Umbraco dialects (Heartcore's
// management API and the CMS's Media Delivery API) share: the configured
// media types and the projection of an item's file, size, focal point,
// crops and properties as Umbraco shows them.
package umbraco

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
)

// Types are the configured media types, looked up by alias.
type Types struct {
	list    []media.MediaType
	byAlias map[string]media.MediaType
}

// NewTypes indexes types (already validated).
func NewTypes(types []media.MediaType) *Types {
	t := &Types{list: types, byAlias: make(map[string]media.MediaType, len(types))}
	for _, mt := range types {
		t.byAlias[mt.Alias] = mt
	}
	return t
}

// All returns the types in configuration order.
func (t *Types) All() []media.MediaType { return t.list }

// Get returns the type of an alias, matched exactly, as Umbraco does.
func (t *Types) Get(alias string) (media.MediaType, bool) {
	mt, ok := t.byAlias[alias]
	return mt, ok
}

// Of returns an item's type; an alias no longer configured gives a type of
// that alias without properties or crops, with the file editor its content
// implies.
func (t *Types) Of(m *media.Media) media.MediaType {
	if mt, ok := t.byAlias[m.TypeAlias()]; ok {
		return mt
	}
	mt := media.MediaType{Alias: m.TypeAlias(), Name: m.TypeAlias()}
	switch {
	case m.IsFolder():
	case m.IsImage():
		mt.FileEditor = media.EditorImageCropper
	default:
		mt.FileEditor = media.EditorUploadField
	}
	return mt
}

// FileURL is the item's file as Umbraco's URL provider gives it, relative
// to the site: "/media/{folder}/{name}", the upload as received; "" for a
// folder.
func FileURL(m *media.Media) string {
	return m.MediaPath()
}

// Size is the upload's width and height as stored with its original file
// (upright once a worker read it); 0×0 for files that are not images.
func Size(m *media.Media) (int, int) {
	if f, ok := m.FileByRole(media.RoleOriginal); ok && f.Width > 0 {
		return f.Width, f.Height
	}
	return m.Width, m.Height
}

// Bytes is the upload's size.
func Bytes(m *media.Media) int64 { return m.OriginalFilesize }

// Crop is one of an image's crops as Umbraco shows it: the type's
// definition with the item's hand-placed coordinates, or null.
type Crop struct {
	Alias       string        `json:"alias"`
	Width       int           `json:"width"`
	Height      int           `json:"height"`
	Coordinates *media.Coords `json:"coordinates"`
}

// Crops are the item's crops; nil when its type has no image cropper
// (files, folders), and an empty list when the cropper defines none.
func Crops(mt media.MediaType, m *media.Media) []Crop {
	if mt.FileEditor != media.EditorImageCropper || m.IsFolder() {
		return nil
	}
	out := make([]Crop, 0, len(mt.Crops))
	for _, c := range mt.Crops {
		crop := Crop{Alias: c.Alias, Width: c.Width, Height: c.Height}
		if cc, ok := m.CropCoords[c.Alias]; ok {
			cc := cc
			crop.Coordinates = &cc
		}
		out = append(out, crop)
	}
	return out
}

// Properties are the values of the type's custom properties (aliases not
// starting with "umbraco"), null where unset, plus any value stored for
// an alias the type no longer declares.
func Properties(mt media.MediaType, m *media.Node) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, p := range mt.Properties {
		out[p.Alias] = json.RawMessage("null")
	}
	for k, v := range m.Properties {
		if !strings.HasPrefix(strings.ToLower(k), "umbraco") {
			out[k] = v
		}
	}
	return out
}

// Path is the Delivery API's path: the lower-cased names from the root to
// the item, each followed by "/".
func Path(m *media.Node) string {
	if len(m.Tree.Names) == 0 {
		return "/" + strings.ToLower(m.Title) + "/"
	}
	var b strings.Builder
	b.WriteByte('/')
	for _, n := range m.Tree.Names {
		b.WriteString(strings.ToLower(n))
		b.WriteByte('/')
	}
	return b.String()
}

// HeartcoreDate formats a time as Heartcore does: UTC, "Z", up to three
// fraction digits with trailing zeros trimmed ("2019-10-04T11:46:14.32Z").
func HeartcoreDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
}

// DeliveryDate formats a time as the Delivery API does: UTC with seven
// fraction digits ("2026-07-06T11:34:06.6248418Z").
func DeliveryDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z07:00")
}
