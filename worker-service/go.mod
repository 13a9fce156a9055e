module github.com/pixelmill/pixelmill/worker-service

go 1.26.0

require (
	github.com/davidbyttow/govips/v2 v2.18.0
	github.com/pixelmill/pixelmill/services v0.0.0
	github.com/rwcarlsen/goexif v0.0.0-20190401172101-9e8deecbddbd
)

require (
	golang.org/x/image v0.38.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/pixelmill/pixelmill/services => ../services
