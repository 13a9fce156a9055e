package media

// Transform is a rendition asked for through an image URL's parameters
// (ImageSharp's, as Umbraco 10+ writes them, or ImageProcessor's, as
// Heartcore does), once validated and bounded. Its zero fields mean "not
// given". The workers make it (JobDerive) and the API caches the result as
// a RoleDerived file named after Canonical().
type Transform struct {
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Mode is ImageSharp's rmode: "crop" (the default when both sides are
	// given), "max", "pad", "boxpad", "min" or "stretch".
	Mode string `json:"mode,omitempty"`
	// Focal centres a crop (rxy, or ImageProcessor's center=top,left).
	Focal *Point `json:"focal,omitempty"`
	// Anchor places a crop or a pad when there is no focal point: center,
	// top, bottom, left, right, topleft, topright, bottomleft, bottomright.
	Anchor string `json:"anchor,omitempty"`
	// Coords cut a region out of the upright image first (cc, or
	// ImageProcessor's crop=…&cropmode=percentage).
	Coords *Coords `json:"coords,omitempty"`
	// Format is the output: "jpeg", "png", "webp" or "gif"; "" keeps the
	// item's.
	Format string `json:"format,omitempty"`
	// Quality is the encoder's quality, 1–100; 0 uses the default.
	Quality int `json:"quality,omitempty"`
}
