module github.com/gosd/gosd

go 1.26.8
