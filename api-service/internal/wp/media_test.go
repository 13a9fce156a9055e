package wp

import (
	"errors"
	"testing"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/services/media"
)

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

// TestUploadErrorWording: the core's upload refusals carry neutral words;
// WordPress answers each in its own, whatever the core says.
func TestUploadErrorWording(t *testing.T) {
	neutral := func(sentinel error) error { return media.WrapError(media.CodeInvalid, "neutral words", sentinel) }
	for _, tc := range []struct {
		err           error
		handler       string
		status        int
		code, message string
	}{
		{neutral(core.ErrEmptyFile), "rest_upload_sideload_error", 400, "rest_upload_no_data", "No data supplied."},
		{neutral(core.ErrEmptyFile), "rest_upload_unknown_error", 500, "rest_upload_unknown_error", "File is empty. Please upload something more substantial."},
		{neutral(core.ErrPartial), "rest_upload_unknown_error", 500, "rest_upload_unknown_error", "The uploaded file was only partially uploaded."},
		{neutral(core.ErrFileType), "rest_upload_sideload_error", 500, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type."},
		{neutral(core.ErrHashMismatch), "rest_upload_sideload_error", 412, "rest_upload_hash_mismatch", "Content hash did not match expected."},
	} {
		var re *restError
		if !errors.As(uploadError(tc.err, tc.handler), &re) || re.status != tc.status || re.code != tc.code || re.message != tc.message {
			t.Errorf("uploadError(%v, %s) = %+v, want %d %s %q", tc.err, tc.handler, re, tc.status, tc.code, tc.message)
		}
	}
}
