package delivery

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/umbraco"
	"github.com/pixelmill/pixelmill/services/media"
)

func testTypes() *umbraco.Types {
	types := media.DefaultMediaTypes()
	for i := range types {
		if types[i].Alias == media.TypeImage {
			types[i].Crops = []media.CropDef{{Alias: "thumb", Width: 200, Height: 200}}
			types[i].Properties = []media.PropertyType{
				{Alias: "credit", Label: "Credit", Editor: media.EditorTextBox},
				{Alias: "altText", Label: "Alt text", Editor: media.EditorTextBox},
			}
		}
	}
	return umbraco.NewTypes(types)
}

var testDate = time.Date(2026, 7, 6, 11, 34, 6, 624841800, time.UTC)

func testImage() *media.Node {
	return &media.Node{
		Media: &media.Media{
			Key: "e6a7a0b4-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Title: "Media Item Name", MediaType: media.TypeImage,
			MIME: "image/jpeg", Dir: "cpnpcua5", Stem: "unicorn", Ext: "jpg", Width: 4692, Height: 3128,
			OriginalFilesize: 1234567, Visibility: media.VisibilityInherit,
			CreatedAt: testDate, UpdatedAt: testDate,
		},
		Properties: map[string]json.RawMessage{"altText": json.RawMessage(`"A unicorn"`), "umbracoWidth": json.RawMessage(`1`)},
		Tree:       media.TreeInfo{Names: []string{"Root Level Folder", "Child Folder", "Media Item Name"}},
	}
}

func TestItemJSON(t *testing.T) {
	t.Parallel()
	types := testTypes()
	folder := &media.Node{Media: &media.Media{Key: "0f0f0f0f-0000-4000-8000-000000000001", Title: "Child Folder", MediaType: media.TypeFolder,
		Visibility: media.VisibilityInherit, CreatedAt: testDate, UpdatedAt: testDate},
		Tree: media.TreeInfo{Names: []string{"Root Level Folder", "Child Folder"}}}
	pdf := &media.Node{Media: &media.Media{Key: "0f0f0f0f-0000-4000-8000-000000000002", Title: "Sizes doc", MediaType: media.TypeFile,
		MIME: "application/pdf", Dir: "ab12cd34", Stem: "sizes", Ext: "pdf", OriginalFilesize: 2048,
		Visibility: media.VisibilityInherit, CreatedAt: testDate, UpdatedAt: testDate},
		Tree: media.TreeInfo{Names: []string{"Sizes doc"}}}
	focal := testImage()
	focal.Focal = &media.Point{Left: 0.3, Top: 0.7}
	focal.CropCoords = map[string]media.Coords{"thumb": {X1: 0.1, Y1: 0.2, X2: 0.3, Y2: 0.4}}

	const dates = `"createDate":"2026-07-06T11:34:06.6248418Z","updateDate":"2026-07-06T11:34:06.6248418Z",`
	tests := []struct {
		name   string
		m      *media.Node
		fields string
		want   string
	}{
		{"image", testImage(), "",
			`{"path":"/root level folder/child folder/media item name/",` + dates +
				`"id":"e6a7a0b4-1c2d-4e5f-8a9b-0c1d2e3f4a5b","name":"Media Item Name","mediaType":"Image",` +
				`"url":"/media/cpnpcua5/unicorn.jpg","extension":"jpg","width":4692,"height":3128,"bytes":1234567,` +
				`"properties":{"credit":null,"altText":"A unicorn"},"focalPoint":null,` +
				`"crops":[{"alias":"thumb","width":200,"height":200,"coordinates":null}]}`},
		{"image with focal point and crop", focal, "fields=properties[altText]",
			`{"path":"/root level folder/child folder/media item name/",` + dates +
				`"id":"e6a7a0b4-1c2d-4e5f-8a9b-0c1d2e3f4a5b","name":"Media Item Name","mediaType":"Image",` +
				`"url":"/media/cpnpcua5/unicorn.jpg","extension":"jpg","width":4692,"height":3128,"bytes":1234567,` +
				`"properties":{"altText":"A unicorn"},"focalPoint":{"left":0.3,"top":0.7},` +
				`"crops":[{"alias":"thumb","width":200,"height":200,"coordinates":{"x1":0.1,"y1":0.2,"x2":0.3,"y2":0.4}}]}`},
		{"folder", folder, "",
			`{"path":"/root level folder/child folder/",` + dates +
				`"id":"0f0f0f0f-0000-4000-8000-000000000001","name":"Child Folder","mediaType":"Folder",` +
				`"url":"","extension":null,"width":null,"height":null,"bytes":null,"properties":{},"focalPoint":null,"crops":null}`},
		{"file", pdf, "fields=properties[nothing]",
			`{"path":"/sizes doc/",` + dates +
				`"id":"0f0f0f0f-0000-4000-8000-000000000002","name":"Sizes doc","mediaType":"File",` +
				`"url":"/media/ab12cd34/sizes.pdf","extension":"pdf","width":null,"height":null,"bytes":2048,` +
				`"properties":{},"focalPoint":null,"crops":null}`},
	}
	for _, tt := range tests {
		s, p := parseShaping(parseParams(tt.fields))
		if p != nil {
			t.Fatalf("%s: %s", tt.name, p.Detail)
		}
		b, err := encode(toItem(types.Of(tt.m.Media), tt.m, s))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(b) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, b, tt.want)
		}
	}
}

func TestPagedJSON(t *testing.T) {
	t.Parallel()
	b, err := encode(pagedItems{Total: 12, Items: []item{}})
	if err != nil || string(b) != `{"total":12,"items":[]}` {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	for v, want := range map[media.Visibility]bool{
		media.VisibilityInherit: true, media.VisibilityPrivate: false, media.VisibilityTrash: false,
	} {
		if got := visible(&media.Media{Visibility: v}); got != want {
			t.Errorf("visible(%s) = %v", v, got)
		}
	}
}
