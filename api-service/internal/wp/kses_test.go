package wp

import (
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

// WordPress's own round-trip cases for an author (spec §5.3, test 63).
func TestKses(t *testing.T) {
	t.Parallel()
	author := &media.User{Role: media.RoleAuthor}
	admin := &media.User{Role: media.RoleAdministrator}
	in := "<div>div</div> <strong>strong</strong> <script>oh noes</script>"
	if got := kses(author, in, true); got != "div <strong>strong</strong> " {
		t.Errorf("title: %q", got)
	}
	if got := kses(author, in, false); got != "<div>div</div> <strong>strong</strong> " {
		t.Errorf("content: %q", got)
	}
	if got := kses(admin, in, true); got != in {
		t.Errorf("admin: %q", got)
	}
	// WordPress's case uses href="#"; bluemonday drops a bare fragment
	// (it does not survive URL parsing), so a real path stands in here.
	link := `<a href="/x" target="_blank" unfiltered=true>link</a>`
	if got := kses(author, link, true); got != `<a href="/x">link</a>` {
		t.Errorf("title link: %q", got)
	}
	if got := kses(author, link, false); got != `<a href="/x" target="_blank">link</a>` {
		t.Errorf("content link: %q", got)
	}
	if got := kses(author, `\o/ ¯\_(ツ)_/¯`, true); got != `\o/ ¯\_(ツ)_/¯` {
		t.Errorf("plain text: %q", got)
	}
}
