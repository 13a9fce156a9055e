package objstore_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore/objstoretest"
)

// TestStoreOnEveryServer is the object-store suite, run against each S3
// server `make test` starts: MinIO and one that is not MinIO. What
// Pixelmill needs of S3 must hold on both.
func TestStoreOnEveryServer(t *testing.T) {
	for _, srv := range objstoretest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			s := objstoretest.Open(t, srv.Config)

			// Put streams a body of unknown length; Stat and Get read it
			// back with its size, type and an ETag; Get seeks (Range).
			body := bytes.Repeat([]byte("pixelmill "), 100_000) // 1 MB, more than one part's buffer
			info, err := s.Put(ctx, "media/k1/original", bytes.NewReader(body), -1, "image/jpeg")
			if err != nil || info.Size != int64(len(body)) {
				t.Fatalf("put: %+v %v", info, err)
			}
			st, err := s.Stat(ctx, "media/k1/original")
			if err != nil || st.Size != int64(len(body)) || st.ETag == "" {
				t.Fatalf("stat: %+v %v", st, err)
			}
			obj, err := s.Get(ctx, "media/k1/original")
			if err != nil || obj.Size != int64(len(body)) || obj.ContentType != "image/jpeg" {
				t.Fatalf("get: %+v %v", obj, err)
			}
			if _, err := obj.Seek(500_000, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 10)
			if _, err := io.ReadFull(obj, part); err != nil || string(part) != string(body[500_000:500_010]) {
				t.Fatalf("read after seek: %q %v", part, err)
			}
			obj.Close()

			// ReadAll honours its limit; a missing key is CodeNotFound.
			if got, err := s.ReadAll(ctx, "media/k1/original", 2<<20); err != nil || !bytes.Equal(got, body) {
				t.Fatalf("read all: %d bytes, %v", len(got), err)
			}
			if _, err := s.ReadAll(ctx, "media/k1/original", 1000); media.ErrorCode(err) != media.CodeTooLarge {
				t.Fatalf("read over the limit: %v", err)
			}
			if _, err := s.Get(ctx, "media/none/original"); media.ErrorCode(err) != media.CodeNotFound {
				t.Fatalf("get a missing key: %v", err)
			}
			if err := s.Delete(ctx, "media/none/original"); err != nil {
				t.Fatalf("delete a missing key: %v", err)
			}

			// ListInfo and DeletePrefix keep to their prefix.
			for _, k := range []string{"media/k1/files/a.jpg", "media/k1/files/b.jpg", "media/k2/original"} {
				if _, err := s.Put(ctx, k, strings.NewReader(k), int64(len(k)), "image/jpeg"); err != nil {
					t.Fatal(err)
				}
			}
			list, err := s.ListInfo(ctx, "media/k1/")
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, o := range list {
				keys = append(keys, o.Key)
			}
			sort.Strings(keys)
			if strings.Join(keys, ",") != "media/k1/files/a.jpg,media/k1/files/b.jpg,media/k1/original" {
				t.Fatalf("list media/k1/: %v", keys)
			}
			if err := s.DeletePrefix(ctx, "media/k1/"); err != nil {
				t.Fatal(err)
			}
			if list, _ := s.ListInfo(ctx, "media/"); len(list) != 1 || list[0].Key != "media/k2/original" {
				t.Fatalf("after deleting media/k1/: %+v", list)
			}

			// A presigned PUT stores exactly what was declared, without
			// credentials.
			data := []byte("presigned bytes")
			url, err := s.PresignPut(ctx, "media/k3/original", int64(len(data)), "video/mp4", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
			req.Header.Set("Content-Type", "video/mp4")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("presigned PUT: %d", resp.StatusCode)
			}
			if got, err := s.ReadAll(ctx, "media/k3/original", 1<<20); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("the presigned object: %q %v", got, err)
			}
			// A URL signed for another type is refused.
			req, _ = http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
			req.Header.Set("Content-Type", "text/html")
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode/100 == 2 {
				t.Fatalf("a presigned PUT of another type: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}

			// EnsureBucket again changes nothing.
			if err := s.EnsureBucket(ctx); err != nil {
				t.Fatalf("ensure an existing bucket: %v", err)
			}
		})
	}
}
