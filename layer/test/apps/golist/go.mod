module kmirror.test/golist

go 1.21
