package wp

import "testing"

// The dispositions of WordPress's data_parse_disposition test (spec §6.5).
func TestFilenameFromDisposition(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`attachment; filename="foo.jpg"`:                                 "foo.jpg",
		`inline; filename="foo.jpg"`:                                     "foo.jpg",
		`form-data; filename="foo.jpg"`:                                  "foo.jpg",
		`attachment; filename=foo.jpg`:                                   "foo.jpg",
		`attachment;filename="foo.jpg"`:                                  "foo.jpg",
		`attachment; filename = "foo.jpg"`:                               "foo.jpg",
		"attachment;\tfilename\t=\t\"foo.jpg\"":                          "foo.jpg",
		`attachment; filename = my foo picture.jpg`:                      "my foo picture.jpg",
		`form-data; name="myfile"; filename="foo.jpg"; something="else"`: "foo.jpg",
		`form-data; name=myfile; filename=my foo.jpg; something=else`:    "my foo.jpg",
		`filename="foo.jpg"`:                                             "",
		`filename-foo.jpg`:                                               "",
		`foo.jpg`:                                                        "",
		`unknown; notfilename="foo.jpg"`:                                 "",
		`attachment`:                                                     "",
		`attachment; filename*=UTF-8''foo.jpg`:                           "",
	} {
		if got := FilenameFromDisposition([]string{in}); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	if got := FilenameFromDisposition([]string{`attachment; filename=a.jpg`, `attachment; filename=b.jpg`}); got != "b.jpg" {
		t.Errorf("last header should win, got %q", got)
	}
}

func TestSanitizeText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<b>Bold</b> Name":                        "Bold Name",
		"%22Quoted%22":                            "Quoted",
		"quote%22in%22middle":                     "quoteinmiddle",
		"<script>alert(document.cookie)</script>": "",
		"  many   spaces ":                        "many spaces",
	} {
		if got := sanitizeText(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
