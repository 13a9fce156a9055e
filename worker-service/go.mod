module github.com/pixelmill/pixelmill/worker-service

go 1.26.0

require github.com/pixelmill/pixelmill/services v0.0.0

require (
	github.com/davidbyttow/govips/v2 v2.18.0 // indirect
	github.com/rwcarlsen/goexif v0.0.0-20190401172101-9e8deecbddbd // indirect
)

replace github.com/pixelmill/pixelmill/services => ../services
