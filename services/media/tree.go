package media

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// The media types every deployment has, as Umbraco names them: the three
// of every project, and Umbraco 8.14+'s Video, Audio and Article. An item
// made without a type (through WordPress or /v1) gets the one Umbraco
// picks by its file (TypeAlias).
const (
	TypeFolder  = "Folder"
	TypeImage   = "Image"
	TypeFile    = "File"
	TypeVideo   = "umbracoMediaVideo"
	TypeAudio   = "umbracoMediaAudio"
	TypeArticle = "umbracoMediaArticle"
)

// articleTypes are the documents Umbraco files as Articles.
var articleTypes = map[string]bool{
	PDF.MIME: true, "application/msword": true, "application/rtf": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": true,
	"application/vnd.oasis.opendocument.text":                                 true,
}

// The property editors a media type's file property can use.
const (
	EditorImageCropper = "Umbraco.ImageCropper"
	EditorUploadField  = "Umbraco.UploadField"
	EditorLabel        = "Umbraco.Label"
	EditorTextBox      = "Umbraco.TextBox"
	EditorTextArea     = "Umbraco.TextArea"
)

// Point is a focal point: fractions of the upright image's width and
// height, from its top left corner.
type Point struct {
	Left float64 `json:"left"`
	Top  float64 `json:"top"`
}

// Valid reports whether both fractions lie in [0, 1].
func (p Point) Valid() bool { return inUnit(p.Left) && inUnit(p.Top) }

// Coords are an Umbraco crop's coordinates: insets from the left, top,
// right and bottom edges as fractions of the width and height, so the kept
// rectangle is [X1·W, Y1·H] to [(1−X2)·W, (1−Y2)·H].
type Coords struct {
	X1 float64 `json:"x1"`
	Y1 float64 `json:"y1"`
	X2 float64 `json:"x2"`
	Y2 float64 `json:"y2"`
}

// Valid reports whether every inset lies in [0, 1] and something is left.
func (c Coords) Valid() bool {
	return inUnit(c.X1) && inUnit(c.Y1) && inUnit(c.X2) && inUnit(c.Y2) && c.X1+c.X2 < 1 && c.Y1+c.Y2 < 1
}

func inUnit(v float64) bool { return v >= 0 && v <= 1 }

// CropDef is a named crop a media type defines: every image of the type
// gets a Width×Height rendition cut around its focal point.
type CropDef struct {
	Alias  string `json:"alias"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// PropertyType is one property of a media type besides its file and the
// labels derived from the file.
type PropertyType struct {
	Alias       string `json:"alias"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
	Editor      string `json:"editor"`
	Required    bool   `json:"required,omitempty"`
}

// MediaType is an Umbraco media type: what an item of it holds.
type MediaType struct {
	Alias string `json:"alias"`
	Name  string `json:"name"`
	// FileEditor is the editor of its umbracoFile property:
	// EditorImageCropper, EditorUploadField, or "" for a type without a
	// file (a folder), which is the only kind that may have children.
	FileEditor string `json:"fileEditor"`
	// Properties are its custom properties (altText, credits, …).
	Properties []PropertyType `json:"properties,omitempty"`
	// Crops are rendered by the workers for items of the type; only an
	// image cropper type has them.
	Crops []CropDef `json:"crops,omitempty"`
}

// IsFolder reports whether items of the type hold other items, not a file.
func (t MediaType) IsFolder() bool { return t.FileEditor == "" }

// Key is the type's stable GUID (Heartcore's _id): the same alias gives the
// same key on every replica and every start.
func (t MediaType) Key() string {
	return uuid.NewSHA1(mediaTypeNamespace, []byte(t.Alias)).String()
}

var mediaTypeNamespace = uuid.MustParse("4f0c6a52-3a4e-4bc3-9a52-7f2b8e1d0c11")

// Property returns the custom property of the alias.
func (t MediaType) Property(alias string) (PropertyType, bool) {
	for _, p := range t.Properties {
		if p.Alias == alias {
			return p, true
		}
	}
	return PropertyType{}, false
}

