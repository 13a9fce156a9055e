package media

import "testing"

// TestFirstStatus is the table of a new item's first status and job.
func TestFirstStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      Media
		status Status
		kind   JobKind
	}{
		{"an uploaded JPEG", Media{MIME: "image/jpeg"}, StatusProcessing, JobRenditions},
		{"an edit of a JPEG", Media{MIME: "image/jpeg", Edit: &Edit{}}, StatusProcessing, JobEdit},
		{"a PDF", Media{MIME: "application/pdf"}, StatusProcessing, JobPreview},
		{"a DOCX", Media{MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, StatusReady, ""},
		{"an MP4", Media{MIME: "video/mp4"}, StatusProcessing, JobVideo},
		{"an MP3", Media{MIME: "audio/mpeg"}, StatusProcessing, JobAudio},
		{"a ZIP", Media{MIME: "application/zip"}, StatusReady, ""},
		{"a folder", Media{}, StatusReady, ""},
		{"a presigned upload", Media{MIME: "image/jpeg", Status: StatusUploading}, StatusUploading, ""},
	} {
		if status, kind := FirstStatus(&tc.m); status != tc.status || kind != tc.kind {
			t.Errorf("%s: %s %q, want %s %q", tc.name, status, kind, tc.status, tc.kind)
		}
	}
}

// TestSlugBase: the slug asked for, else the title, else the stem.
func TestSlugBase(t *testing.T) {
	for _, tc := range [][4]string{
		{"My Slug", "Title", "stem", "my-slug"},
		{"", "Sunset over Sea", "img_01", "sunset-over-sea"},
		{"", "!!!", "img_01", "img_01"},
		{"", "", "", ""},
	} {
		if got := SlugBase(tc[0], tc[1], tc[2]); got != tc[3] {
			t.Errorf("SlugBase(%q, %q, %q) = %q, want %q", tc[0], tc[1], tc[2], got, tc[3])
		}
	}
}

// TestPicture: image URLs of an image come from its original, of a PDF
// from its preview, of an audio or video file from its poster's original.
func TestPicture(t *testing.T) {
	orig := File{Role: RoleOriginal, Key: "orig"}
	poster := &Media{ID: 9, MIME: "image/jpeg", Files: []File{{Role: RoleOriginal, Key: "poster"}}}
	nine := int64(9)
	for _, tc := range []struct {
		name   string
		m      Media
		poster *Media
		key    string
	}{
		{"an image", Media{MIME: "image/png", Files: []File{orig}}, nil, "orig"},
		{"a PDF", Media{MIME: "application/pdf", Files: []File{orig, {Role: RoleSize, SizeName: "thumbnail", Key: "t"}, {Role: RoleSize, SizeName: "full", Key: "full"}}}, nil, "full"},
		{"a PDF not previewed yet", Media{MIME: "application/pdf", Files: []File{orig}}, nil, ""},
		{"a video with its poster", Media{MIME: "video/mp4", PosterID: &nine, Files: []File{orig}}, poster, "poster"},
		{"a video, another item given", Media{MIME: "video/mp4", PosterID: &nine, Files: []File{orig}}, &Media{ID: 8}, ""},
		{"a ZIP", Media{MIME: "application/zip", Files: []File{orig}}, nil, ""},
	} {
		f, ok := tc.m.Picture(tc.poster)
		if ok != (tc.key != "") || f.Key != tc.key {
			t.Errorf("%s: %+v %v, want %q", tc.name, f, ok, tc.key)
		}
	}
}
