package media

import (
	"strings"
	"testing"
)

func TestParseMediaTypes(t *testing.T) {
	types, err := ParseMediaTypes([]byte(`[
		{"alias":"Image","name":"Image","fileEditor":"Umbraco.ImageCropper","crops":[{"alias":"square","width":500,"height":500}],
		 "properties":[{"alias":"altText","label":"Alt","editor":"Umbraco.TextBox","required":true}]},
		{"alias":"Article","name":"Article","fileEditor":"Umbraco.UploadField"}]`))
	if err != nil {
		t.Fatal(err)
	}
	byAlias := map[string]MediaType{}
	for _, mt := range types {
		byAlias[mt.Alias] = mt
	}
	// The stock types the file leaves out are kept; the ones it gives win.
	if len(types) != 7 || byAlias[TypeFolder].FileEditor != "" || byAlias[TypeFile].FileEditor != EditorUploadField ||
		len(byAlias[TypeImage].Crops) != 1 || byAlias[TypeImage].Crops[0].Alias != "square" || byAlias["Article"].IsFolder() {
		t.Fatalf("types %+v", types)
	}
	if p, ok := byAlias[TypeImage].Property("altText"); !ok || !p.Required {
		t.Fatalf("altText %+v", p)
	}
	if byAlias[TypeImage].Key() != (MediaType{Alias: TypeImage}).Key() || byAlias[TypeImage].Key() == byAlias[TypeFile].Key() {
		t.Fatal("type keys are stable per alias and differ between aliases")
	}

	for js, want := range map[string]string{
		`{}`: "media types",
		`[{"alias":"Image","fileEditor":"Umbraco.ImageCropper","bogus":1}]`: "unknown field",
		`[{"alias":"9lives"}]`:                            "alias",
		`[{"alias":"Doc","fileEditor":"Umbraco.Upload"}]`: "fileEditor",
		`[{"alias":"Doc","fileEditor":"Umbraco.UploadField","crops":[{"alias":"a","width":1,"height":1}]}]`:                                     "image cropper",
		`[{"alias":"Pic","fileEditor":"Umbraco.ImageCropper","crops":[{"alias":"a","width":0,"height":1}]}]`:                                    "1–4096",
		`[{"alias":"Pic","fileEditor":"Umbraco.ImageCropper","crops":[{"alias":"a","width":5000,"height":1}]}]`:                                 "1–4096",
		`[{"alias":"Pic","fileEditor":"Umbraco.ImageCropper","crops":[{"alias":"a","width":1,"height":1},{"alias":"a","width":2,"height":2}]}]`: "repeated",
		`[{"alias":"Pic","fileEditor":"Umbraco.ImageCropper","properties":[{"alias":"umbracoFile"}]}]`:                                          "reserved",
		`[{"alias":"Pic","fileEditor":"Umbraco.ImageCropper","properties":[{"alias":"name"}]}]`:                                                 "reserved",
		`[{"alias":"Pic"},{"alias":"pic"}]`: "defined twice",
	} {
		if _, err := ParseMediaTypes([]byte(js)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", js, err, want)
		}
	}
}

func TestTypeAliasAndFolders(t *testing.T) {
	for mime, want := range map[string]string{
		"image/jpeg": TypeImage, "application/pdf": TypeArticle, "video/quicktime": TypeVideo, "audio/flac": TypeAudio,
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document": TypeArticle,
		"application/zip": TypeFile, "text/csv": TypeFile,
	} {
		if got := (&Media{MIME: mime}).TypeAlias(); got != want {
			t.Errorf("%s: type %s, want %s", mime, got, want)
		}
	}
	if (&Media{MIME: "image/jpeg", MediaType: "Photo"}).TypeAlias() != "Photo" {
		t.Fatal("type alias")
	}
	if !(&Media{MediaType: TypeFolder}).IsFolder() || (&Media{MIME: "image/png"}).IsFolder() {
		t.Fatal("folders are the items without a file")
	}
	if got := CropFileName("photo", "thumb", "jpg"); got != "photo~thumb.jpg" {
		t.Fatalf("crop file name %q", got)
	}
	if !(Coords{X1: 0.1, Y1: 0.2, X2: 0.3, Y2: 0.4}).Valid() || (Coords{X1: 0.5, X2: 0.5}).Valid() || (Point{Left: 1.1}).Valid() {
		t.Fatal("validity of coordinates and points")
	}
}