// DefaultMediaTypes returns Folder, Image (with the thumb and wide crops),
// File, Video, Audio and Article, as a new deployment has them.
func DefaultMediaTypes() []MediaType {
	return []MediaType{
		{Alias: TypeFolder, Name: "Folder"},
		{Alias: TypeImage, Name: "Image", FileEditor: EditorImageCropper, Crops: []CropDef{
			{Alias: "thumb", Width: 300, Height: 300},
			{Alias: "wide", Width: 1200, Height: 630},
		}},
		{Alias: TypeFile, Name: "File", FileEditor: EditorUploadField},
		{Alias: TypeVideo, Name: "Video", FileEditor: EditorUploadField},
		{Alias: TypeAudio, Name: "Audio", FileEditor: EditorUploadField},
		{Alias: TypeArticle, Name: "Article", FileEditor: EditorUploadField},
	}
}

// reservedProperties are the item's own fields in Heartcore's JSON, which
// a property of the same alias would hide.
var reservedProperties = map[string]bool{"name": true, "sortOrder": true, "parentId": true, "mediaTypeAlias": true}

var aliasPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// MaxCropSide bounds a crop definition's sides, as the image URL parameters
// are bounded: a crop is rendered for every image of its type.
const MaxCropSide = 4096

// ParseMediaTypes reads a JSON array of media types (the file that
// PIXELMILL_MEDIA_TYPES_FILE names) and checks it: aliases unique and well
// formed, Folder, Image and File present (they may be given to change
// their crops or properties), crops only on image cropper types and within
// bounds.
func ParseMediaTypes(data []byte) ([]MediaType, error) {
	var types []MediaType
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&types); err != nil {
		return nil, fmt.Errorf("media types: %w", err)
	}
	byAlias := map[string]bool{}
	for _, t := range types {
		byAlias[t.Alias] = true
	}
	// The stock types are kept unless the configuration redefines them.
	for _, d := range DefaultMediaTypes() {
		if !byAlias[d.Alias] {
			types = append(types, d)
		}
	}
	return types, ValidateMediaTypes(types)
}

// ValidateMediaTypes reports every problem of a set of media types.
func ValidateMediaTypes(types []MediaType) error {
	var errs []error
	seen := map[string]bool{}
	for _, t := range types {
		if !aliasPattern.MatchString(t.Alias) {
			errs = append(errs, fmt.Errorf("media type alias %q: want a letter then letters, digits or _", t.Alias))
		}
		if seen[strings.ToLower(t.Alias)] {
			errs = append(errs, fmt.Errorf("media type %q defined twice", t.Alias))
		}
		seen[strings.ToLower(t.Alias)] = true
		switch t.FileEditor {
		case "", EditorImageCropper, EditorUploadField:
		default:
			errs = append(errs, fmt.Errorf("media type %q: fileEditor %q: want %q, %q or none", t.Alias, t.FileEditor, EditorImageCropper, EditorUploadField))
		}
		if len(t.Crops) > 0 && t.FileEditor != EditorImageCropper {
			errs = append(errs, fmt.Errorf("media type %q: crops need the image cropper", t.Alias))
		}
		crops := map[string]bool{}
		for _, c := range t.Crops {
			if !aliasPattern.MatchString(c.Alias) || crops[c.Alias] {
				errs = append(errs, fmt.Errorf("media type %q: crop alias %q is malformed or repeated", t.Alias, c.Alias))
			}
			crops[c.Alias] = true
			if c.Width < 1 || c.Height < 1 || c.Width > MaxCropSide || c.Height > MaxCropSide {
				errs = append(errs, fmt.Errorf("media type %q: crop %q is %d×%d; each side must be 1–%d", t.Alias, c.Alias, c.Width, c.Height, MaxCropSide))
			}
		}
		props := map[string]bool{}
		for _, p := range t.Properties {
			if !aliasPattern.MatchString(p.Alias) || strings.HasPrefix(strings.ToLower(p.Alias), "umbraco") || reservedProperties[p.Alias] || props[p.Alias] {
				errs = append(errs, fmt.Errorf("media type %q: property alias %q is malformed, reserved (umbraco…) or repeated", t.Alias, p.Alias))
			}
			props[p.Alias] = true
		}
	}
	for _, need := range []string{TypeFolder, TypeImage, TypeFile} {
		if !seen[strings.ToLower(need)] {
			errs = append(errs, fmt.Errorf("media type %q is required", need))
		}
	}
	return errors.Join(errs...)
}

