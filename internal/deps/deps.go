// Package deps pins the project's planned dependencies in go.mod while the
// packages that use them are being written. It is removed once every module
// listed here is imported by real code.
package deps

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/abema/go-mp4"
	_ "github.com/at-wat/ebml-go"
	_ "github.com/brianvoe/gofakeit/v6"
	_ "github.com/corona10/goimagehash"
	_ "github.com/cucumber/godog"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/gin-gonic/gin"
	_ "github.com/go-echarts/go-echarts/v2/charts"
	_ "github.com/google/uuid"
	_ "github.com/vbauerster/mpb/v8"
	_ "go.etcd.io/bbolt"
	_ "go.uber.org/goleak"
	_ "golang.org/x/image/webp"
	_ "golang.org/x/term"
	_ "golang.org/x/time/rate"
)
