package media

// EditOp is one operation of an image edit, applied in order to the upright
// original: WordPress's flip, rotate and crop modifiers.
type EditOp struct {
	Type string `json:"type"` // "flip", "rotate" or "crop"
	// Flip: Horizontal mirrors left↔right, Vertical mirrors top↔bottom.
	Horizontal bool `json:"horizontal,omitempty"`
	Vertical   bool `json:"vertical,omitempty"`
	// Rotate: degrees clockwise.
	Angle float64 `json:"angle,omitempty"`
	// Crop: percent of the current image.
	Left   float64 `json:"left,omitempty"`
	Top    float64 `json:"top,omitempty"`
	Width  float64 `json:"width,omitempty"`
	Height float64 `json:"height,omitempty"`
}

// Edit says how an edited item's original is made from another item's.
type Edit struct {
	SourceKey string   `json:"source_key"` // object key of the parent's original
	Ops       []EditOp `json:"ops"`
}