// TypeAlias is the item's media type: the one it was created with, or the
// one Umbraco picks by the file: Image for what the workers render, Video,
// Audio, Article for a PDF or a text document, File for the rest.
func (m *Media) TypeAlias() string {
	switch {
	case m.MediaType != "":
		return m.MediaType
	case m.IsImage():
		return TypeImage
	case FamilyOf(m.MIME) == FamilyVideo:
		return TypeVideo
	case FamilyOf(m.MIME) == FamilyAudio:
		return TypeAudio
	case articleTypes[m.MIME]:
		return TypeArticle
	}
	return TypeFile
}

// IsFolder reports whether the item is a folder of the tree: it has no
// file, whatever its type's alias.
func (m *Media) IsFolder() bool { return m.MIME == "" }

// CropFileName is the stored name of an item's named crop. The "~" keeps
// it apart from every upload's name, which the sanitizer never lets hold
// one, so it can't collide with another item's sub-size in the same folder.
func CropFileName(stem, alias, ext string) string { return stem + "~" + alias + "." + ext }

// Node is an item as Umbraco's media tree holds it: the asset, and its
// place and property values, which the tree keeps in a table of its own
// (media_nodes). Folders are nodes too, assets without a file. Items of a
// /v1 key's library are not in the tree.
type Node struct {
	*Media
	// ParentID is the folder the item is in; nil at the root.
	ParentID *int64
	// SortOrder places the item among its siblings, from 0.
	SortOrder int
	// Properties are the values of the type's custom properties, by alias.
	Properties map[string]json.RawMessage
	// Tree is where the node is seen from the root.
	Tree TreeInfo
}

// TreeInfo is an item's place in the folder tree.
type TreeInfo struct {
	// ParentKey is the folder's key; "" at the root.
	ParentKey string
	// Level is 1 at the root.
	Level int
	// Names are the names from the root down to the item itself.
	Names       []string
	HasChildren bool
}

// ChildQuery selects, orders and pages a folder's children.
type ChildQuery struct {
	// MediaType keeps items of exactly this type alias.
	MediaType string
	// NameContains keeps items whose name contains every one of these,
	// ignoring case.
	NameContains []string
	// Sort orders by the keys in turn; after them comes the sort order.
	Sort []SortKey
	// PublicOnly leaves out private items (the Delivery API is public).
	PublicOnly bool
	Skip, Take int
}

// SortKey is one key of a child list's order.
type SortKey struct {
	Field string // "createDate", "updateDate", "name", "sortOrder"
	Desc  bool
}

// Folder is a folder of the media tree as a picker lists it.
type Folder struct {
	Key       string
	Name      string
	ParentKey string // "" at the top
}

// NodeUpdate changes an item's place and Umbraco fields; nil fields stay.
type NodeUpdate struct {
	Name *string
	// Move, when true, puts the item under ParentID (nil: the root).
	Move       bool
	ParentID   *int64
	SortOrder  *int
	Focal      *Point
	ClearFocal bool
	// CropCoords, when not nil, replaces the hand-placed crops.
	CropCoords map[string]Coords
	// Properties, when not nil, are merged into the item's (a null value
	// removes one).
	Properties map[string]json.RawMessage
}

// Placement puts a new item into the tree with Umbraco's fields: the type,
// focal point and crops are the asset's; the parent and properties are the
// node's.
type Placement struct {
	MediaType  string
	ParentID   *int64
	SortOrder  *int
	Focal      *Point
	CropCoords map[string]Coords
	Properties map[string]json.RawMessage
	// Dir, when set, is the item's storage folder instead of YYYY/MM:
	// Umbraco's eight-character media folder.
	Dir string
}
