package delivery

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
)

// item is a media item as the Delivery API outputs it (IApiMediaWithCrops),
// keys in Umbraco's order. Nulls are written: Umbraco's serializer keeps
// them, and clients test for them.
type item struct {
	Path       string         `json:"path"`
	CreateDate string         `json:"createDate"`
	UpdateDate string         `json:"updateDate"`
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	MediaType  string         `json:"mediaType"`
	URL        string         `json:"url"`
	Extension  *string        `json:"extension"`
	Width      *int           `json:"width"`
	Height     *int           `json:"height"`
	Bytes      *int64         `json:"bytes"`
	Properties properties     `json:"properties"`
	FocalPoint *media.Point   `json:"focalPoint"`
	Crops      []umbraco.Crop `json:"crops"`
}

// pagedItems is the answer to a query (PagedViewModel): how many items
// match in all, and one page of them.
type pagedItems struct {
	Total int64  `json:"total"`
	Items []item `json:"items"`
}

// toItem projects m. Folders have no file: an empty url and null
// extension, size and bytes. Width and height are null for files that are
// not images. The focal point and crops come from the image cropper, so
// they are null for files and folders; an image's focal point is null
// until one is set.
func toItem(mt media.MediaType, m *media.Node, s shaping) item {
	it := item{
		Path:       umbraco.Path(m),
		CreateDate: umbraco.DeliveryDate(m.CreatedAt),
		UpdateDate: umbraco.DeliveryDate(m.UpdatedAt),
		ID:         m.Key,
		Name:       m.Title,
		MediaType:  m.TypeAlias(),
		URL:        umbraco.FileURL(m.Media),
		Properties: orderedProperties(mt, umbraco.Properties(mt, m), s),
		Crops:      umbraco.Crops(mt, m.Media),
	}
	if !m.IsFolder() {
		if m.Ext != "" {
			ext := m.Ext
			it.Extension = &ext
		}
		if w, h := umbraco.Size(m.Media); w > 0 && h > 0 {
			it.Width, it.Height = &w, &h
		}
		b := umbraco.Bytes(m.Media)
		it.Bytes = &b
		if mt.FileEditor == media.EditorImageCropper && m.Focal != nil {
			fp := *m.Focal
			it.FocalPoint = &fp
		}
	}
	return it
}

// properties are an item's custom properties in output order.
type properties []property

type property struct {
	alias string
	value json.RawMessage
}

// orderedProperties orders values as Umbraco does, by the type's property
// order; values stored for aliases the type no longer declares follow,
// sorted, so the output is stable. Properties fields leaves out are
// dropped.
func orderedProperties(mt media.MediaType, values map[string]json.RawMessage, s shaping) properties {
	out := make(properties, 0, len(values))
	seen := make(map[string]bool, len(values))
	for _, p := range mt.Properties {
		if v, ok := values[p.Alias]; ok && s.keeps(p.Alias) {
			out = append(out, property{p.Alias, v})
		}
		seen[p.Alias] = true
	}
	var rest []string
	for k := range values {
		if !seen[k] && s.keeps(k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, property{k, values[k]})
	}
	return out
}

// MarshalJSON writes the properties as one object, in order; {} when none.
func (ps properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.alias)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v := p.value
		if len(bytes.TrimSpace(v)) == 0 {
			v = json.RawMessage("null")
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// visible reports whether the public Delivery API may show m: private and
// trashed WordPress items are not published media.
func visible(m *media.Media) bool { return media.Can(media.Caller{}, m, nil).Public }

// hasFold reports whether s contains sub, ignoring case as .NET's
// OrdinalIgnoreCase does (by upper-casing).
func hasFold(s, sub string) bool {
	return strings.Contains(strings.ToUpper(s), strings.ToUpper(sub))
}
