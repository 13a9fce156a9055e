package media

import (
	"strings"
	"testing"
)

// TestJobKinds checks the declarations: each kind once, on a subject its
// queue's stream takes (media.jobs.<kind> for an item job), and Spec and
// Subject agree with them.
func TestJobKinds(t *testing.T) {
	seen := map[JobKind]bool{}
	for _, s := range JobKinds() {
		if seen[s.Kind] {
			t.Errorf("kind %s declared twice", s.Kind)
		}
		seen[s.Kind] = true
		switch s.Queue {
		case QueueItems:
			if s.Subject != "media.jobs."+string(s.Kind) || !s.Seq {
				t.Errorf("item kind %s: subject %s, seq %v", s.Kind, s.Subject, s.Seq)
			}
		case QueueDerive:
			if s.Subject != DeriveSubject || s.Seq {
				t.Errorf("derive kind %s: subject %s, seq %v", s.Kind, s.Subject, s.Seq)
			}
		default:
			t.Errorf("kind %s: unknown queue %q", s.Kind, s.Queue)
		}
		if got, ok := s.Kind.Spec(); !ok || got.Kind != s.Kind {
			t.Errorf("Spec(%s) = %+v, %v", s.Kind, got, ok)
		}
		if got := (Job{Kind: s.Kind}).Subject(); got != s.Subject {
			t.Errorf("Job{%s}.Subject() = %s, want %s", s.Kind, got, s.Subject)
		}
		if strings.TrimSpace(s.Makes) == "" {
			t.Errorf("kind %s says nothing of what it makes", s.Kind)
		}
	}
	for _, k := range []JobKind{JobRenditions, JobEdit, JobCrops, JobDerive} {
		if !seen[k] {
			t.Errorf("kind %s is not declared", k)
		}
	}
	if _, ok := JobKind("transcode").Spec(); ok {
		t.Error("an undeclared kind has a spec")
	}
	if got := (Job{Kind: "transcode"}).Subject(); got != "media.jobs.transcode" {
		t.Errorf("undeclared kind's subject %s", got)
	}
}

// TestJobFor is the decision table of which job an item needs.
func TestJobFor(t *testing.T) {
	for _, tc := range []struct {
		want   JobKind
		state  JobState
		kind   JobKind
		reason bool
	}{
		{JobRenditions, JobState{Status: StatusProcessing}, JobRenditions, false},
		{JobRenditions, JobState{Status: StatusReady}, JobRenditions, false},
		{JobRenditions, JobState{Status: StatusProcessing, NeedsEdit: true}, JobEdit, true},
		{JobEdit, JobState{Status: StatusProcessing, NeedsEdit: true}, JobEdit, false},
		{JobCrops, JobState{Status: StatusReady}, JobCrops, false},
		{JobCrops, JobState{Status: StatusProcessing}, JobRenditions, true},
		{JobCrops, JobState{Status: StatusFailed}, JobRenditions, true},
		{JobCrops, JobState{Status: StatusProcessing, NeedsEdit: true}, JobEdit, true},
		{JobDerive, JobState{Status: StatusProcessing, NeedsEdit: true}, JobDerive, false},
		{JobRenditions, JobState{Status: StatusReady, MIME: "application/pdf"}, JobPreview, true},
		{JobCrops, JobState{Status: StatusReady, MIME: "application/pdf"}, JobPreview, true},
		{JobPreview, JobState{Status: StatusFailed, MIME: "application/pdf"}, JobPreview, false},
		{JobRenditions, JobState{Status: StatusReady, MIME: "image/jpeg"}, JobRenditions, false},
		{JobRenditions, JobState{Status: StatusFailed, MIME: "audio/ogg"}, JobAudio, true},
		{JobRenditions, JobState{Status: StatusProcessing, MIME: "video/webm"}, JobVideo, true},
		{JobRenditions, JobState{Status: StatusReady, MIME: "application/zip"}, JobRenditions, false},
	} {
		kind, why := JobFor(tc.want, tc.state)
		if kind != tc.kind || (why != "") != tc.reason {
			t.Errorf("JobFor(%s, %+v) = %s %q, want %s (reason given: %v)", tc.want, tc.state, kind, why, tc.kind, tc.reason)
		}
	}
}
